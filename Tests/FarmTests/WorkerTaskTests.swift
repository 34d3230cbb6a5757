import FarmProtocol
import Foundation
import ImageIO
import Testing
@testable import Farm

/// ASSIGN to RESULT or FAIL, progress in heartbeats, and cancellation.
struct WorkerTaskTests {
    @Test func anAssignmentComesBackAsAResultWithAVerifiedPNG() throws {
        let coordinator = try FakeCoordinator()
        let worker = RunningWorker(endpoint: coordinator.endpoint)
        defer { worker.stopNow() }
        try coordinator.handshake()
        let assignment = WorkerFixtures.assignment(lease: 3)
        try coordinator.send(.assign(assignment))

        // `Envelope.decode` has already checked the blob's SHA-256 against the header.
        guard case .result(let report, let image) = try coordinator.expect("RESULT").message else { return }
        #expect(report.taskID == assignment.taskID && report.leaseID == 3 && report.attempt == 1)
        #expect(image.sha256 == SHA256.hexDigest(image.bytes))
        let png = try PNG.decode(image.bytes)
        #expect(png == EchoExecutor.image(for: assignment.task), "the echo image follows from the task")
        #expect(png.width == 16 && png.height == 16)
        guard case .ready(let ready) = try coordinator.expect("READY").message else { return }
        #expect(ready.credits == 1)
        #expect(worker.daemon.counters.tasksDone == 1)
    }

    @Test func aFailedTaskIsReportedWithItsClassAndLog() throws {
        let coordinator = try FakeCoordinator()
        let executor = EchoExecutor(failure: { $0.seed == 13 ? TaskFailure(.task, "object image unreadable: /objects/cube.png") : nil })
        let worker = RunningWorker(endpoint: coordinator.endpoint, executor: executor)
        defer { worker.stopNow() }
        try coordinator.handshake()
        try coordinator.send(.assign(WorkerFixtures.assignment(lease: 4, seed: 13)))

        guard case .fail(let failure) = try coordinator.expect("FAIL").message else { return }
        #expect(failure.leaseID == 4)
        #expect(failure.failureClass == FailureClass.task)
        #expect(failure.message == "object image unreadable: /objects/cube.png")
        #expect(failure.logTail.contains("object image unreadable") && failure.logTail.contains("lease 4"))
        try coordinator.expect("READY")

        try coordinator.send(.assign(WorkerFixtures.assignment(lease: 5, seed: 14)))
        try coordinator.expect("RESULT")
        #expect(worker.daemon.counters.tasksFailed == 1 && worker.daemon.counters.tasksDone == 1)
    }

    @Test(arguments: ["CANCEL", "HEARTBEAT revoked"])
    func aCancelledTaskReportsNothingAndFreesItsSlot(how: String) throws {
        let coordinator = try FakeCoordinator()
        let worker = RunningWorker(endpoint: coordinator.endpoint, executor: EchoExecutor(stepDelaySeconds: 0.05))
        defer { worker.stopNow() }
        try coordinator.handshake()
        let assignment = WorkerFixtures.assignment(lease: 21, steps: 60)
        let lease = WorkerFixtures.lease(of: assignment)
        try coordinator.send(.assign(assignment))

        // Heartbeats show the task advancing.
        let progress = try coordinator.awaitProgress(of: lease, step: 2)
        #expect(progress.steps == 60 && progress.step < 60)

        if how == "CANCEL" {
            try coordinator.send(.cancel(CancelLease(taskID: lease.taskID, leaseID: 21, reason: .jobPaused)))
        } else {
            try coordinator.send(.coordinatorHeartbeat(LeaseVerdicts(renewed: [], revoked: [lease])))
        }
        guard case .ready(let ready) = try coordinator.expect("READY").message else { return }
        #expect(ready.credits == 1)
        guard case .workerHeartbeat(let beat) = try coordinator.expect("HEARTBEAT").message else { return }
        #expect(beat.active.isEmpty)
        let counters = worker.daemon.counters
        #expect(counters.tasksCancelled == 1 && counters.tasksDone == 0 && counters.tasksFailed == 0)
    }
}
