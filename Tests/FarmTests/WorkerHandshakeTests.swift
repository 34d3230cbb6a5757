import FarmProtocol
import Foundation
import Testing
@testable import Farm

/// HELLO, WELCOME, REJECT and reconnecting, against a test-played coordinator on loopback.
struct WorkerHandshakeTests {
    @Test func helloIntroducesTheWorkerAndWelcomeGetsOneCredit() throws {
        let coordinator = try FakeCoordinator()
        let executor = EchoExecutor(modelDigest: String(repeating: "5e", count: 32))
        let worker = RunningWorker(endpoint: coordinator.endpoint, executor: executor) { $0.workerID = "node\u{1}a" }
        defer { worker.stopNow() }

        let hello = try coordinator.handshake()
        #expect(hello.workerID == "node_a", "control characters are replaced")
        #expect(hello.incarnation == worker.daemon.incarnation)
        #expect(hello.engineVersion == "test-1.0")
        #expect(hello.modelDigest == executor.modelDigest)
        #expect(hello.host.hostname == LocalHost.hostname && !hello.host.hostname.isEmpty)
        #expect(hello.host.cpuCores >= 1)
        #expect(hello.host.memoryBytes > 1 << 20)
        #expect(hello.slots == 1)
        #expect(hello.heldLeases.isEmpty && hello.unackedResults.isEmpty)

        guard case .workerHeartbeat(let beat) = try coordinator.expect("HEARTBEAT").message else { return }
        #expect(beat.active.isEmpty)
        #expect(beat.rssBytes > 0)

        worker.daemon.requestStop(reason: "SIGTERM")
        guard case .bye(let bye) = try coordinator.expect("BYE").message else { return }
        #expect(bye.reason == "SIGTERM")
        #expect(try worker.outcome()?.get() == .stopped)
    }

    @Test func theDefaultWorkerIDIsHostnameDashPid() {
        #expect(LocalHost.defaultWorkerID == "\(LocalHost.hostname)-\(ProcessInfo.processInfo.processIdentifier)")
        #expect(LocalHost.sanitizedIdentifier("", fallback: "w") == "w")
        #expect(LocalHost.sanitizedIdentifier(String(repeating: "é", count: 200), fallback: "w").utf8.count == 256)
    }

    @Test func modelMismatchEndsRunWithTheReason() throws {
        let coordinator = try FakeCoordinator()
        let worker = RunningWorker(endpoint: coordinator.endpoint)
        defer { worker.stopNow() }
        try coordinator.expect("HELLO")
        try coordinator.send(.reject(Reject(reason: .modelMismatch, detail: "farm renders 5e5e…")))

        let outcome = try #require(worker.outcome())
        #expect(throws: WorkerError.rejected(reason: .modelMismatch, detail: "farm renders 5e5e…", endpoint: coordinator.endpoint)) {
            try outcome.get()
        }
        if case .failure(let error) = outcome { #expect(error.description.contains("model-mismatch")) }
    }

    @Test func shuttingDownMeansTryAgainLater() throws {
        let coordinator = try FakeCoordinator()
        let worker = RunningWorker(endpoint: coordinator.endpoint)
        defer { worker.stopNow() }
        let first = try coordinator.expect("HELLO")
        try coordinator.send(.reject(Reject(reason: .shuttingDown, detail: "restarting")))

        let second = try coordinator.expect("HELLO")
        #expect(second.id != first.id)
        try coordinator.welcome()
        try coordinator.expect("READY")
        #expect(worker.daemon.counters.reconnects == 1)
    }

    @Test func aSilentCoordinatorIsLeftAndTheRunningTaskIsHeldAcrossTheReconnect() throws {
        let coordinator = try FakeCoordinator()
        let worker = RunningWorker(endpoint: coordinator.endpoint, executor: EchoExecutor(stepDelaySeconds: 0.05))
        defer { worker.stopNow() }
        try coordinator.handshake(interval: 0.1, liveness: 3)
        let assignment = WorkerFixtures.assignment(lease: 9, steps: 24)
        try coordinator.send(.assign(assignment))
        let firstPeer = coordinator.peer

        // Silence: the worker gives up after 3 × 0.1 s and says HELLO again on a new connection.
        guard case .hello(let hello) = try coordinator.expect("HELLO").message else { return }
        #expect(coordinator.peer != firstPeer, "a new DEALER, so a new routing id")
        #expect(hello.heldLeases == [WorkerFixtures.lease(of: assignment)])
        #expect(hello.incarnation == worker.daemon.incarnation)
        #expect(worker.daemon.counters.reconnects >= 1)

        // No READY while the slot is busy; the task's RESULT comes over the new connection, then READY.
        try coordinator.welcome(interval: 0.1, liveness: 100)
        guard case .result(let report, _) = try coordinator.expect("RESULT").message else { return }
        #expect(report.leaseID == 9)
        guard case .ready(let ready) = try coordinator.expect("READY").message else { return }
        #expect(ready.credits == 1)
    }
}
