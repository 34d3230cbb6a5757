import DiffusionCore
import FarmProtocol
import ImageIO

/// What a task's image is scored against: the embeddings of its reference images (the object image
/// first, then the task's `references`) and of its prompt, from the executor's caches.
struct MetricInputs {
    let scorer: MetricScorer
    let references: [ImageEmbeddings]
    /// Nil for an empty prompt: there is nothing for CLIP-T to measure.
    let prompt: UnitEmbedding?

    init(_ task: TaskAssignment, object: ObjectImage, scorer: MetricScorer, caches: ConditioningCaches) throws(TaskFailure) {
        func embeddings(of file: ImageFileContents, decode: () throws(TaskFailure) -> RasterImage) throws(TaskFailure) -> ImageEmbeddings {
            try caches.value(in: \.referenceEmbeddings, for: ConditioningCaches.ReferenceKey(path: file.path, digest: file.digest)) { () throws(TaskFailure) in
                let image = try decode()
                return try Self.metric { () throws(MetricError) in try scorer.embeddings(of: image, source: file.path) }
            }
        }
        var references = [try embeddings(of: object.file, decode: object.image)]
        for path in task.references {
            let file = try ImageFileContents(readingAt: path)
            references.append(try embeddings(of: file, decode: file.decoded))
        }
        self.scorer = scorer
        self.references = references
        prompt = task.prompt.isEmpty ? nil : try caches.value(in: \.promptEmbeddings, for: task.prompt) { () throws(TaskFailure) in
            // As `MetricScorer.promptEmbedding`, without its unbounded memo.
            let tokens = scorer.tokenizer.encode(task.prompt, mode: .openCLIP)
            return try Self.metric { () throws(MetricError) in
                try UnitEmbedding(scorer.clip.textEmbeddings([tokens]).scalars, source: "prompt \"\(task.prompt)\"", model: "CLIP text")
            }
        }
    }

    /// The scores of the rendered image; `source` names it in errors.
    func scores(of image: RasterImage, source: String) throws(TaskFailure) -> FarmProtocol.ImageScores {
        let generated = try Self.metric { () throws(MetricError) in try scorer.embeddings(of: image, source: source) }
        let scores = DiffusionCore.ImageScores(generated: generated, references: references, prompt: prompt)
        return FarmProtocol.ImageScores(dinoI: scores.dinoI, clipI: scores.clipI, clipT: scores.clipT)
    }

    /// `body`'s value; a `MetricError` (a NaN or zero embedding, naming the image or prompt) fails the task.
    private static func metric<Value>(_ body: () throws(MetricError) -> Value) throws(TaskFailure) -> Value {
        do { return try body() } catch { throw TaskFailure(.task, error.description) }
    }
}
