import FarmProtocol
import Foundation
import ImageIO
import Testing
@testable import Farm

/// The durable outbox: results survive a restart until ACKed, damaged entries are moved aside.
struct WorkerOutboxTests {
    @Test func anUnacknowledgedResultIsResentByTheNextProcessAndAnAckDeletesIt() throws {
        let coordinator = try FakeCoordinator()
        let outbox = WorkerFixtures.temporaryFolder()
        let assignment = WorkerFixtures.assignment(lease: 17)
        let stem = "\(assignment.taskID)-17"

        let first = RunningWorker(endpoint: coordinator.endpoint, outbox: outbox)
        try coordinator.handshake()
        try coordinator.send(.assign(assignment))
        let sent = try coordinator.expect("RESULT")
        #expect(WorkerFixtures.files(in: outbox) == [stem + ".json", stem + ".png"])
        try coordinator.expect("READY")
        first.daemon.requestStop()
        try coordinator.expect("BYE")
        #expect(try first.outcome()?.get() == .stopped)
        #expect(first.daemon.counters.resultsUnacknowledged == 1)

        let second = RunningWorker(endpoint: coordinator.endpoint, outbox: outbox)
        defer { second.stopNow() }
        guard case .hello(let hello) = try coordinator.expect("HELLO").message else { return }
        #expect(hello.unackedResults == [WorkerFixtures.lease(of: assignment)])
        #expect(hello.heldLeases.isEmpty)
        #expect(hello.incarnation != first.daemon.incarnation)
        try coordinator.welcome()
        let resent = try coordinator.expect("RESULT")
        #expect(resent.id == sent.id, "a resend keeps the msg_id")
        #expect(resent.message == sent.message)
        try coordinator.expect("READY")
        #expect(second.daemon.counters.resultsResent == 1)

        try coordinator.send(.ack(ResultAck(taskID: assignment.taskID, leaseID: 17, disposition: .committed)))
        #expect(WorkerFixtures.eventually { WorkerFixtures.files(in: outbox).isEmpty })
        #expect(second.daemon.counters.resultsAcknowledged == 1)
    }

    @Test func damagedEntriesAreMovedAsideAndGoodOnesKept() throws {
        let folder = WorkerFixtures.temporaryFolder()
        let outbox = try ResultOutbox(path: folder, logger: WorkerFixtures.logger)
        let good = WorkerFixtures.assignment(lease: 2, seed: 1)
        let report = ResultReport(taskID: good.taskID, leaseID: 2, attempt: 1, timings: RenderTimings(renderSeconds: 1, encodeSeconds: 0))
        let stored = try outbox.store(report, image: Blob(try PNG.encodeEcho(good)), sentAt: Timestamp(Date()))

        let other = SHA256.hexDigest(Array("other".utf8))
        let junk: [String: [UInt8]] = [
            "\(other)-5.json": Array("not json".utf8),                 // unreadable record
            "\(other)-6.png": [0x89, 0x50, 0x4e, 0x47],                // image without its record
            "\(other)-7.json": Array(#"{"task_id":"x"}"#.utf8),       // record missing fields
            "notes.txt": Array("hello".utf8),                          // not an outbox file
            ".\(other)-8.png.tmp": [1, 2, 3],                          // an interrupted write
        ]
        for (name, bytes) in junk { _ = FileManager.default.createFile(atPath: folder + "/" + name, contents: Data(bytes)) }
        // A record whose image does not match its digest.
        let tampered = WorkerFixtures.assignment(lease: 9, seed: 2)
        _ = try outbox.store(ResultReport(taskID: tampered.taskID, leaseID: 9, attempt: 1, timings: report.timings),
                             image: Blob(try PNG.encodeEcho(tampered)), sentAt: Timestamp(Date()))
        _ = FileManager.default.createFile(atPath: folder + "/\(tampered.taskID)-9.png", contents: Data(try PNG.encodeEcho(good)))

        let loaded = outbox.load()
        #expect(loaded.map(\.lease) == [stored.lease])
        #expect(loaded.first?.envelope == stored.envelope)
        #expect(WorkerFixtures.files(in: folder) == ["\(good.taskID)-2.json", "\(good.taskID)-2.png", "corrupt"])
        let aside = Set(WorkerFixtures.files(in: folder + "/corrupt"))
        #expect(aside == Set(junk.keys).union(["\(tampered.taskID)-9.json", "\(tampered.taskID)-9.png"]))

        // The worker starts on it and lists the good entry only.
        let coordinator = try FakeCoordinator()
        let worker = RunningWorker(endpoint: coordinator.endpoint, outbox: folder)
        defer { worker.stopNow() }
        guard case .hello(let hello) = try coordinator.expect("HELLO").message else { return }
        #expect(hello.unackedResults == [stored.lease])
    }
}

extension PNG {
    /// The echo executor's PNG for `assignment`.
    static func encodeEcho(_ assignment: Assignment) throws -> [UInt8] {
        try encode(EchoExecutor.image(for: assignment.task))
    }
}
