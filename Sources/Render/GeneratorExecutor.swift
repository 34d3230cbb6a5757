import DiffusionCore
import FarmProtocol
import Foundation
import ImageIO
import Logging
import Tensor

/// Runs farm tasks through a loaded CustomNet model: the worker daemon's `TaskExecutor`, and the only
/// place the farm's wire types meet the engine.
///
/// Conditioning that depends neither on the pose nor on the seed is kept in bounded LRU caches (see
/// `CacheLimits`): the object's CLIP embedding by the image's SHA-256, the location latent by SHA-256
/// and box, the text embedding by prompt, and, with a scorer, the metric embeddings of reference images
/// by path and SHA-256 and the CLIP-T embedding by prompt. A job's many poses and seeds of one object
/// and prompt then pay for little but the sampler. The image is bit-identical to
/// `CustomNetGenerator.render` for the same inputs.
///
/// Threads: the worker daemon calls `execute` from one thread at a time, and that is all this type is
/// made for (it is not `Sendable`). The caches sit behind a lock all the same.
public final class GeneratorExecutor: TaskExecutor {
    /// Lowercase hex SHA-256 of the checkpoint, as the caller computed it.
    public let modelDigest: String
    /// The model.
    public let generator: CustomNetGenerator
    /// The DINO-I / CLIP-I / CLIP-T encoders; nil to report no scores.
    public let scorer: MetricScorer?
    let caches: ConditioningCaches
    private let logger: Logger

    /// An executor for `generator`, whose checkpoint has SHA-256 `modelDigest`.
    /// - Parameters:
    ///   - scorer: scores each image when given; otherwise every score is nil.
    ///   - cacheLimits: how much conditioning to keep between tasks.
    ///   - logger: gets one debug line per task (timings and cache counts).
    public init(generator: CustomNetGenerator, modelDigest: String, scorer: MetricScorer? = nil,
                cacheLimits: CacheLimits = CacheLimits(), logger: Logger = Logger(label: "customnet.render")) {
        self.generator = generator
        self.modelDigest = modelDigest
        self.scorer = scorer
        caches = ConditioningCaches(limits: cacheLimits)
        self.logger = logger
    }

    /// Hits, misses and entries of every cache since the executor was made.
    public var cacheStatistics: CacheStatistics { caches.statistics }

    /// Renders `task`: checks its numbers, reads the object image once and checks it against
    /// `imageDigest`, samples from cached conditioning, scores the image when there is a scorer, and
    /// encodes it as PNG.
    ///
    /// Failures: a bad field, a missing, changed or undecodable image (object or reference) or a metric
    /// that cannot be computed is `.task`; a PNG that cannot be encoded is `.worker`; `progress`
    /// returning false throws `TaskFailure.cancelled`.
    public func execute(_ task: TaskAssignment, progress: (_ step: Int, _ steps: Int) -> Bool) throws(TaskFailure) -> TaskOutput {
        let parameters = try TaskParameters(task, frame: generator.preset.imageSize)
        let object = ObjectImage(try ImageFileContents(readingAt: task.imagePath, expectedDigest: task.imageDigest))
        let clock = ContinuousClock()
        let renderStart = clock.now
        // References are embedded before sampling, so a missing one fails the task at once.
        let metricInputs = try scorer.map { scorer throws(TaskFailure) in
            try MetricInputs(task, object: object, scorer: scorer, caches: caches)
        }
        let image = try render(task, parameters, object, progress: progress)
        let scores = try metricInputs?.scores(of: image, source: task.outputName + ".png") ?? FarmProtocol.ImageScores()
        let renderSeconds = (clock.now - renderStart) / .seconds(1)

        let encodeStart = clock.now
        let png: [UInt8]
        do {
            png = try PNG.encode(image)
        } catch {
            throw TaskFailure(.worker, "\(task.outputName).png: \(error.problem)")
        }
        let timings = RenderTimings(renderSeconds: renderSeconds, encodeSeconds: (clock.now - encodeStart) / .seconds(1))
        logger.debug("rendered \(task.outputName).png: \(parameters.steps) steps, render \(timings.renderSeconds) s, encode \(timings.encodeSeconds) s; caches: \(cacheStatistics)")
        return TaskOutput(png: png, scores: scores, timings: timings)
    }

    /// `generator.render`'s stages, with the conditioning from the caches.
    private func render(_ task: TaskAssignment, _ parameters: TaskParameters, _ object: ObjectImage,
                        progress: (Int, Int) -> Bool) throws(TaskFailure) -> RasterImage {
        let objectEmbedding = try caches.value(in: \.objectEmbeddings, for: object.file.digest) { () throws(TaskFailure) in
            generator.objectEmbedding(try object.tensor(for: generator))
        }
        let locationKey = ConditioningCaches.LocationKey(imageDigest: object.file.digest, box: parameters.box)
        let locationLatent = try caches.value(in: \.locationLatents, for: locationKey) { () throws(TaskFailure) in
            generator.locationLatent(try object.tensor(for: generator), box: parameters.box)
        }
        let textEmbedding = caches.value(in: \.textEmbeddings, for: task.prompt) { generator.textEmbedding(task.prompt) }
        do {
            return try generator.sample(
                objectEmbedding: objectEmbedding, locationLatent: locationLatent, textEmbedding: textEmbedding, pose: parameters.pose,
                noise: generator.initialNoise(seed: task.seed), steps: parameters.steps, guidance: parameters.guidance
            ) { index, count, _ in
                if !progress(index + 1, count) { throw TaskFailure.cancelled }
            }
        } catch {
            // `sample` rethrows only what the step callback throws: the cancellation.
            throw .cancelled
        }
    }
}
