import FarmProtocol
import Foundation
import Logging

/// A render worker: connects a DEALER to the coordinator and serves tasks through a `TaskExecutor`
/// (RFP/1, worker side).
///
/// ```swift
/// let daemon = WorkerDaemon(configuration: WorkerConfiguration(endpoint: "tcp://coordinator:5555",
///                           engineVersion: "0.5.0", outboxPath: "/var/lib/customnet/outbox"), executor: executor)
/// // SIGTERM / SIGINT handler: daemon.requestStop(reason: "SIGTERM")
/// let outcome = try daemon.run()   // blocks; call it from a dedicated thread, not the cooperative pool
/// ```
///
/// How it behaves:
/// - **Handshake.** On every connection (a fresh DEALER each time) it sends `HELLO` with its id,
///   incarnation (new per daemon), engine version, the executor's model digest, host facts, 1 slot,
///   the leases it holds and the results awaiting `ACK`. `WELCOME` sets the heartbeat interval and
///   liveness; the worker then resends every unacknowledged `RESULT` (same `msg_id`), any `FAIL`
///   made while disconnected, and `READY(free slots)` if a slot is free. `REJECT` `model-mismatch`,
///   `engine-mismatch`, `quarantined`, `unsupported-version` (or `malformed` in answer to `HELLO`)
///   end `run()` with `WorkerError.rejected`; `shutting-down` and `unexpected-message` make it
///   reconnect with backoff; `malformed` otherwise is logged.
/// - **Credits.** `READY(k)` grants k more `ASSIGN`s; a `HELLO` resets the coordinator's count to 0.
///   After each task ends (`RESULT`, `FAIL`, or cancelled) the worker sends `READY(1)`, except while
///   draining or before `WELCOME` (whose `READY` counts free slots).
/// - **Tasks.** `ASSIGN`s run one at a time on an executor thread; extra ones wait in order (and are
///   listed in heartbeats at step 0). Success: the PNG and report are written durably to the
///   outbox, then `RESULT` is sent; `ACK` (any disposition) deletes the entry. Failure: `FAIL` with
///   the executor's class and message and the task's log tail. `CANCEL`, or a lease in a coordinator
///   `HEARTBEAT`'s `revoked`, stops the task (a waiting one is dropped); nothing is reported.
/// - **Liveness.** `HEARTBEAT` (each held lease's step, steps and elapsed time; resident memory)
///   every interval while welcomed. Nothing valid from the coordinator for liveness × interval (or
///   no answer to `HELLO` in that time) closes the socket and reconnects after 0.25 s doubling to
///   10 s, with jitter. The running task carries on across reconnects.
/// - **Stopping.** `DRAIN` or `requestStop()`: no more `READY`, and `ASSIGN`s arriving from now on
///   are refused with `FAIL transient`; the tasks already held finish (after the drain timeout they
///   are cancelled, unreported); the worker waits up to `ackWaitSeconds` for outstanding `ACK`s,
///   sends `BYE` and returns. A second `requestStop()` cancels at once and skips the wait.
/// - **Input.** Every message goes through `Envelope.decode(_:on: .coordinatorToWorker)`; what fails
///   is counted, logged (at most 5 lines per 10 s) and ignored. `ZMQ_MAXMSGSIZE` is the blob limit.
public final class WorkerDaemon: Sendable {
    public let configuration: WorkerConfiguration
    /// `configuration.workerID`, sanitized: what `HELLO` says.
    public let workerID: String
    /// Random per daemon (a process start): tells the coordinator a restart from a reconnect.
    public let incarnation: String
    private let status = WorkerStatus()
    private let logger: Logger
    /// Used only by the executor thread `run()` starts (the protocol runs it one task at a time).
    private nonisolated(unsafe) let executor: any TaskExecutor

    /// A daemon that will serve `executor`'s tasks; nothing happens until `run()`.
    public init(configuration: WorkerConfiguration, executor: any TaskExecutor, logger: Logger = Logger(label: "farm.worker")) {
        self.configuration = configuration
        self.executor = executor
        workerID = LocalHost.sanitizedIdentifier(configuration.workerID, fallback: LocalHost.defaultWorkerID)
        incarnation = UUID().uuidString.lowercased()
        var logger = logger
        logger[metadataKey: "worker_id"] = "\(workerID)"
        self.logger = logger
    }

    /// Serves tasks until stopped (`.stopped`), drained by the coordinator (`.drained`), or rejected
    /// (throws `WorkerError.rejected`). Throws at once when the outbox, the HELLO or ZeroMQ cannot be
    /// set up. Blocks the calling thread, which becomes the socket thread; a daemon runs once.
    public func run() throws(WorkerError) -> WorkerOutcome {
        guard status.markStarted() else { throw .alreadyStarted }
        let loop = try WorkerLoop(configuration: configuration, workerID: workerID, incarnation: incarnation,
                                  executor: executor, status: status, logger: logger)
        return try loop.run()
    }

    /// Asks the worker to stop: the first call drains (finish the running task, flush, `BYE`), the
    /// second cancels the running task at once. `reason` (of the first call) is `BYE`'s. Safe from
    /// any thread; returns immediately.
    public func requestStop(reason: String = "stop requested") {
        status.requestStop(reason: reason)
    }

    /// What the worker has done so far.
    public var counters: WorkerCounters { status.counters }
}
