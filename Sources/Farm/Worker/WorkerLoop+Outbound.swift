import FarmProtocol
import Foundation
import Logging

/// What the worker sends, and what it does when a task ends.
extension WorkerLoop {
    /// The `HELLO` for a new connection: identity, model, host, and the leases still held.
    func hello() -> Envelope {
        Envelope(.hello(WorkerHello(
            workerID: workerID, incarnation: incarnation, engineVersion: configuration.engineVersion, modelDigest: modelDigest,
            host: host, slots: Self.slots, heldLeases: Array(held.prefix(Self.helloListLimit)),
            unackedResults: unacked.prefix(Self.helloListLimit).map(\.lease))), sentAt: Timestamp(Date()))
    }

    /// Sends the tasks' progress; listing a lease renews it.
    func sendHeartbeat(_ now: Instant) {
        send(.workerHeartbeat(WorkerHeartbeat(active: runner.progress(at: now), rssBytes: LocalHost.residentBytes)))
    }

    /// Reports each finished task: `RESULT` (kept until `ACK`) or `FAIL`, then `READY(1)`.
    func collectCompletions() {
        for completion in runner.takeFinished() {
            held.removeAll { $0 == completion.lease }
            switch completion {
            case .succeeded(let entry):
                unacked.append(entry)
                status.update {
                    $0.tasksDone += 1
                    $0.resultsUnacknowledged = unacked.count
                }
                logger.info("task done", metadata: ["task_id": "\(entry.lease.taskID)", "lease_id": "\(entry.lease.leaseID)"])
                if case .welcomed = phase { send(entry.envelope) }
            case .failed(let assignment, let failure, let log):
                logger.warning("task failed", metadata: ["task_id": "\(assignment.taskID)", "lease_id": "\(assignment.leaseID)",
                                                         "error": "\(failure)"])
                sendFailure(assignment, failure, log: log)
            case .cancelled(let lease):
                status.update { $0.tasksCancelled += 1 }
                logger.info("task cancelled", metadata: ["task_id": "\(lease.taskID)", "lease_id": "\(lease.leaseID)"])
            }
            offerSlot()
        }
    }

    /// `READY(1)` for a slot that became free, unless draining or not welcomed (then `WELCOME`'s
    /// `READY` counts it).
    func offerSlot() {
        guard drain == nil, case .welcomed = phase else { return }
        send(.ready(Ready(credits: 1)))
    }

    /// `FAIL` for `assignment`, now if welcomed, else after the next `WELCOME`.
    func sendFailure(_ assignment: Assignment, _ failure: TaskFailure, log: String) {
        status.update { $0.tasksFailed += 1 }
        let report = FailureReport(taskID: assignment.taskID, leaseID: assignment.leaseID, failureClass: failure.failureClass,
                                   message: Self.clipped(failure.message, toBytes: Self.maxFailureMessageBytes),
                                   logTail: FailureReport.tail(of: log))
        let envelope = Envelope(.fail(report), sentAt: Timestamp(Date()))
        if case .welcomed = phase { send(envelope) } else { pendingFailures.append(envelope) }
    }

    func send(_ message: Message) {
        send(Envelope(message, sentAt: Timestamp(Date())))
    }

    /// Encodes and sends; a message that does not encode is a bug here, logged and dropped.
    func send(_ envelope: Envelope) {
        guard let socket else { return }
        let frames: [[UInt8]]
        do {
            frames = try envelope.encode(limits: configuration.limits)
        } catch {
            logger.error("cannot encode an outgoing message", metadata: ["type": "\(envelope.message.verb)", "error": "\(error)"])
            return
        }
        do {
            try socket.send(frames)
        } catch {
            lose("send \(envelope.message.verb) failed: \(error)", now: .now)
        }
    }

    /// `FAIL`'s `message` is one line; longer ones are cut (the log tail keeps the rest).
    static let maxFailureMessageBytes = 2048

    /// The longest prefix of `text` within `limit` UTF-8 bytes, cut at a scalar boundary.
    static func clipped(_ text: String, toBytes limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var end = text.utf8.index(text.utf8.startIndex, offsetBy: limit)
        while end > text.utf8.startIndex, end.samePosition(in: text.unicodeScalars) == nil { end = text.utf8.index(before: end) }
        return String(text.unicodeScalars[..<end])
    }
}
