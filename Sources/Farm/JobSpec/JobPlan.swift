/// One cell of a job's grid before it has an identity: which object, viewpoint, prompt and seed, and
/// the cell's stable human-readable name. `JobSpec.cells()` lists them; `JobPlan` adds the ids.
public struct TaskCell: Sendable, Equatable {
    /// Index into `JobSpec.objects`.
    public var objectIndex: Int
    public var polar: Double
    public var azimuth: Double
    public var prompt: String
    /// The prompt's folder name within the job.
    public var promptSlug: String
    public var seed: UInt64
    /// `<object>/<prompt-slug>/p<polar>_a<azimuth>_s<seed>`; angles as `15`, `-7.5`, `0.1`.
    public var name: String
}

extension JobSpec {
    /// Every cell of the grid, objects outermost, then polar, azimuth, prompts, and seeds innermost.
    public func cells() -> [TaskCell] {
        let slugs = PromptSlug.folderNames(for: prompts)
        var cells: [TaskCell] = []
        cells.reserveCapacity(taskCount)
        for (objectIndex, object) in objects.enumerated() {
            for polar in viewpoints.polar {
                for azimuth in viewpoints.azimuth {
                    for (prompt, slug) in zip(prompts, slugs) {
                        for seed in seeds {
                            let name = "\(object.id)/\(slug)/p\(JobSpecParser.formatted(polar))_a\(JobSpecParser.formatted(azimuth))_s\(seed)"
                            cells.append(TaskCell(objectIndex: objectIndex, polar: polar, azimuth: azimuth, prompt: prompt,
                                                  promptSlug: slug, seed: seed, name: name))
                        }
                    }
                }
            }
        }
        return cells
    }

    /// Estimated seconds to render every task on one 2-core node (`PresetFacts`), or nil for an unknown preset.
    public var estimatedRenderSeconds: Double? {
        PresetFacts.named(model.preset).map { Double(taskCount) * $0.secondsPerImage(steps: sampler.steps) }
    }
}

/// A checked job expanded into its tasks, each with its id: what a coordinator enqueues.
///
/// Making a plan reads every file the ids depend on (the checkpoint and the object images, digested
/// through `FileDigests`, so an unchanged 5.7 GB checkpoint is read once per process).
public struct JobPlan: Sendable {
    /// The spec the plan was made from.
    public let spec: JobSpec
    /// Lowercase hex SHA-256 of the checkpoint.
    public let modelDigest: String
    /// Every task, in `JobSpec.cells()` order; ids and names are unique.
    public let tasks: [TaskSpec]

    /// Expands `file`'s spec. Problems reading files, and two objects with the same image and box
    /// (whose tasks would be the same images), are reported at the field that names them.
    public static func make(from file: JobSpecFile, digests: FileDigests) throws(JobSpecError) -> JobPlan {
        let spec = file.spec
        var problems: [JobSpecProblem] = []
        var modelDigest: String?
        do {
            modelDigest = try digests.sha256(ofFileAt: spec.model.checkpoint)
        } catch {
            problems.append(file.problem(at: "model.checkpoint", "cannot digest the checkpoint: \(error)"))
        }
        let frame = PresetFacts.named(spec.model.preset)?.imageSize
        var imageDigests: [String] = []
        var boxes: [PixelBox?] = []
        var firstObject: [String: String] = [:]
        for (index, object) in spec.objects.enumerated() {
            let field = "objects[\(index)]"
            var box = object.box
            if let frame, box?.isWholeFrame(frame) == true { box = nil }
            do {
                let digest = try digests.sha256(ofFileAt: object.image)
                let key = "\(digest) \(box?.description ?? "full")"
                if let first = firstObject[key] {
                    problems.append(file.problem(at: field + ".image", "same image and box as object '\(first)': its tasks would repeat that object's"))
                } else {
                    firstObject[key] = object.id
                }
                imageDigests.append(digest)
            } catch {
                problems.append(file.problem(at: field + ".image", "cannot digest the image: \(error)"))
                imageDigests.append("")
            }
            boxes.append(box)
        }
        guard problems.isEmpty, let modelDigest else { throw JobSpecError(problems: problems) }

        let tasks = spec.cells().map { cell in
            let object = spec.objects[cell.objectIndex]
            let box = boxes[cell.objectIndex]
            let encoding = TaskIdentity.encoding(modelDigest: modelDigest, imageDigest: imageDigests[cell.objectIndex], box: box,
                                                 polar: cell.polar, azimuth: cell.azimuth, prompt: cell.prompt, seed: cell.seed,
                                                 steps: spec.sampler.steps, guidance: spec.sampler.guidance)
            return TaskSpec(id: TaskIdentity.id(of: encoding), name: cell.name, objectID: object.id, imagePath: object.image,
                            imageDigest: imageDigests[cell.objectIndex], references: object.references, box: box, polar: cell.polar,
                            azimuth: cell.azimuth, prompt: cell.prompt, promptSlug: cell.promptSlug, seed: cell.seed,
                            steps: spec.sampler.steps, guidance: spec.sampler.guidance)
        }
        return JobPlan(spec: spec, modelDigest: modelDigest, tasks: tasks)
    }
}
