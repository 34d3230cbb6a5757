/// Which way a message travels; the same verb means different things in different directions
/// (`HEARTBEAT`), and a message arriving the wrong way is refused.
public enum Direction: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// On the coordinator's worker-facing ROUTER, inbound.
    case workerToCoordinator = "worker-to-coordinator"
    /// On a worker's DEALER, inbound.
    case coordinatorToWorker = "coordinator-to-worker"
    /// On the coordinator's client-facing ROUTER, inbound.
    case clientToCoordinator = "client-to-coordinator"
    /// On a client's DEALER, inbound.
    case coordinatorToClient = "coordinator-to-client"

    public var description: String { rawValue }
}
