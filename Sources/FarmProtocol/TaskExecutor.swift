/// What a worker daemon runs its assignments with: the seam between the farm and whatever renders.
///
/// The worker daemon (Farm) owns the sockets and calls `execute` on its own thread, one task at a time;
/// Render's `GeneratorExecutor` implements it with the CustomNet engine, Farm's `EchoExecutor` with a
/// trivial image (for dispatch benchmarks and tests of the farm alone). It is described in wire types
/// only, so neither side knows the other.
public protocol TaskExecutor: AnyObject {
    /// Lowercase hex SHA-256 of the checkpoint the executor renders with (HELLO's `model_digest`):
    /// the coordinator only hands it tasks of jobs made for that checkpoint.
    var modelDigest: String { get }

    /// Renders one task. `progress(step, steps)` is called after every sampler step; when it returns
    /// false the task was cancelled and `execute` should stop soon, throwing `TaskFailure.cancelled`.
    func execute(_ task: TaskAssignment, progress: (_ step: Int, _ steps: Int) -> Bool) throws(TaskFailure) -> TaskOutput
}

/// A finished task: the PNG and what the report needs about it.
public struct TaskOutput: Sendable, Hashable {
    /// The image, PNG bytes.
    public var png: [UInt8]
    /// Per-image scores; all nil when the worker has no metric encoders.
    public var scores: ImageScores
    public var timings: RenderTimings

    public init(png: [UInt8], scores: ImageScores = ImageScores(), timings: RenderTimings) {
        self.png = png
        self.scores = scores
        self.timings = timings
    }
}

/// Why a task was not rendered, with who is to blame (what the `FAIL` report says).
public struct TaskFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var failureClass: FailureClass
    /// One line: what went wrong, naming the file or field.
    public var message: String
    /// True when the task stopped because `progress` returned false (nothing is reported for it).
    public var wasCancelled: Bool

    public init(_ failureClass: FailureClass, _ message: String) {
        self.failureClass = failureClass
        self.message = message
        wasCancelled = false
    }

    /// The task stopped because it was cancelled.
    public static let cancelled: TaskFailure = {
        var failure = TaskFailure(.transient, "cancelled")
        failure.wasCancelled = true
        return failure
    }()

    public var description: String { "\(failureClass.rawValue) failure: \(message)" }
}
