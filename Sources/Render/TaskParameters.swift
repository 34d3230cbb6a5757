import DiffusionCore
import FarmProtocol

/// A task's numbers mapped to the engine's types and checked as `CustomNetGenerator.render` checks a
/// request, so that a bad task fails before any work with a `.task` failure saying which field.
struct TaskParameters {
    /// The resolved box: the task's, or the whole frame.
    let box: Box
    let pose: Pose
    let steps: Int
    let guidance: Float

    /// - Parameter size: the model's square frame, in pixels.
    init(_ task: TaskAssignment, frame size: Int) throws(TaskFailure) {
        box = task.box.map { Box(x0: $0.x0, y0: $0.y0, x1: $0.x1, y1: $0.y1) } ?? .wholeFrame(size)
        if let problem = box.problem(inFrame: size) { throw TaskFailure(.task, problem) }
        guard task.polar.isFinite, task.azimuth.isFinite else {
            throw TaskFailure(.task, "polar and azimuth must be finite numbers, got \(task.polar) and \(task.azimuth)")
        }
        guard task.guidance.isFinite else { throw TaskFailure(.task, "guidance must be a finite number, got \(task.guidance)") }
        guard (2...1000).contains(task.steps) else { throw TaskFailure(.task, "steps must be 2…1000, got \(task.steps)") }
        pose = Pose(polar: task.polar, azimuth: task.azimuth)
        steps = Int(task.steps)
        guidance = task.guidance
    }
}
