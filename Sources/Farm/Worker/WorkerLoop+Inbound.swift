import FarmProtocol
import Logging

/// What the worker does with each message from the coordinator.
extension WorkerLoop {
    /// Decodes and acts on one received message; anything that does not decode is logged (throttled)
    /// and ignored. Any valid message counts as proof the coordinator is alive.
    func handle(_ frames: [[UInt8]], now: Instant) {
        let envelope: Envelope
        do {
            envelope = try Envelope.decode(frames, on: .coordinatorToWorker, limits: configuration.limits)
        } catch {
            ignore("undecodable message", detail: error.description, now: now)
            return
        }
        lastHeard = now
        switch envelope.message {
        case .welcome(let welcome): accept(welcome, now: now)
        case .reject(let reject): handle(reject, now: now)
        case .assign(let assignment): take(assignment, now: now)
        case .coordinatorHeartbeat(let verdicts):
            for lease in verdicts.revoked { cancel(lease, because: "revoked in the coordinator's HEARTBEAT") }
        case .ack(let ack): acknowledge(LeaseRef(taskID: ack.taskID, leaseID: ack.leaseID), ack.disposition)
        case .cancel(let cancel): self.cancel(LeaseRef(taskID: cancel.taskID, leaseID: cancel.leaseID), because: cancel.reason.rawValue)
        case .drain(let drain):
            if self.drain == nil { beginDrain(.drained(reason: drain.reason), reason: drain.reason, now: now) }
        default:
            ignore("not a coordinator-to-worker message", detail: envelope.message.verb, now: now)
        }
    }

    /// `WELCOME`: adopt its timing, resend the outbox and held-back failures, then offer the free slots.
    private func accept(_ welcome: Welcome, now: Instant) {
        guard case .handshaking = phase else {
            ignore("WELCOME outside a handshake", detail: "epoch \(welcome.epoch)", now: now)
            return
        }
        collectCompletions()
        phase = .welcomed
        heartbeatInterval = max(.seconds(welcome.heartbeatIntervalSeconds), Self.minimumInterval)
        liveness = welcome.liveness
        backoff.reset()
        nextHeartbeat = now + heartbeatInterval
        logger.info("welcomed", metadata: ["epoch": "\(welcome.epoch)", "heartbeat_seconds": "\(welcome.heartbeatIntervalSeconds)",
                                           "liveness": "\(welcome.liveness)"])
        for entry in unacked { send(entry.envelope) }
        status.update { $0.resultsResent += unacked.count }
        for failure in pendingFailures { send(failure) }
        pendingFailures.removeAll()
        let free = Int(Self.slots) - held.count
        if drain == nil, free > 0 { send(.ready(Ready(credits: UInt32(free)))) }
    }

    /// `REJECT`: for good (the worker stops with the reason), or for now (reconnect later).
    private func handle(_ reject: Reject, now: Instant) {
        let metadata: Logger.Metadata = ["reason": "\(reject.reason.rawValue)", "detail": "\(reject.detail)",
                                         "in_reply_to": "\(reject.inReplyTo?.text ?? "-")"]
        let handshaking = if case .handshaking = phase { true } else { false }
        switch reject.reason {
        case .modelMismatch, .engineMismatch, .quarantined, .unsupportedVersion:
            fatal = .rejected(reason: reject.reason, detail: reject.detail, endpoint: configuration.endpoint)
        case .malformed where handshaking:
            fatal = .rejected(reason: reject.reason, detail: reject.detail, endpoint: configuration.endpoint)
        case .malformed:
            logger.error("the coordinator refused a message from this worker", metadata: metadata)
        case .shuttingDown, .unexpectedMessage:
            lose("REJECT \(reject.reason.rawValue): \(reject.detail)", now: now)
        }
        if let fatal { logger.error("rejected by the coordinator", metadata: metadata.merging(["error": "\(fatal)"]) { $1 }) }
    }

    /// `ASSIGN`: queue it for the runner, or refuse it with `FAIL transient` while draining.
    private func take(_ assignment: Assignment, now: Instant) {
        let lease = LeaseRef(taskID: assignment.taskID, leaseID: assignment.leaseID)
        if held.contains(lease) || unacked.contains(where: { $0.lease == lease }) {
            ignore("ASSIGN for a lease already held", detail: "\(lease.taskID) lease \(lease.leaseID)", now: now)
            return
        }
        if drain != nil {
            sendFailure(assignment, TaskFailure(.transient, "worker \(workerID) is stopping; the task was not started"),
                        log: "not started: ASSIGN arrived while the worker was draining")
            return
        }
        if held.count >= Int(Self.slots) {
            logger.warning("more ASSIGNs than credits; queued behind the running task", metadata: ["task_id": "\(lease.taskID)"])
        }
        logger.info("task assigned", metadata: ["task_id": "\(lease.taskID)", "lease_id": "\(lease.leaseID)",
                                                "attempt": "\(assignment.attempt)", "output": "\(assignment.task.outputName)"])
        held.append(lease)
        runner.submit(assignment)
    }

    /// `CANCEL`, or a lease revoked in a `HEARTBEAT`: stop the task and report nothing for it.
    func cancel(_ lease: LeaseRef, because reason: String) {
        let metadata: Logger.Metadata = ["task_id": "\(lease.taskID)", "lease_id": "\(lease.leaseID)", "reason": "\(reason)"]
        switch runner.cancel(lease) {
        case .stopping:
            logger.info("cancelling the running task", metadata: metadata)
        case .withdrawn:
            held.removeAll { $0 == lease }
            logger.info("cancelled a task before it started", metadata: metadata)
            status.update { $0.tasksCancelled += 1 }
            offerSlot()
        case .notHeld:
            logger.debug("cancel for a lease not held", metadata: metadata)
        }
    }

    /// `ACK`: the coordinator has the result; drop the outbox entry.
    private func acknowledge(_ lease: LeaseRef, _ disposition: AckDisposition) {
        guard let index = unacked.firstIndex(where: { $0.lease == lease }) else {
            logger.debug("ACK for a result not in the outbox", metadata: ["task_id": "\(lease.taskID)", "lease_id": "\(lease.leaseID)"])
            return
        }
        unacked.remove(at: index)
        outbox.remove(lease)
        status.update {
            $0.resultsAcknowledged += 1
            $0.resultsUnacknowledged = unacked.count
        }
        logger.debug("result acknowledged", metadata: ["task_id": "\(lease.taskID)", "lease_id": "\(lease.leaseID)",
                                                       "disposition": "\(disposition.rawValue)"])
    }

    /// Counts and (throttled) logs a message that is ignored.
    func ignore(_ what: String, detail: String, now: Instant) {
        status.update { $0.messagesIgnored += 1 }
        let (admitted, suppressed) = ignoredLog.admit(at: now)
        guard admitted else { return }
        var metadata: Logger.Metadata = ["detail": "\(detail)"]
        if suppressed > 0 { metadata["suppressed_since_last"] = "\(suppressed)" }
        logger.warning("ignored \(what)", metadata: metadata)
    }
}
