import Foundation
import ImageIO
import Tensor

/// Scores generated images with the DINO and CLIP encoders as the DINO-I / CLIP-I / CLIP-T recipes do:
/// each image preprocessed by its encoder's recipe, embedded, normalised, and compared by cosine with
/// the object's reference images and the prompt. Reference and prompt embeddings are computed once and
/// kept for the scorer's life. Safe to share between threads.
public final class MetricScorer: @unchecked Sendable {
    /// The DINO-I encoder.
    public let dino: DINOViT
    /// The CLIP-I / CLIP-T encoder.
    public let clip: CLIPMetricModel
    /// Turns prompts into CLIP token ids (the `.openCLIP` mode: openai/CLIP's `clip.tokenize`).
    public let tokenizer: ClipTokenizer
    private let dinoPreprocessing = MetricPreprocessing.dino
    private let clipPreprocessing: MetricPreprocessing

    private let lock = NSLock()
    private var referenceEmbeddings: [String: ImageEmbeddings] = [:]  // guarded by `lock`
    private var promptEmbeddings: [String: UnitEmbedding] = [:]  // guarded by `lock`

    /// A scorer; the CLIP model's vocabulary must hold every id `tokenizer` gives.
    public init(dino: DINOViT, clip: CLIPMetricModel, tokenizer: ClipTokenizer) {
        precondition(clip.config.text.vocabularySize >= tokenizer.vocabularySize,
                     "MetricScorer: the CLIP text tower has \(clip.config.text.vocabularySize) token ids, the tokenizer \(tokenizer.vocabularySize)")
        self.dino = dino
        self.clip = clip
        self.tokenizer = tokenizer
        clipPreprocessing = .clip(size: clip.config.vision.imageSize)
    }

    /// The embeddings of `image`; `source` names it in errors (a NaN embedding is an error, not a score).
    public func embeddings(of image: RasterImage, source: String) throws(MetricError) -> ImageEmbeddings {
        let dinoEmbedding = dino(dinoPreprocessing.tensor(image))
        let clipEmbedding = clip.imageEmbeddings(clipPreprocessing.tensor(image))
        return ImageEmbeddings(dino: try UnitEmbedding(dinoEmbedding.scalars, source: source, model: "DINO"),
                               clip: try UnitEmbedding(clipEmbedding.scalars, source: source, model: "CLIP image"))
    }

    /// The embeddings of the image file at `path` (PNG or JPEG); an unreadable file is an `ImageIOError`
    /// naming it.
    public func embeddings(ofImageAt path: String) throws -> ImageEmbeddings {
        try embeddings(of: ImageFile.read(path: path), source: path)
    }

    /// The embeddings of the reference image at `path`, computed on first use and kept.
    public func referenceEmbeddings(ofImageAt path: String) throws -> ImageEmbeddings {
        if let known = lock.withLock({ referenceEmbeddings[path] }) { return known }
        let computed = try embeddings(ofImageAt: path)
        lock.withLock { referenceEmbeddings[path] = computed }
        return computed
    }

    /// The CLIP text embedding of `prompt` (cut at 75 tokens as `clip.tokenize(truncate=True)` does),
    /// computed on first use and kept.
    public func promptEmbedding(_ prompt: String) throws(MetricError) -> UnitEmbedding {
        if let known = lock.withLock({ promptEmbeddings[prompt] }) { return known }
        let tokens = tokenizer.encode(prompt, mode: .openCLIP)
        let computed = try UnitEmbedding(clip.textEmbeddings([tokens]).scalars, source: "prompt \"\(prompt)\"", model: "CLIP text")
        lock.withLock { promptEmbeddings[prompt] = computed }
        return computed
    }

    /// The scores of the generated image at `path` against the reference images at `references` (at
    /// least one) and, when given, `prompt`.
    public func scores(ofImageAt path: String, references: [String], prompt: String?) throws -> ImageScores {
        precondition(!references.isEmpty, "MetricScorer: an object needs at least one reference image")
        let referenceSet = try references.map { try referenceEmbeddings(ofImageAt: $0) }
        let promptEmbedding = try prompt.map { text throws(MetricError) in try self.promptEmbedding(text) }
        return ImageScores(generated: try embeddings(ofImageAt: path), references: referenceSet, prompt: promptEmbedding)
    }
}
