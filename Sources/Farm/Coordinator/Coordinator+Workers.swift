import Foundation
import FarmProtocol

extension Coordinator {
    /// One message from the worker socket: routing id, then the RFP/1 frames.
    func handleWorkerFrames(_ frames: [[UInt8]]) {
        guard let routingID = frames.first, frames.count > 1 else { return }
        let envelope: Envelope
        do {
            envelope = try Envelope.decode(Array(frames.dropFirst()), on: .workerToCoordinator, limits: settings.limits)
        } catch {
            refuse(error, from: routingID, on: workerSocket)
            return
        }
        let now = Date()
        if case .hello(let hello) = envelope.message {
            welcome(hello, from: routingID, now: now)
            return
        }
        guard var session = sessions[routingID] else {
            // A worker this coordinator does not know (it restarted, or the worker was declared lost): it must
            // say HELLO again, which also re-attaches its leases.
            send(.reject(Reject(reason: .unexpectedMessage, detail: "unknown worker: send HELLO", inReplyTo: envelope.id)), to: routingID)
            return
        }
        session.lastHeard = now
        sessions[routingID] = session
        switch envelope.message {
        case .ready(let ready):
            session.credits = min(session.credits &+ ready.credits, 64)
            sessions[routingID] = session
            dispatchNeeded = true
        case .workerHeartbeat(let heartbeat):
            heartbeatArrived(heartbeat, from: session, now: now)
        case .result(let report, let image):
            resultArrived(report, image: image, from: session, now: now)
        case .fail(let report):
            failureArrived(report, from: session, now: now)
        case .bye(let bye):
            workerLeft(session, reason: bye.reason, now: now)
        default:
            send(.reject(Reject(reason: .unexpectedMessage, detail: "\(envelope.message.verb) is not a worker message",
                                inReplyTo: envelope.id)), to: routingID)
        }
    }

    /// Answers a malformed message with `REJECT` (rate-limited logging); never trusts its content.
    func refuse(_ error: ProtocolError, from routingID: [UInt8], on socket: ZMQSocket) {
        rejectedMessages += 1
        if rejectedMessages <= 20 || rejectedMessages.isMultiple(of: 1000) {
            log.warning("refused a malformed message (\(rejectedMessages) so far): \(error)")
        }
        sendFrames(.reject(Reject(answering: error)), to: routingID, on: socket)
    }

    /// `HELLO`: registers the worker, re-attaches the leases it still runs, and welcomes it.
    private func welcome(_ hello: WorkerHello, from routingID: [UInt8], now: Date) {
        if let previous = routingByWorker[hello.workerID], previous != routingID, let old = sessions[previous] {
            sessions[previous] = nil
            log.info("worker reconnected", metadata: ["worker": "\(hello.workerID)", "previous leases": "\(old.leases.count)"])
        }
        var session = WorkerSession(routingID: routingID, workerID: hello.workerID, incarnation: hello.incarnation,
                                    hostname: hello.host.hostname, modelDigest: hello.modelDigest, lastHeard: now)
        do {
            try store.registerWorker(hello.workerID, incarnation: hello.incarnation, hostname: hello.host.hostname,
                                     modelDigest: hello.modelDigest, slots: Int(hello.slots), now: now)
            let held = hello.heldLeases.map { (taskID: $0.taskID, leaseID: Int64($0.leaseID)) }
            let verdicts = try store.renew(held, worker: hello.workerID, deadline: now + settings.leaseSeconds, now: now)
            for lease in verdicts.renewed {
                let jobID = (try? store.task(lease.taskID).jobID) ?? ""
                session.leases[lease.taskID] = LeaseInFlight(leaseID: UInt64(lease.leaseID), jobID: jobID, startedAt: now,
                                                             lastProgressAt: now, steps: 0)
            }
            sessions[routingID] = session
            routingByWorker[hello.workerID] = routingID
            send(.welcome(Welcome(epoch: UInt64(store.epoch), heartbeatIntervalSeconds: settings.heartbeatInterval,
                                  liveness: UInt32(settings.liveness))), to: routingID)
            for lease in verdicts.revoked {
                send(.cancel(CancelLease(taskID: lease.taskID, leaseID: UInt64(lease.leaseID), reason: .leaseRevoked)), to: routingID)
            }
            log.info("worker joined", metadata: ["worker": "\(hello.workerID)", "host": "\(hello.host.hostname)",
                                                "re-attached": "\(verdicts.renewed.count)", "revoked": "\(verdicts.revoked.count)",
                                                "unacked results": "\(hello.unackedResults.count)"])
        } catch {
            log.error("cannot register worker \(hello.workerID): \(error)")
            send(.reject(Reject(reason: .shuttingDown, detail: "coordinator store error: \(error)")), to: routingID)
        }
    }

    /// `HEARTBEAT`: progress per lease renews it; leases the store no longer gives this worker are cancelled.
    private func heartbeatArrived(_ heartbeat: WorkerHeartbeat, from session: WorkerSession, now: Date) {
        var session = session
        let reported = heartbeat.active.map { (taskID: $0.taskID, leaseID: Int64($0.leaseID)) }
        do {
            let verdicts = try store.renew(reported, worker: session.workerID, deadline: now + settings.leaseSeconds, now: now)
            for lease in verdicts.revoked {
                session.leases[lease.taskID] = nil
                send(.cancel(CancelLease(taskID: lease.taskID, leaseID: UInt64(lease.leaseID), reason: .leaseRevoked)),
                     to: session.routingID)
            }
        } catch {
            log.error("cannot renew leases of \(session.workerID): \(error)")
        }
        for progress in heartbeat.active {
            guard var lease = session.leases[progress.taskID], lease.leaseID == progress.leaseID else { continue }
            if progress.step > lease.step || lease.steps == 0 { lease.lastProgressAt = now }
            lease.step = progress.step
            lease.steps = progress.steps
            session.leases[progress.taskID] = lease
        }
        sessions[session.routingID] = session
    }

    /// `RESULT`: write the image (only if it will be kept), commit, `ACK`.
    private func resultArrived(_ report: ResultReport, image: Blob, from session: WorkerSession, now: Date) {
        var session = session
        session.leases[report.taskID] = nil
        sessions[session.routingID] = session
        let leaseID = Int64(report.leaseID)
        let disposition: AckDisposition
        do {
            switch try store.verdict(forResultOf: report.taskID, leaseID: leaseID) {
            case .duplicate: disposition = .duplicate
            case .staleIgnored, .leaseLost: disposition = .staleIgnored
            case .wouldCommit:
                let (jobID, task) = try store.task(report.taskID)
                let tree = ImageTree(root: try store.outputFolder(ofJob: jobID))
                let path = try tree.write(image.bytes, forTaskNamed: task.name)
                let details = ResultDetails(workerID: session.workerID, imagePath: path, dinoI: report.scores.dinoI,
                                            clipI: report.scores.clipI, clipT: report.scores.clipT,
                                            renderSeconds: report.timings.renderSeconds, encodeSeconds: report.timings.encodeSeconds)
                let outcome = try store.commit(taskID: report.taskID, leaseID: leaseID, sha256: image.sha256,
                                               size: Int64(image.bytes.count), details: details, now: now)
                disposition = AckDisposition(outcome.disposition)
                if let superseded = outcome.supersededLease { cancel([superseded], reason: .leaseRevoked) }
                if outcome.disposition == .committed {
                    log.info("committed", metadata: ["task": "\(task.name)", "worker": "\(session.workerID)",
                                                    "render": "\(String(format: "%.2f", report.timings.renderSeconds)) s"])
                    resultsChanged(job: jobID)
                }
            }
        } catch {
            // Not acknowledged: the worker keeps the result in its outbox and sends it again.
            log.error("cannot keep the result of \(report.taskID.prefix(12)): \(error)")
            dispatchNeeded = true
            return
        }
        send(.ack(ResultAck(taskID: report.taskID, leaseID: report.leaseID, disposition: disposition)), to: session.routingID)
        dispatchNeeded = true
    }

    /// `FAIL`: charge as the worker classed it; the task is requeued or failed for good.
    private func failureArrived(_ report: FailureReport, from session: WorkerSession, now: Date) {
        var session = session
        session.leases[report.taskID] = nil
        sessions[session.routingID] = session
        do {
            let outcome = try store.fail(taskID: report.taskID, leaseID: Int64(report.leaseID), failureClass: report.failureClass.charged,
                                         message: report.message, now: now)
            log.warning("task failed", metadata: ["task": "\(report.taskID.prefix(12))", "worker": "\(session.workerID)",
                                                 "class": "\(report.failureClass.rawValue)", "outcome": "\(outcome.disposition.rawValue)",
                                                 "message": "\(report.message)"])
            if outcome.workerBlocklisted { log.warning("worker blocklisted for the job", metadata: ["worker": "\(session.workerID)"]) }
            if let jobID = try? store.task(report.taskID).jobID { resultsChanged(job: jobID) }
        } catch {
            log.error("cannot record a failure: \(error)")
        }
        dispatchNeeded = true
    }

    /// `BYE`: the worker's leases go back to the queue uncharged.
    private func workerLeft(_ session: WorkerSession, reason: String, now: Date) {
        for (taskID, lease) in session.leases {
            _ = try? store.fail(taskID: taskID, leaseID: Int64(lease.leaseID), failureClass: .transient,
                                message: "worker left: \(reason)", now: now)
        }
        log.info("worker left", metadata: ["worker": "\(session.workerID)", "reason": "\(reason)", "requeued": "\(session.leases.count)"])
        sessions[session.routingID] = nil
        if routingByWorker[session.workerID] == session.routingID { routingByWorker[session.workerID] = nil }
        try? store.markWorker(session.workerID, state: "gone", now: now)
        dispatchNeeded = true
    }
}

extension AckDisposition {
    init(_ disposition: CommitDisposition) {
        switch disposition {
        case .committed: self = .committed
        case .duplicate: self = .duplicate
        case .staleIgnored: self = .staleIgnored
        }
    }
}
