import FarmProtocol
import Foundation
import Logging

/// The worker's socket thread: owns the DEALER (one per connection) and the wake-up PULL, and runs
/// the protocol as a loop of timers and a bounded `zmq_poll`. The rules it follows are on
/// `WorkerDaemon`; message handling is in `WorkerLoop+Inbound.swift`, sending in `WorkerLoop+Outbound.swift`.
final class WorkerLoop {
    typealias Instant = ContinuousClock.Instant

    enum Phase {
        /// No socket; the next connection is made at `retryAt`.
        case disconnected(retryAt: Instant)
        /// `HELLO` sent at `since`; waiting for `WELCOME` or `REJECT`.
        case handshaking(since: Instant)
        /// The coordinator accepted this connection.
        case welcomed
    }

    /// A stop in progress (`DRAIN` or `requestStop`).
    struct Drain {
        let outcome: WorkerOutcome
        /// When the tasks still held are cancelled (the drain timeout).
        let cancelAt: Instant
        /// When the running task was asked to stop, by the drain timeout or a second stop request.
        var cancelledAt: Instant?
        /// Set once the tasks are done: until when to wait for outstanding `ACK`s.
        var flushUntil: Instant?
        /// A second stop request: cancel now, do not wait for `ACK`s.
        var hurried = false
    }

    /// Tasks rendered at once; one executor thread runs one task.
    static let slots: UInt32 = 1
    /// The longest `zmq_poll`, so stop requests are noticed within it.
    static let tick = Duration.milliseconds(100)
    /// The most leases each of HELLO's two lists names (its header must stay under 64 KiB); later
    /// outbox entries are still resent after `WELCOME`.
    static let helloListLimit = 256
    /// The shortest heartbeat interval taken from the configuration or a `WELCOME`, so a tiny value
    /// cannot make the loop spin.
    static let minimumInterval = Duration.milliseconds(10)

    let configuration: WorkerConfiguration
    let workerID: String
    let incarnation: String
    let modelDigest: String
    let host: HostFacts
    let logger: Logger
    let status: WorkerStatus
    let outbox: ResultOutbox
    let runner: TaskRunner
    private let context: ZMQContext
    private let wake: ZMQSocket

    var socket: ZMQSocket?
    var phase: Phase
    var heartbeatInterval: Duration
    var liveness: UInt32
    var lastHeard: Instant
    var nextHeartbeat: Instant
    var backoff: ReconnectBackoff
    var hasConnected = false
    /// Leases handed to the runner whose completion has not been collected, in arrival order: what
    /// HELLO lists as held and what the free-slot count is taken from (the runner's own view can be
    /// ahead of the loop's, which would count a slot twice).
    var held: [LeaseRef] = []
    /// Results awaiting `ACK`, oldest first.
    var unacked: [OutboxEntry]
    /// `FAIL`s made while not welcomed; sent after the next `WELCOME`.
    var pendingFailures: [Envelope] = []
    var drain: Drain?
    var stopRequestsSeen = 0
    /// A `REJECT` that ends the worker.
    var fatal: WorkerError?
    var ignoredLog = LogThrottle()

    init(configuration: WorkerConfiguration, workerID: String, incarnation: String, executor: any TaskExecutor,
         status: WorkerStatus, logger: Logger) throws(WorkerError) {
        self.configuration = configuration
        self.workerID = workerID
        self.incarnation = incarnation
        self.status = status
        self.logger = logger
        modelDigest = executor.modelDigest
        host = LocalHost.facts(accelerator: configuration.accelerator)
        outbox = try ResultOutbox(path: configuration.outboxPath, logger: logger)
        unacked = outbox.load()
        heartbeatInterval = max(.seconds(configuration.heartbeatIntervalSeconds), Self.minimumInterval)
        liveness = max(configuration.liveness, 1)
        backoff = ReconnectBackoff(initial: configuration.reconnectDelaySeconds, maximum: configuration.maxReconnectDelaySeconds)
        let now = ContinuousClock.now
        phase = .disconnected(retryAt: now)
        lastHeard = now
        nextHeartbeat = now
        runner = TaskRunner(executor: executor, outbox: outbox, limits: configuration.limits, logger: logger)
        let wakeEndpoint = "inproc://farm-worker-wake-\(incarnation)"
        do {
            context = try ZMQContext()
            wake = try ZMQSocket(.pull, context: context)
            try wake.bind(wakeEndpoint)
        } catch {
            throw .transport(operation: error.operation, problem: error.message)
        }
        do {
            _ = try hello().encode(limits: configuration.limits)
        } catch {
            throw .invalidHello(field: error.description)
        }
        status.update { $0.resultsUnacknowledged = unacked.count }
        if !unacked.isEmpty { logger.info("results from an earlier run wait for an ACK", metadata: ["count": "\(unacked.count)"]) }
        runner.start(context: context, wakeEndpoint: wakeEndpoint)
    }

    /// Runs until stopped, drained or rejected.
    func run() throws(WorkerError) -> WorkerOutcome {
        while true {
            let now = ContinuousClock.now
            noticeStopRequests(now)
            collectCompletions()
            if let fatal {
                shutDown(waitingUpTo: configuration.cancelGraceSeconds)
                throw fatal
            }
            if let outcome = finishDrain(now) { return outcome }
            do {
                try serviceTimers(now)
                try waitForTraffic(until: nextDeadline(now))
            } catch {
                shutDown(waitingUpTo: configuration.cancelGraceSeconds)
                throw error
            }
        }
    }

    /// Connects, times out handshakes and silent coordinators, and sends heartbeats.
    private func serviceTimers(_ now: Instant) throws(WorkerError) {
        switch phase {
        case .disconnected(let retryAt) where now >= retryAt:
            try connect(now)
        case .disconnected:
            break
        case .handshaking(let since) where now - since >= heartbeatInterval * Int(liveness):
            lose("no WELCOME or REJECT in time", now: now)
        case .handshaking:
            break
        case .welcomed where now - lastHeard >= heartbeatInterval * Int(liveness):
            lose("nothing heard from the coordinator for \(liveness) heartbeat intervals", now: now)
        case .welcomed:
            if now >= nextHeartbeat {
                sendHeartbeat(now)
                nextHeartbeat = now + heartbeatInterval
            }
        }
    }

    /// The next moment a timer needs the loop.
    private func nextDeadline(_ now: Instant) -> Instant {
        let timer: Instant = switch phase {
        case .disconnected(let retryAt): retryAt
        case .handshaking(let since): since + heartbeatInterval * Int(liveness)
        case .welcomed: min(nextHeartbeat, lastHeard + heartbeatInterval * Int(liveness))
        }
        return min(timer, now + Self.tick)
    }

    /// Polls the wake-up socket and the DEALER until `deadline`, then reads what arrived.
    private func waitForTraffic(until deadline: Instant) throws(WorkerError) {
        let milliseconds = max(0, Int(((deadline - ContinuousClock.now) / .milliseconds(1)).rounded(.up)))
        let sockets = [wake] + (socket.map { [$0] } ?? [])
        let readable: [Bool]
        do {
            readable = try ZMQSocket.poll(sockets, timeoutMilliseconds: milliseconds)
        } catch {
            throw .transport(operation: error.operation, problem: error.message)
        }
        if readable[0] {
            while (try? wake.receive(timeoutMilliseconds: 0)) != nil {}
        }
        guard readable.count > 1, readable[1] else { return }
        for _ in 0 ..< 64 {
            guard let current = socket else { return }
            let frames: [[UInt8]]?
            do {
                frames = try current.receive(timeoutMilliseconds: 0)
            } catch {
                lose("receive failed: \(error)", now: .now)
                return
            }
            guard let frames else { return }
            handle(frames, now: .now)
        }
    }

    /// Opens a new DEALER to the coordinator and sends `HELLO`.
    private func connect(_ now: Instant) throws(WorkerError) {
        let dealer: ZMQSocket
        do {
            dealer = try ZMQSocket(.dealer, context: context)
            try dealer.setMaximumMessageSize(Int64(configuration.limits.maxBlobBytes))
            // A send that cannot go out within a second means the connection is gone for good: `send`
            // then drops this socket and connects afresh (the outbox resends what was not acknowledged).
            try dealer.setSendTimeout(milliseconds: 1000)
            try dealer.connect(configuration.endpoint)
        } catch {
            throw .transport(operation: error.operation, problem: error.message)
        }
        if hasConnected { status.update { $0.reconnects += 1 } }
        hasConnected = true
        socket = dealer
        phase = .handshaking(since: now)
        send(hello())
        logger.info("connecting", metadata: ["endpoint": "\(configuration.endpoint)", "held_leases": "\(held.count)",
                                             "unacked_results": "\(unacked.count)"])
    }

    /// Drops the connection and schedules the next one after a backoff delay.
    func lose(_ reason: String, now: Instant) {
        socket?.close()
        socket = nil
        let delay = backoff.next()
        phase = .disconnected(retryAt: now + .seconds(delay))
        logger.warning("coordinator lost; reconnecting", metadata: ["reason": "\(reason)", "retry_in_seconds": "\(String(format: "%.2f", delay))"])
    }

    /// Acts on new `requestStop` calls: the first drains, the second cancels the running task now.
    private func noticeStopRequests(_ now: Instant) {
        let (count, reason) = status.stopRequests
        guard count > stopRequestsSeen else { return }
        stopRequestsSeen = count
        if drain == nil { beginDrain(.stopped, reason: reason, now: now) }
        if count >= 2, drain?.hurried == false {
            drain?.hurried = true
            logger.warning("second stop request: cancelling the running task and leaving")
            cancelEverything(now)
        }
    }

    /// Stops taking work (no more `READY`; new `ASSIGN`s are refused) and starts the drain clock.
    /// The tasks already held are finished.
    func beginDrain(_ outcome: WorkerOutcome, reason: String, now: Instant) {
        drain = Drain(outcome: outcome, cancelAt: now + .seconds(configuration.drainTimeoutSeconds))
        logger.notice("draining: finishing the tasks held, taking no more", metadata: ["reason": "\(reason)"])
    }

    /// Cancels the running task and drops the waiting ones, reporting nothing (`BYE` releases them).
    private func cancelEverything(_ now: Instant) {
        let (stopping, withdrawn) = runner.cancelAll()
        held.removeAll { withdrawn.contains($0) }
        status.update { $0.tasksCancelled += withdrawn.count }
        if stopping, drain?.cancelledAt == nil { drain?.cancelledAt = now }
    }

    /// Advances a drain; returns the outcome once the worker has said `BYE`.
    private func finishDrain(_ now: Instant) -> WorkerOutcome? {
        guard let started = drain else { return nil }
        if started.cancelledAt == nil, now >= started.cancelAt, !held.isEmpty {
            logger.warning("drain timeout: cancelling the tasks held")
            cancelEverything(now)
        }
        var abandoned = false
        if !held.isEmpty {
            guard let cancelledAt = drain?.cancelledAt, now - cancelledAt >= .seconds(configuration.cancelGraceSeconds) else { return nil }
            logger.error("the cancelled task does not stop; leaving it behind", metadata: ["leases": "\(held)"])
            abandoned = true
        }
        let flushUntil = started.hurried ? now : started.flushUntil ?? now + .seconds(configuration.ackWaitSeconds)
        drain?.flushUntil = flushUntil
        guard unacked.isEmpty || now >= flushUntil else { return nil }
        if case .welcomed = phase { send(.bye(Bye(reason: byeReason(started.outcome)))) }
        if !unacked.isEmpty { logger.warning("leaving results in the outbox for the next start", metadata: ["count": "\(unacked.count)"]) }
        shutDown(waitingUpTo: abandoned ? 0 : configuration.cancelGraceSeconds)
        logger.notice("worker stopped", metadata: ["outcome": "\(started.outcome)"])
        return started.outcome
    }

    private func byeReason(_ outcome: WorkerOutcome) -> String {
        switch outcome {
        case .stopped: status.stopRequests.reason
        case .drained(let reason): "drained: \(reason)"
        }
    }

    /// Closes everything: the runner (cancelling its task), then the sockets, giving queued
    /// messages (`BYE`, a last `RESULT`) up to a second to leave.
    private func shutDown(waitingUpTo seconds: Double) {
        runner.close(waitingUpTo: seconds)
        try? socket?.setLinger(milliseconds: 1000)
        socket?.close()
        socket = nil
        wake.close()
    }
}
