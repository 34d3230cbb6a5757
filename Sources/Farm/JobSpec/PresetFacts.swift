/// What the farm knows about a model preset without the engine (`Farm` does not import `DiffusionCore`):
/// the frame size boxes are checked against, and a render-time estimate for `customnet validate`.
///
/// The sizes mirror `DiffusionCore.CustomNetPreset` (`imageSize`); keep the two tables in step.
public struct PresetFacts: Sendable, Equatable {
    /// The preset's name as specs and `customnet render --preset` spell it.
    public let name: String
    /// Side of the square images the model makes, in pixels.
    public let imageSize: Int
    /// Wall-clock seconds for one image at 50 DDIM steps on one 2-core node.
    public let secondsPerImageAt50Steps: Double
    /// Where `secondsPerImageAt50Steps` comes from.
    public let timingSource: String

    /// The toy architecture of the demo and the tests: 64×64 images.
    public static let tiny = PresetFacts(
        name: "tiny", imageSize: 64, secondsPerImageAt50Steps: 0.5,
        timingSource: "measured: `customnet render` with the tiny preset, 50 steps, process start included, 2 vCPUs (AMD EPYC)")

    /// The official `customnet_v1.pt`: 256×256 images.
    public static let customNetV1 = PresetFacts(
        name: "customnet-v1", imageSize: 256, secondsPerImageAt50Steps: 100,
        timingSource: "planning figure for a 2-core node (49 UNet steps at batch 2 dominate); replace with `customnet bench generator`")

    /// Every preset, in the order messages list them.
    public static let all = [tiny, customNetV1]

    /// The preset called `name`, if any.
    public static func named(_ name: String) -> PresetFacts? { all.first { $0.name == name } }

    /// Estimated seconds for one image with `steps` DDIM grid points (the sampler runs `steps − 1` UNet
    /// evaluations, which dominate; the estimate scales linearly from 50).
    public func secondsPerImage(steps: Int) -> Double {
        secondsPerImageAt50Steps * Double(max(steps - 1, 1)) / 49
    }
}

/// The bounds a job spec is checked against.
public enum JobSpecLimits {
    /// DDIM grid points (the engine accepts 2…1000).
    public static let steps = 2...1000
    /// Polar angle in degrees.
    public static let polar = -90.0...90.0
    /// Largest seed: 2^63 − 1, so seeds fit a signed 64-bit integer (SQLite, JSON readers).
    public static let maxSeed = UInt64(Int64.max)
    /// Values one `{from, to, step}` or `{from, count}` range may give.
    public static let maxRangeValues = 10_000
    /// Tasks one job may expand to.
    public static let maxTasks = 1_000_000
    /// Retries of a failed task.
    public static let retries = 0...100
    /// Job priority.
    public static let priority = -1000...1000
    /// Length of a job name or an object id.
    public static let maxNameLength = 64
}
