import FarmProtocol
import Foundation
import Logging

/// What became of an assignment the runner took.
enum TaskCompletion: Sendable {
    /// Rendered; the result is in the outbox (or, if the disk refused it, only in this entry).
    case succeeded(OutboxEntry)
    /// The executor failed; `log` is the task's log for `FAIL`'s `log_tail`.
    case failed(Assignment, TaskFailure, log: String)
    /// Stopped by a cancel; nothing is reported.
    case cancelled(LeaseRef)
}

extension TaskCompletion {
    /// The lease the task ran under.
    var lease: LeaseRef {
        switch self {
        case .succeeded(let entry): entry.lease
        case .failed(let assignment, _, _): LeaseRef(taskID: assignment.taskID, leaseID: assignment.leaseID)
        case .cancelled(let lease): lease
        }
    }
}

/// What `TaskRunner.cancel` found.
enum CancelEffect {
    /// The task is running; it was asked to stop, and its completion will say `cancelled`.
    case stopping
    /// The task was waiting and is withdrawn; it never ran.
    case withdrawn
    /// No such lease here.
    case notHeld
}

/// Runs assignments through the executor one at a time on its own thread, so the socket thread keeps
/// polling and heartbeating. The socket thread submits, cancels, reads progress and collects
/// completions; after each completion the runner wakes the socket thread through an `inproc://`
/// PUSH socket of its own (completions are also collected on the socket thread's regular tick).
///
/// All state is guarded by `condition`; the executor itself is touched only by the runner's thread.
final class TaskRunner: @unchecked Sendable {
    private struct Held {
        let assignment: Assignment
        var lease: LeaseRef { LeaseRef(taskID: assignment.taskID, leaseID: assignment.leaseID) }
        var startedAt: ContinuousClock.Instant?
        var step = 0
        var steps: Int
        var cancelRequested = false

        init(_ assignment: Assignment) {
            self.assignment = assignment
            steps = Int(assignment.task.steps)
        }
    }

    private let executor: any TaskExecutor
    private let outbox: ResultOutbox
    private let limits: WireLimits
    private let logger: Logger
    private let condition = NSCondition()
    private var running: Held?
    private var waiting: [Held] = []
    private var finished: [TaskCompletion] = []
    private var closed = false
    private var exited = false

    init(executor: any TaskExecutor, outbox: ResultOutbox, limits: WireLimits, logger: Logger) {
        self.executor = executor
        self.outbox = outbox
        self.limits = limits
        self.logger = logger
    }

    /// Starts the runner's thread; it wakes the socket thread through a PUSH connected to `wakeEndpoint`.
    func start(context: ZMQContext, wakeEndpoint: String) {
        let thread = Thread { [self] in
            var wake: ZMQSocket?
            do {
                let socket = try ZMQSocket(.push, context: context)
                try socket.connect(wakeEndpoint)
                wake = socket
            } catch {
                logger.warning("no wake-up socket; completions are noticed on the next tick", metadata: ["error": "\(error)"])
            }
            while let held = next() { finish(run(held), wake: wake) }
            wake?.close()
            locked {
                exited = true
                condition.broadcast()
            }
        }
        thread.name = "farm.worker.executor"
        thread.start()
    }

    /// Queues `assignment` (it runs after the ones before it).
    func submit(_ assignment: Assignment) {
        locked {
            waiting.append(Held(assignment))
            condition.broadcast()
        }
    }

    /// Each held lease's progress (`HEARTBEAT`'s `active`); waiting ones are at step 0 after 0 s.
    func progress(at now: ContinuousClock.Instant) -> [LeaseProgress] {
        locked {
            ([running].compactMap { $0 } + waiting).map { held in
                let steps = UInt32(clamping: max(held.steps, 0))
                let elapsed = held.startedAt.map { max((now - $0) / .seconds(1), 0) } ?? 0
                return LeaseProgress(taskID: held.assignment.taskID, leaseID: held.assignment.leaseID,
                                     step: min(UInt32(clamping: max(held.step, 0)), steps), steps: steps, elapsedSeconds: elapsed)
            }
        }
    }

    /// Cancels the lease's task: stops it if running, withdraws it if waiting.
    func cancel(_ lease: LeaseRef) -> CancelEffect {
        locked {
            if running?.lease == lease {
                running?.cancelRequested = true
                return .stopping
            }
            guard let index = waiting.firstIndex(where: { $0.lease == lease }) else { return .notHeld }
            waiting.remove(at: index)
            return .withdrawn
        }
    }

    /// Cancels everything: asks the running task to stop and withdraws the waiting ones. Returns
    /// whether a task was running, and the withdrawn leases.
    func cancelAll() -> (stopping: Bool, withdrawn: [LeaseRef]) {
        locked {
            running?.cancelRequested = true
            defer { waiting.removeAll() }
            return (running != nil, waiting.map(\.lease))
        }
    }

    /// The completions since the last call, oldest first.
    func takeFinished() -> [TaskCompletion] {
        locked {
            defer { finished.removeAll() }
            return finished
        }
    }

    /// Stops taking work and cancels the running task; then waits up to `timeout` seconds for the
    /// thread to end. Returns whether it ended (an executor that ignores cancellation keeps it).
    @discardableResult
    func close(waitingUpTo timeout: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        waiting.removeAll()
        running?.cancelRequested = true
        condition.broadcast()
        let deadline = Date(timeIntervalSinceNow: max(timeout, 0))
        while !exited, condition.wait(until: deadline) {}
        return exited
    }

    /// The next task to run, waiting for one; nil once closed.
    private func next() -> Held? {
        condition.lock()
        defer { condition.unlock() }
        while !closed && waiting.isEmpty { condition.wait() }
        guard !closed else { return nil }
        var held = waiting.removeFirst()
        held.startedAt = .now
        running = held
        return held
    }

    /// Runs one task to its completion (on the runner's thread).
    private func run(_ held: Held) -> TaskCompletion {
        let assignment = held.assignment
        let started = ContinuousClock.now
        do {
            let output = try executor.execute(assignment.task) { step, steps in
                locked {
                    running?.step = step
                    running?.steps = steps
                    return running?.cancelRequested != true
                }
            }
            return succeeded(assignment, output)
        } catch {
            if error.wasCancelled || locked({ running?.cancelRequested == true }) { return .cancelled(held.lease) }
            let elapsed = (ContinuousClock.now - started) / .seconds(1)
            return .failed(assignment, error, log: failureLog(assignment, error, elapsedSeconds: elapsed))
        }
    }

    /// Makes the `RESULT` and stores it durably; a result the protocol would refuse becomes a
    /// `worker` failure, and a disk that refuses it is logged while the result is still sent.
    private func succeeded(_ assignment: Assignment, _ output: TaskOutput) -> TaskCompletion {
        let report = ResultReport(taskID: assignment.taskID, leaseID: assignment.leaseID, attempt: assignment.attempt,
                                  scores: output.scores, timings: output.timings)
        let image = Blob(output.png)
        let sentAt = Timestamp(Date())
        do {
            _ = try Envelope(.result(report, image: image), sentAt: sentAt).encode(limits: limits)
        } catch {
            let failure = TaskFailure(.worker, "the executor's result cannot be sent: \(error)")
            return .failed(assignment, failure, log: failureLog(assignment, failure, elapsedSeconds: output.timings.renderSeconds))
        }
        do {
            return .succeeded(try outbox.store(report, image: image, sentAt: sentAt))
        } catch {
            logger.error("cannot store the result in the outbox; sending it from memory only",
                         metadata: ["task_id": "\(assignment.taskID)", "lease_id": "\(assignment.leaseID)", "error": "\(error)"])
            return .succeeded(OutboxEntry(lease: LeaseRef(taskID: report.taskID, leaseID: report.leaseID),
                                          envelope: Envelope(.result(report, image: image), sentAt: sentAt)))
        }
    }

    private func finish(_ completion: TaskCompletion, wake: ZMQSocket?) {
        condition.lock()
        defer { condition.unlock() }
        running = nil
        let mustWake = finished.isEmpty
        finished.append(completion)
        // The socket thread closes its PULL only after `closed` is set under this lock, so a send
        // made here has a live peer; one wake-up per batch keeps the pipe far below its high-water mark.
        if mustWake && !closed { try? wake?.send([[1]]) }
    }

    /// The worker's account of a failed task, for `FAIL`'s `log_tail`.
    private func failureLog(_ assignment: Assignment, _ failure: TaskFailure, elapsedSeconds: Double) -> String {
        let progress = locked { running.map { "step \($0.step) of \($0.steps)" } ?? "no progress" }
        return """
        task \(assignment.taskID) lease \(assignment.leaseID) attempt \(assignment.attempt): \
        \(assignment.task.jobID) \(assignment.task.outputName)
        failed after \(String(format: "%.3f", elapsedSeconds)) s at \(progress)
        \(failure)
        """
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }
}
