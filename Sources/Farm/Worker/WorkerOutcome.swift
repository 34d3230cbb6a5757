import FarmProtocol

/// How `WorkerDaemon.run()` ended when nothing went wrong.
public enum WorkerOutcome: Sendable, Hashable, CustomStringConvertible {
    /// `requestStop()` was called (SIGTERM, SIGINT); the worker finished or cancelled its task and left.
    case stopped
    /// The coordinator sent `DRAIN` with this reason; the worker finished its task and left.
    case drained(reason: String)

    public var description: String {
        switch self {
        case .stopped: "stopped on request"
        case .drained(let reason): "drained by the coordinator: \(reason)"
        }
    }
}

/// Why `WorkerDaemon.run()` could not start or had to give up, with the context to print.
public enum WorkerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The coordinator at `endpoint` refused this worker for good (`model-mismatch`, `engine-mismatch`,
    /// `quarantined`, `unsupported-version`, or a HELLO it found malformed).
    case rejected(reason: RejectReason, detail: String, endpoint: String)
    /// The configuration or executor cannot make a valid HELLO (`field` says which value breaks which rule).
    case invalidHello(field: String)
    /// The outbox folder cannot be created or read.
    case outboxUnusable(path: String, problem: String)
    /// A ZeroMQ call failed where the worker cannot go on (making the context or a socket).
    case transport(operation: String, problem: String)
    /// `run()` was called a second time; a daemon runs once.
    case alreadyStarted

    public var description: String {
        switch self {
        case .rejected(let reason, let detail, let endpoint):
            "the coordinator at \(endpoint) rejected this worker (\(reason.rawValue))" + (detail.isEmpty ? "" : ": \(detail)")
        case .invalidHello(let field): "cannot introduce this worker: HELLO \(field)"
        case .outboxUnusable(let path, let problem): "outbox \(path): \(problem)"
        case .transport(let operation, let problem): "ZeroMQ \(operation): \(problem)"
        case .alreadyStarted: "this worker daemon has already been run; make a new one"
        }
    }
}

/// What a worker has done so far, for logs, tests and benchmarks.
public struct WorkerCounters: Sendable, Hashable {
    /// Tasks rendered and reported with `RESULT`.
    public var tasksDone = 0
    /// Tasks reported with `FAIL` (including assignments refused while draining).
    public var tasksFailed = 0
    /// Tasks stopped by `CANCEL`, a revoked lease, or the drain timeout; nothing was reported for them.
    public var tasksCancelled = 0
    /// `RESULT`s sent again after a (re)connect, from the outbox.
    public var resultsResent = 0
    /// `ACK`s that removed an outbox entry.
    public var resultsAcknowledged = 0
    /// Results waiting in the outbox for an `ACK` now.
    public var resultsUnacknowledged = 0
    /// Connections opened after the first (coordinator lost, `REJECT shutting-down`, …).
    public var reconnects = 0
    /// Received messages refused by `Envelope.decode` or not meaningful now, and ignored.
    public var messagesIgnored = 0

    public init() {}
}
