import Foundation
import FarmProtocol

/// One connected worker as the coordinator's loop sees it: its socket identity, credits, leases in
/// flight and what it has encoded. Lives only in memory; the store holds what must survive.
struct WorkerSession {
    /// The ROUTER routing id of the worker's current connection.
    var routingID: [UInt8]
    var workerID: String
    var incarnation: String
    var hostname: String
    var modelDigest: String
    /// ASSIGNs the worker has room for (READY adds, ASSIGN takes one).
    var credits: UInt32 = 0
    var lastHeard: Date
    var draining = false
    /// Leases this worker is running, by task id.
    var leases: [String: LeaseInFlight] = [:]
    /// What the worker's caches hold, for affinity-aware dispatch.
    var affinity = WorkerAffinity()
}

/// A lease a worker is running: its times and last reported step, for the timeouts and `status`.
struct LeaseInFlight {
    var leaseID: UInt64
    var jobID: String
    var startedAt: Date
    var lastProgressAt: Date
    var step: UInt32 = 0
    var steps: UInt32
}
