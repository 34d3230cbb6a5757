import Foundation
import FarmProtocol

/// How a coordinator listens and keeps time. The defaults are the production values documented in
/// `cluster/README.md`; tests shorten the intervals.
public struct CoordinatorSettings: Sendable {
    /// Where workers connect (ROUTER). `tcp://*:5555` by default.
    public var workerEndpoint = "tcp://*:5555"
    /// Where clients (the CLI) connect (ROUTER). `tcp://127.0.0.1:5556` by default: control stays local
    /// unless the operator opens it.
    public var clientEndpoint = "tcp://127.0.0.1:5556"
    /// Heartbeats both ways, seconds.
    public var heartbeatInterval: TimeInterval = 5
    /// Missed heartbeat intervals after which a worker is lost.
    public var liveness = 3
    /// A lease's time to live from its last renewal (each worker heartbeat renews it): a lost worker's
    /// tasks are requeued this long after its last heartbeat.
    public var leaseSeconds: TimeInterval = 20
    /// Longest wall time of one task; past it the task is failed (charged to the task) and cancelled.
    public var taskTimeout: TimeInterval = 1800
    /// Longest time without a sampler step; past it the task is failed (charged to the worker) and cancelled.
    public var noProgressTimeout: TimeInterval = 300
    /// Grace for leases held at a restart: their workers may re-attach within it.
    public var restartGrace: TimeInterval = 60
    /// Message size limits for both sockets.
    public var limits = WireLimits.standard
    /// Reports are rebuilt at most this often while results arrive, seconds.
    public var reportInterval: TimeInterval = 3
    /// What the in-process aggregator writes into each job's output folder as results arrive.
    public var reports = ReportMode.full
    /// What the reports say about a job's model files (the composition root reads weight files; the farm does not).
    public var weightsNote: WeightsNote = { _ in nil }

    public init() {}

    /// Silence after which a worker is lost.
    public var workerTimeout: TimeInterval { heartbeatInterval * Double(liveness) }
}

/// What a coordinator's aggregator writes into a job's output folder besides the images.
public enum ReportMode: String, Sendable, CaseIterable {
    /// The whole report (page, tables, grids) and its snapshot (the default).
    case full
    /// Only the snapshot, `report-data.json`: an aggregator elsewhere (`customnet report OUT --every S`) builds the report.
    case snapshot
    /// Nothing: reports come from `customnet report STATE` when someone asks.
    case none
}
