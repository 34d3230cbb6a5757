import FarmProtocol

/// How a `WorkerDaemon` connects, times its heartbeats and reconnects, and shuts down. Every duration
/// is in seconds; the defaults follow the farm's recommended protocol (5 s heartbeats, liveness 3).
public struct WorkerConfiguration: Sendable {
    /// The coordinator's worker-facing ROUTER, e.g. `tcp://127.0.0.1:5555`.
    public var endpoint: String
    /// HELLO's `worker_id`, stable across restarts; sanitized to the protocol's identifier rules
    /// (1…256 UTF-8 bytes, no control characters). Default `<hostname>-<pid>`.
    public var workerID: String
    /// HELLO's `engine_version`: the version of the `customnet` build.
    public var engineVersion: String
    /// The durable outbox folder: results wait here (`<task_id>-<lease_id>.png` and `.json`) until
    /// the coordinator acknowledges them. Created when missing.
    public var outboxPath: String
    /// HELLO's `host.accelerator`; nil for CPU-only machines.
    public var accelerator: String?
    /// The heartbeat interval until a `WELCOME` sets one. Default 5 s.
    public var heartbeatIntervalSeconds: Double
    /// Intervals of silence after which the coordinator counts as lost, until a `WELCOME` sets it.
    /// Default 3.
    public var liveness: UInt32
    /// The first reconnect delay after the coordinator is lost; it doubles per failed attempt. Default 0.25 s.
    public var reconnectDelaySeconds: Double
    /// The longest reconnect delay. Default 10 s.
    public var maxReconnectDelaySeconds: Double
    /// How long a drain (from `DRAIN` or `requestStop`) lets the running task finish before cancelling
    /// it. Default 60 s.
    public var drainTimeoutSeconds: Double
    /// How long a stopping worker waits for the `ACK`s of its unacknowledged results. Default 5 s.
    public var ackWaitSeconds: Double
    /// How long a stopping worker waits for a cancelled task to stop before it leaves without it
    /// (an executor that ignores cancellation is abandoned on its thread). Default 10 s.
    public var cancelGraceSeconds: Double
    /// Message size limits; the socket's `ZMQ_MAXMSGSIZE` is set to `limits.maxBlobBytes`.
    public var limits: WireLimits

    /// A configuration with the documented defaults.
    public init(endpoint: String, engineVersion: String, outboxPath: String, workerID: String = LocalHost.defaultWorkerID,
                accelerator: String? = nil, heartbeatIntervalSeconds: Double = 5, liveness: UInt32 = 3,
                reconnectDelaySeconds: Double = 0.25, maxReconnectDelaySeconds: Double = 10, drainTimeoutSeconds: Double = 60,
                ackWaitSeconds: Double = 5, cancelGraceSeconds: Double = 10, limits: WireLimits = .standard) {
        self.endpoint = endpoint
        self.engineVersion = engineVersion
        self.outboxPath = outboxPath
        self.workerID = workerID
        self.accelerator = accelerator
        self.heartbeatIntervalSeconds = heartbeatIntervalSeconds
        self.liveness = liveness
        self.reconnectDelaySeconds = reconnectDelaySeconds
        self.maxReconnectDelaySeconds = maxReconnectDelaySeconds
        self.drainTimeoutSeconds = drainTimeoutSeconds
        self.ackWaitSeconds = ackWaitSeconds
        self.cancelGraceSeconds = cancelGraceSeconds
        self.limits = limits
    }
}
