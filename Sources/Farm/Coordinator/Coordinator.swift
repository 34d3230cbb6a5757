import Foundation
import FarmProtocol
import Logging
import Synchronization

/// The coordinator daemon: one thread owning two ROUTER sockets (workers, clients) and the store.
///
/// Everything happens in `run()`'s loop: poll both sockets, handle what arrived, then the timers
/// (heartbeats, lost workers, lease expiry, task timeouts) and dispatch. Dispatch is credit-based:
/// a worker's `READY(k)` allows k more `ASSIGN`s; high-water marks are never relied on. The store is
/// the single source of truth; the sessions in memory can be rebuilt from `HELLO`s after a restart.
/// Results are written to the job's image tree before they are committed, so a committed task always
/// has its image on disk.
public final class Coordinator {
    public let settings: CoordinatorSettings
    let store: FarmStore
    let log: Logger
    let context: ZMQContext
    let workerSocket: ZMQSocket
    let clientSocket: ZMQSocket
    /// The endpoints actually bound (a `*` port resolved).
    public let boundWorkerEndpoint: String
    public let boundClientEndpoint: String
    let stopRequest: StopRequest
    /// The in-process aggregator's report builder: each job's report is rebuilt at most every
    /// `settings.reportInterval` while its results arrive, and once more when the coordinator stops.
    let reports: ReportRefresher?

    var sessions: [[UInt8]: WorkerSession] = [:]
    var routingByWorker: [String: [UInt8]] = [:]
    var dispatchNeeded = true
    var nextHeartbeat = Date.distantPast
    var nextHousekeeping = Date.distantPast
    var reportDue: [String: Date] = [:]
    var lastReport: [String: Date] = [:]
    var rejectedMessages = 0
    let digests = FileDigests()

    /// Opens the store (the restart procedure: leases get `settings.restartGrace`) and binds both sockets.
    public init(storePath: String, settings: CoordinatorSettings, logger: Logger, stopRequest: StopRequest = StopRequest()) throws {
        self.settings = settings
        self.log = logger
        self.stopRequest = stopRequest
        store = try FarmStore(path: storePath, now: Date(), leaseGrace: settings.restartGrace)
        reports = settings.reports == .none ? nil
            : ReportRefresher(store: store, writer: ReportWriter(weightsNote: settings.weightsNote), snapshotOnly: settings.reports == .snapshot,
                              logger: logger)
        context = try ZMQContext()
        workerSocket = try ZMQSocket(.router, context: context)
        clientSocket = try ZMQSocket(.router, context: context)
        for socket in [workerSocket, clientSocket] {
            try socket.setRouterMandatory(true)
            try socket.setMaximumMessageSize(Int64(settings.limits.maxBlobBytes + RFP1.maxHeaderBytes + 1024))
            // One peer that stops reading must not stall the loop: a send to it gives up after 100 ms.
            try socket.setSendTimeout(milliseconds: 100)
        }
        boundWorkerEndpoint = try workerSocket.bind(settings.workerEndpoint)
        boundClientEndpoint = try clientSocket.bind(settings.clientEndpoint)
        log.info("coordinator listening", metadata: ["workers": "\(boundWorkerEndpoint)", "clients": "\(boundClientEndpoint)",
                                                    "store": "\(storePath)", "epoch": "\(store.epoch)"])
    }

    /// Serves until `stopRequest` is set, writes the last reports and returns. Workers are not told to
    /// drain: a coordinator restart is routine, and they ride through it as through a crash (they keep
    /// rendering, keep results in their outboxes, reconnect, and re-attach their leases within the grace).
    public func run() throws {
        while !stopRequest.isRequested {
            let readable = try ZMQSocket.poll([workerSocket, clientSocket], timeoutMilliseconds: 50)
            if readable[0] { drain(workerSocket) { self.handleWorkerFrames($0) } }
            if readable[1] { drain(clientSocket) { self.handleClientFrames($0) } }
            let now = Date()
            if now >= nextHeartbeat {
                nextHeartbeat = now + settings.heartbeatInterval
                sendHeartbeats(now: now)
            }
            if now >= nextHousekeeping {
                nextHousekeeping = now + min(1, settings.heartbeatInterval / 2)
                housekeeping(now: now)
            }
            if dispatchNeeded { dispatch(now: Date()) }
            refreshReports(now: now, force: false)
        }
        refreshReports(now: Date(), force: true)
        reports?.finish()
        log.info("coordinator stopped")
    }

    /// Receives up to a batch of messages from `socket` without blocking.
    private func drain(_ socket: ZMQSocket, _ handle: ([[UInt8]]) -> Void) {
        for _ in 0..<256 {
            do {
                guard let frames = try socket.receive(timeoutMilliseconds: 0) else { return }
                handle(frames)
            } catch {
                log.error("receive failed: \(error)")
                return
            }
        }
    }

    // MARK: - Sending

    /// Sends `message` on the worker socket; a worker that is gone is forgotten.
    func send(_ message: Message, to routingID: [UInt8]) {
        sendFrames(message, to: routingID, on: workerSocket)
    }

    func sendFrames(_ message: Message, to routingID: [UInt8], on socket: ZMQSocket) {
        do {
            let frames = try Envelope(message, sentAt: Timestamp(Date())).encode(limits: settings.limits)
            try socket.send([routingID] + frames)
        } catch let error as ZeroMQError where error.code == EHOSTUNREACH || error.code == EAGAIN {
            // Gone, or not reading: a worker must say HELLO again (its leases wait for it until they expire).
            if socket === workerSocket, let session = sessions[routingID] {
                log.warning("cannot send to a worker; forgetting it", metadata: ["worker": "\(session.workerID)", "message": "\(message.verb)",
                                                                                "error": "\(error)"])
                forget(session, reason: error.code == EAGAIN ? "not reading" : "unreachable")
            }
        } catch {
            log.error("cannot send \(message.verb): \(error)")
        }
    }

    // MARK: - Timers

    private func sendHeartbeats(now: Date) {
        for session in sessions.values {
            let held = session.leases.map { LeaseRef(taskID: $0.key, leaseID: $0.value.leaseID) }.sorted { $0.leaseID < $1.leaseID }
            send(.coordinatorHeartbeat(LeaseVerdicts(renewed: held)), to: session.routingID)
        }
    }

    /// Lost workers, expired leases and task timeouts.
    private func housekeeping(now: Date) {
        for session in sessions.values where now.timeIntervalSince(session.lastHeard) > settings.workerTimeout {
            log.warning("worker lost", metadata: ["worker": "\(session.workerID)",
                                                 "silent": "\(String(format: "%.1f", now.timeIntervalSince(session.lastHeard))) s"])
            forget(session, reason: "lost")
        }
        for var session in sessions.values {
            for (taskID, lease) in session.leases {
                let timedOut = now.timeIntervalSince(lease.startedAt) > settings.taskTimeout
                let stalled = now.timeIntervalSince(lease.lastProgressAt) > settings.noProgressTimeout
                guard timedOut || stalled else { continue }
                let message = timedOut ? "timed out after \(Int(settings.taskTimeout)) s"
                    : "no progress for \(Int(settings.noProgressTimeout)) s (step \(lease.step)/\(lease.steps))"
                do {
                    _ = try store.fail(taskID: taskID, leaseID: Int64(lease.leaseID), failureClass: timedOut ? .task : .worker,
                                       message: message, now: now)
                } catch {
                    log.error("cannot record a timeout: \(error)")
                }
                log.warning("task \(message)", metadata: ["task": "\(taskID.prefix(12))", "worker": "\(session.workerID)"])
                send(.cancel(CancelLease(taskID: taskID, leaseID: lease.leaseID, reason: timedOut ? .deadlinePassed : .noProgress)),
                     to: session.routingID)
                session.leases[taskID] = nil
                sessions[session.routingID] = session
                dispatchNeeded = true
            }
        }
        do {
            let expired = try store.expireLeases(now: now)
            if !expired.isEmpty {
                log.info("requeued \(expired.count) expired lease(s)")
                cancel(expired, reason: .leaseRevoked)
                dispatchNeeded = true
            }
        } catch {
            log.error("cannot expire leases: \(error)")
        }
    }

    /// Drops a session; its leases stay in the store until they expire or its worker re-attaches.
    func forget(_ session: WorkerSession, reason: String) {
        sessions[session.routingID] = nil
        if routingByWorker[session.workerID] == session.routingID { routingByWorker[session.workerID] = nil }
        try? store.markWorker(session.workerID, state: reason, now: Date())
    }

    /// Sends `CANCEL` for each lease whose worker is connected, and forgets them in its session.
    func cancel(_ leases: [RevokedLease], reason: CancelReason) {
        for lease in leases {
            guard let routingID = routingByWorker[lease.workerID], var session = sessions[routingID] else { continue }
            session.leases[lease.taskID] = nil
            sessions[routingID] = session
            send(.cancel(CancelLease(taskID: lease.taskID, leaseID: UInt64(lease.leaseID), reason: reason)), to: routingID)
        }
    }

    // MARK: - Dispatch

    /// Hands out tasks while some worker has credits and the store has work for it.
    private func dispatch(now: Date) {
        dispatchNeeded = false
        let waiting = sessions.values.filter { $0.credits > 0 && !$0.draining }.sorted { $0.workerID < $1.workerID }
        for var session in waiting {
            while session.credits > 0 {
                let grant: LeaseGrant?
                do {
                    grant = try store.leaseNext(worker: session.workerID, modelDigest: session.modelDigest, affinity: session.affinity,
                                                deadline: now + settings.leaseSeconds, now: now)
                } catch {
                    log.error("cannot lease a task: \(error)")
                    break
                }
                guard let grant else { break }
                session.credits -= 1
                session.affinity.remember(grant.task)
                session.leases[grant.taskID] = LeaseInFlight(leaseID: UInt64(grant.leaseID), jobID: grant.jobID, startedAt: now,
                                                             lastProgressAt: now, steps: UInt32(clamping: grant.task.steps))
                let assignment = Assignment(taskID: grant.taskID, leaseID: UInt64(grant.leaseID), attempt: UInt32(grant.attempt),
                                            deadlineSeconds: settings.taskTimeout, noProgressTimeoutSeconds: settings.noProgressTimeout,
                                            task: grant.task.assignment(jobID: grant.jobID))
                sessions[session.routingID] = session
                send(.assign(assignment), to: session.routingID)
                log.debug("assigned", metadata: ["task": "\(grant.task.name)", "worker": "\(session.workerID)", "lease": "\(grant.leaseID)"])
            }
        }
    }

    // MARK: - Reports

    /// Schedules a report refresh for the job: now, or `reportInterval` after the last one.
    func resultsChanged(job jobID: String) {
        guard reportDue[jobID] == nil else { return }
        reportDue[jobID] = max(Date(), (lastReport[jobID] ?? .distantPast) + settings.reportInterval)
    }

    private func refreshReports(now: Date, force: Bool) {
        guard let reports, reportDue.contains(where: { force || $0.value <= now }) else { return }
        let etas = Dictionary(jobRows(now: now).map { ($0.job, $0.etaSeconds) }, uniquingKeysWith: { first, _ in first })
        for (jobID, due) in reportDue where force || due <= now {
            reportDue[jobID] = nil
            lastReport[jobID] = now
            reports.request(job: jobID, eta: etas[jobID] ?? nil)
        }
    }
}

/// A stop flag another thread (a signal handler's queue) may set.
public final class StopRequest: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func request() { flag.store(true, ordering: .relaxed) }

    public var isRequested: Bool { flag.load(ordering: .relaxed) }
}
