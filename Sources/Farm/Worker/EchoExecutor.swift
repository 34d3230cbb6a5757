import FarmProtocol
import Foundation
import ImageIO

/// A real but trivial `TaskExecutor` for dispatch benchmarks and tests of the farm alone: it "renders"
/// a 16×16 RGB PNG whose pixels follow from the task's fields (the same task gives the same bytes),
/// stepping through `task.steps` progress reports with an optional sleep per step. It can be told to
/// fail or hang on chosen tasks, for fault tests.
public final class EchoExecutor: TaskExecutor, Sendable {
    /// SHA-256 of `customnet echo executor`: the digest an echo worker announces by default.
    public static let defaultModelDigest = SHA256.hexDigest(Array("customnet echo executor".utf8))
    /// The image's side, pixels.
    public static let side = 16

    /// HELLO's `model_digest`.
    public let modelDigest: String
    /// Sleep per sampler step, seconds.
    public let stepDelaySeconds: Double
    /// The failure to throw for a task (after its steps), or nil to render it.
    public let failure: @Sendable (TaskAssignment) -> TaskFailure?
    /// Whether to hang on a task: report step 0 every 10 ms, never finishing, until cancelled.
    public let hangs: @Sendable (TaskAssignment) -> Bool

    /// An executor that, by default, announces `defaultModelDigest` and renders every task at once.
    public init(modelDigest: String = EchoExecutor.defaultModelDigest, stepDelaySeconds: Double = 0,
                failure: @escaping @Sendable (TaskAssignment) -> TaskFailure? = { _ in nil },
                hangs: @escaping @Sendable (TaskAssignment) -> Bool = { _ in false }) {
        self.modelDigest = modelDigest
        self.stepDelaySeconds = stepDelaySeconds
        self.failure = failure
        self.hangs = hangs
    }

    public func execute(_ task: TaskAssignment, progress: (_ step: Int, _ steps: Int) -> Bool) throws(TaskFailure) -> TaskOutput {
        let started = ContinuousClock.now
        let steps = Int(task.steps)
        guard progress(0, steps) else { throw .cancelled }
        if hangs(task) {
            repeat { Thread.sleep(forTimeInterval: 0.01) } while progress(0, steps)
            throw .cancelled
        }
        for step in 1 ... max(steps, 1) {
            if stepDelaySeconds > 0 { Thread.sleep(forTimeInterval: stepDelaySeconds) }
            guard progress(min(step, steps), steps) else { throw .cancelled }
        }
        if let failure = failure(task) { throw failure }
        let rendered = ContinuousClock.now
        let png: [UInt8]
        do {
            png = try PNG.encode(Self.image(for: task))
        } catch {
            throw TaskFailure(.worker, "echo image: \(error)")
        }
        let encodeSeconds = (ContinuousClock.now - rendered) / .seconds(1)
        return TaskOutput(png: png, timings: RenderTimings(renderSeconds: (rendered - started) / .seconds(1), encodeSeconds: encodeSeconds))
    }

    /// The task's image: each byte from a SplitMix64 stream seeded with an FNV-1a hash of the task's fields.
    public static func image(for task: TaskAssignment) -> RasterImage {
        var state = fingerprint(of: task)
        let pixels = (0 ..< side * side * 3).map { _ in UInt8(truncatingIfNeeded: splitMix(&state) >> 56) }
        return RasterImage(width: side, height: side, layout: .rgb, pixels: pixels)
    }

    private static func fingerprint(of task: TaskAssignment) -> UInt64 {
        let box = task.box.map { "\($0.x0),\($0.y0),\($0.x1),\($0.y1)" } ?? "-"
        let fields = [task.jobID, task.outputName, task.objectID, task.imagePath, task.imageDigest, box,
                      "\(task.polar)", "\(task.azimuth)", task.prompt, "\(task.seed)", "\(task.steps)", "\(task.guidance)"]
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in fields.joined(separator: "\u{0}").utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    private static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
