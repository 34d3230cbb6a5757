import FarmProtocol
import Foundation
import Testing
@testable import Farm

/// Stopping (requestStop, DRAIN) and hostile input.
struct WorkerStopAndFaultTests {
    @Test func malformedMessagesAreIgnoredAndTheNextAssignmentIsServed() throws {
        let coordinator = try FakeCoordinator()
        let worker = RunningWorker(endpoint: coordinator.endpoint)
        defer { worker.stopNow() }
        try coordinator.handshake()

        let valid = try Envelope(.assign(WorkerFixtures.assignment(lease: 30)), sentAt: Timestamp(Date())).encode()
        let hello = try Envelope(.hello(WorkerHello(workerID: "imposter", incarnation: "1", engineVersion: "1", modelDigest: EchoExecutor.defaultModelDigest,
                                                    host: HostFacts(hostname: "h", cpuCores: 1, memoryBytes: 1), slots: 1)),
                                 sentAt: Timestamp(Date())).encode()
        let garbage: [[[UInt8]]] = [
            [[0xde, 0xad, 0xbe, 0xef]],                                            // not RFP at all
            [Array("RFP2".utf8)] + valid.dropFirst(),                              // another protocol version
            [valid[0], Array("LAUNCH".utf8), valid[2]],                            // unknown message type
            [valid[0], valid[1], [UInt8](repeating: UInt8(ascii: " "), count: RFP1.maxHeaderBytes + 1)], // huge header
            [valid[0], valid[1], Array("{not json".utf8)],                         // header not JSON
            [valid[0], valid[1], Array(#"{"msg_id":"x"}"#.utf8)],                  // fields missing
            hello,                                                                 // wrong direction
            valid + [[0x89, 0x50]],                                                // a blob ASSIGN does not carry
            [valid[0]] + Array(repeating: [0], count: 40),                         // too many frames
        ]
        for frames in garbage { try coordinator.sendRaw(frames) }
        try coordinator.sendRaw(valid)

        guard case .result(let report, _) = try coordinator.expect("RESULT").message else { return }
        #expect(report.leaseID == 30)
        try coordinator.expect("READY")
        #expect(worker.daemon.counters.messagesIgnored == garbage.count)
    }

    @Test func requestStopLetsTheRunningTaskFinishThenSaysBye() throws {
        let coordinator = try FakeCoordinator()
        let worker = RunningWorker(endpoint: coordinator.endpoint, executor: EchoExecutor(stepDelaySeconds: 0.05))
        try coordinator.handshake()
        let assignment = WorkerFixtures.assignment(lease: 40, steps: 10)
        try coordinator.send(.assign(assignment))
        try coordinator.awaitProgress(of: WorkerFixtures.lease(of: assignment), step: 1)
        worker.daemon.requestStop()

        guard case .result(let report, _) = try coordinator.expect("RESULT").message else { return }
        #expect(report.leaseID == 40)
        try coordinator.send(.ack(ResultAck(taskID: assignment.taskID, leaseID: 40, disposition: .committed)))
        guard case .bye(let bye) = try coordinator.expect("BYE").message else { return }
        #expect(bye.reason == "stop requested")
        #expect(try worker.outcome()?.get() == .stopped)
        #expect(worker.daemon.counters.tasksDone == 1 && worker.daemon.counters.resultsUnacknowledged == 0)
        #expect(WorkerFixtures.files(in: worker.outbox).isEmpty)
    }

    @Test func drainRefusesNewWorkFinishesTheTaskAndEndsRun() throws {
        let coordinator = try FakeCoordinator()
        let worker = RunningWorker(endpoint: coordinator.endpoint, executor: EchoExecutor(stepDelaySeconds: 0.05))
        try coordinator.handshake()
        let running = WorkerFixtures.assignment(lease: 50, seed: 1, steps: 8)
        let late = WorkerFixtures.assignment(lease: 51, seed: 2)
        try coordinator.send(.assign(running))
        try coordinator.send(.drain(Drain(reason: "operator request")))
        try coordinator.send(.assign(late))

        guard case .fail(let refused) = try coordinator.expect("FAIL").message else { return }
        #expect(refused.leaseID == 51 && refused.failureClass == FailureClass.transient)
        guard case .result(let report, _) = try coordinator.expect("RESULT").message else { return }
        #expect(report.leaseID == 50)
        try coordinator.send(.ack(ResultAck(taskID: running.taskID, leaseID: 50, disposition: .committed)))
        guard case .bye(let bye) = try coordinator.expect("BYE").message else { return }
        #expect(bye.reason == "drained: operator request")
        #expect(try worker.outcome()?.get() == .drained(reason: "operator request"))
    }

    @Test func aSecondStopCancelsAHungTaskAtOnce() throws {
        let coordinator = try FakeCoordinator()
        let worker = RunningWorker(endpoint: coordinator.endpoint, executor: EchoExecutor(hangs: { _ in true }))
        try coordinator.handshake()
        let assignment = WorkerFixtures.assignment(lease: 60)
        try coordinator.send(.assign(assignment))
        try coordinator.awaitProgress(of: WorkerFixtures.lease(of: assignment), step: 0)

        worker.daemon.requestStop()
        #expect(worker.outcome(within: 0.3) == nil, "the first stop waits for the task")
        worker.daemon.requestStop()
        try coordinator.expect("BYE", within: 2)
        #expect(try worker.outcome()?.get() == .stopped)
        #expect(worker.daemon.counters.tasksCancelled == 1 && worker.daemon.counters.tasksDone == 0)
    }

    @Test func aDrainTimeoutCancelsTheTask() throws {
        let coordinator = try FakeCoordinator()
        let worker = RunningWorker(endpoint: coordinator.endpoint, executor: EchoExecutor(hangs: { _ in true })) {
            $0.drainTimeoutSeconds = 0.2
        }
        try coordinator.handshake()
        try coordinator.send(.assign(WorkerFixtures.assignment(lease: 70)))
        try coordinator.send(.drain(Drain(reason: "coordinator shutting down")))
        try coordinator.expect("BYE", within: 2)
        #expect(try worker.outcome()?.get() == .drained(reason: "coordinator shutting down"))
        #expect(worker.daemon.counters.tasksCancelled == 1)
    }
}
