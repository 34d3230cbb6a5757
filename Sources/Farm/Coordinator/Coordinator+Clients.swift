import Foundation
import FarmProtocol

extension Coordinator {
    /// One message from the client socket: `SUBMIT`, `CONTROL` or `QUERY`, each answered by one `REPLY`.
    func handleClientFrames(_ frames: [[UInt8]]) {
        guard let routingID = frames.first, frames.count > 1 else { return }
        let envelope: Envelope
        do {
            envelope = try Envelope.decode(Array(frames.dropFirst()), on: .clientToCoordinator, limits: settings.limits)
        } catch {
            refuse(error, from: routingID, on: clientSocket)
            return
        }
        let now = Date()
        var reply: StatusReply
        switch envelope.message {
        case .submit(let submission):
            reply = submit(submission, now: now)
        case .control(let control):
            reply = apply(control, now: now)
        case .query(let query):
            reply = answer(query, now: now)
        default:
            reply = StatusReply(inReplyTo: envelope.id, ok: false, detail: "\(envelope.message.verb) is not a client message")
        }
        reply.inReplyTo = envelope.id
        sendFrames(.reply(reply), to: routingID, on: clientSocket)
    }

    /// Reads the spec (paths resolve against `spec_path`'s folder on this host), plans it and adds what is new.
    private func submit(_ submission: JobSubmission, now: Date) -> StatusReply {
        let plan: JobPlan
        do {
            let file = try JobSpecFile.parse(yaml: submission.jobYAML, path: submission.specPath)
            plan = try JobPlan.make(from: file, digests: digests)
        } catch {
            return StatusReply(inReplyTo: placeholderID, ok: false, detail: error.description)
        }
        var spec = plan.spec
        if let priority = submission.priority { spec.priority = priority }
        let adjusted = JobPlan(spec: spec, modelDigest: plan.modelDigest, tasks: plan.tasks)
        do {
            let summary = try store.submit(plan: adjusted, specYAML: submission.jobYAML, specPath: submission.specPath, now: now)
            dispatchNeeded = true
            resultsChanged(job: summary.jobID)
            log.info("job submitted", metadata: ["job": "\(summary.jobID)", "new": "\(summary.newTasks)", "existing": "\(summary.existingTasks)"])
            var detail = "job \(summary.jobID): \(summary.newTasks) new task(s), \(summary.existingTasks) already known"
            if summary.heldByOtherJobs > 0 { detail += ", \(summary.heldByOtherJobs) rendered by other jobs" }
            return StatusReply(inReplyTo: placeholderID, ok: true, detail: detail, jobs: jobRows(now: now).filter { $0.job == summary.jobID })
        } catch {
            return StatusReply(inReplyTo: placeholderID, ok: false, detail: error.description)
        }
    }

    private func apply(_ control: JobControl, now: Date) -> StatusReply {
        do {
            let detail: String
            switch control.action {
            case .pause:
                let revoked = try store.pause(job: control.job, now: now)
                cancel(revoked, reason: .jobPaused)
                detail = "job \(control.job) paused (\(revoked.count) running task(s) handed back)"
            case .resume:
                try store.resume(job: control.job, now: now)
                detail = "job \(control.job) resumed"
            case .cancel:
                let revoked = try store.cancel(job: control.job, now: now)
                cancel(revoked, reason: .jobCancelled)
                detail = "job \(control.job) cancelled (\(revoked.count) running task(s) stopped)"
            case .requeueFailed:
                let count = try store.requeueFailed(job: control.job, now: now)
                detail = "job \(control.job): \(count) failed task(s) queued again"
            }
            dispatchNeeded = true
            resultsChanged(job: control.job)
            log.info("\(detail)")
            return StatusReply(inReplyTo: placeholderID, ok: true, detail: detail, jobs: jobRows(now: now).filter { $0.job == control.job })
        } catch {
            return StatusReply(inReplyTo: placeholderID, ok: false, detail: error.description)
        }
    }

    private func answer(_ query: StatusQuery, now: Date) -> StatusReply {
        switch query.subject {
        case .status:
            var rows = jobRows(now: now)
            if let job = query.job {
                rows = rows.filter { $0.job == job }
                if rows.isEmpty { return StatusReply(inReplyTo: placeholderID, ok: false, detail: "unknown job '\(job)'") }
            }
            return StatusReply(inReplyTo: placeholderID, ok: true, jobs: rows, workers: workerRows(now: now))
        case .workers:
            return StatusReply(inReplyTo: placeholderID, ok: true, workers: workerRows(now: now))
        }
    }

    /// Every job with its counts, rate over the last five minutes and an ETA from the connected workers.
    func jobRows(now: Date) -> [JobStatusRow] {
        guard let overviews = try? store.jobOverviews(now: now) else { return [] }
        return overviews.map { overview in
            let status = overview.status
            let state: FarmProtocol.JobState = switch status.state {
            case .active: .running
            case .paused: .paused
            case .cancelled: .cancelled
            case .done: status.failed > 0 ? .failed : .completed
            }
            let remaining = status.pending + status.leased
            let serving = max(1, sessions.values.filter { $0.modelDigest == overview.modelDigest }.count)
            let eta = overview.meanRenderSeconds.map { Double(remaining) * $0 / Double(serving) }
            let window = min(300, max(1, now.timeIntervalSince(overview.createdAt)))
            return JobStatusRow(job: status.jobID, state: state, priority: status.priority, tasksTotal: UInt64(status.total),
                                pending: UInt64(status.pending), leased: UInt64(status.leased), committed: UInt64(status.committed),
                                failed: UInt64(status.failed), etaSeconds: remaining == 0 ? 0 : eta,
                                imagesPerHour: overview.recentCommits > 0 ? Double(overview.recentCommits) * 3600 / window : nil,
                                output: overview.output)
        }
    }

    /// Every known worker: connected ones with their current task and step, the rest as the store last saw them.
    func workerRows(now: Date) -> [WorkerStatusRow] {
        guard let records = try? store.workers() else { return [] }
        return records.map { record in
            let session = routingByWorker[record.workerID].flatMap { sessions[$0] }
            let current = session?.leases.min { $0.value.startedAt < $1.value.startedAt }
            let state: WorkerState = if let session { session.draining ? .draining : .active } else { .lost }
            return WorkerStatusRow(workerID: record.workerID, hostname: record.hostname.isEmpty ? "?" : record.hostname, state: state,
                                   slots: UInt32(clamping: record.slots), running: UInt32(session?.leases.count ?? 0),
                                   completed: UInt64(record.committed), failed: UInt64(record.failed),
                                   lastSeen: Timestamp(session?.lastHeard ?? record.lastSeen),
                                   currentTask: current.map { (try? store.task($0.key).spec.name) ?? $0.key },
                                   step: current?.value.step, steps: current?.value.steps)
        }
    }

    /// Replies are built before the id they answer is set.
    private var placeholderID: MessageID { MessageID("00000000-0000-0000-0000-000000000000")! }
}
