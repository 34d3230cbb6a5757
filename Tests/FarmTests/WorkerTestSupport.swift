import FarmProtocol
import Foundation
import Logging
import Synchronization
import Testing
@testable import Farm

/// The coordinator's side of the wire, played by a test: a ROUTER on an ephemeral loopback port that
/// decodes what workers send and answers the peer that spoke last.
final class FakeCoordinator {
    let endpoint: String
    /// The routing id of the worker connection that sent the last message.
    private(set) var peer: [UInt8]?
    private let router: ZMQSocket

    init() throws {
        router = try ZMQSocket(.router, context: ZMQContext())
        try router.setRouterMandatory(true)
        endpoint = try router.bind("tcp://127.0.0.1:*")
    }

    /// The next message from a worker within `seconds`, or nil; `HEARTBEAT`s are skipped unless asked for.
    func receive(within seconds: Double = 3, heartbeats: Bool = false) throws -> Envelope? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return nil }
            guard let frames = try router.receive(timeoutMilliseconds: Int(left / .milliseconds(1)) + 1) else { return nil }
            let envelope = try Envelope.decode(Array(frames.dropFirst()), on: .workerToCoordinator)
            peer = frames[0]
            if case .workerHeartbeat = envelope.message, !heartbeats { continue }
            return envelope
        }
    }

    /// The next message, which must be of type `verb` (`HELLO`, `READY`, …); heartbeats are skipped
    /// unless `verb` is `HEARTBEAT`.
    @discardableResult
    func expect(_ verb: String, within seconds: Double = 3, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Envelope {
        let envelope = try #require(try receive(within: seconds, heartbeats: verb == "HEARTBEAT"),
                                    "no \(verb) within \(seconds) s", sourceLocation: sourceLocation)
        try #require(envelope.message.verb == verb, "expected \(verb), got \(envelope.message)", sourceLocation: sourceLocation)
        return envelope
    }

    /// Waits for a `HEARTBEAT` showing `lease` started (elapsed time > 0) and at `step` or later.
    @discardableResult
    func awaitProgress(of lease: LeaseRef, step: UInt32, within seconds: Double = 3,
                       sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> LeaseProgress {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            guard case .workerHeartbeat(let beat) = try expect("HEARTBEAT", sourceLocation: sourceLocation).message else { continue }
            if let progress = beat.active.first(where: { $0.taskID == lease.taskID && $0.leaseID == lease.leaseID }),
               progress.elapsedSeconds > 0, progress.step >= step { return progress }
        }
        throw WorkerTestFailure("no HEARTBEAT showing lease \(lease.leaseID) at step \(step) within \(seconds) s")
    }

    /// Sends `message` to the last peer.
    func send(_ message: Message) throws {
        try sendRaw(Envelope(message, sentAt: Timestamp(Date())).encode())
    }

    /// Sends `frames` as they are to the last peer (for malformed input).
    func sendRaw(_ frames: [[UInt8]]) throws {
        try router.send([try #require(peer, "no worker has spoken yet")] + frames)
    }

    /// `WELCOME` with the tests' timing: short heartbeats, and a liveness long enough that a test
    /// busy elsewhere never looks dead.
    func welcome(interval: Double = 0.1, liveness: UInt32 = 100) throws {
        try send(.welcome(Welcome(epoch: 7, heartbeatIntervalSeconds: interval, liveness: liveness)))
    }

    /// The usual opening: `HELLO` in, `WELCOME` out, `READY(1)` in. Returns the `HELLO`.
    @discardableResult
    func handshake(interval: Double = 0.1, liveness: UInt32 = 100) throws -> WorkerHello {
        guard case .hello(let hello) = try expect("HELLO").message else { throw WorkerTestFailure("not a HELLO") }
        try welcome(interval: interval, liveness: liveness)
        guard case .ready(let ready) = try expect("READY").message else { throw WorkerTestFailure("not a READY") }
        #expect(ready.credits == 1)
        return hello
    }
}

/// A `WorkerDaemon` running on its own thread, as the CLI runs it.
final class RunningWorker: Sendable {
    let daemon: WorkerDaemon
    private let outcome = Mutex<Result<WorkerOutcome, WorkerError>?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts a worker for `endpoint` with a fresh temporary outbox unless `outbox` is given;
    /// `adjust` edits the configuration first.
    init(endpoint: String, executor: any TaskExecutor = EchoExecutor(), outbox: String = WorkerFixtures.temporaryFolder(),
         adjust: (inout WorkerConfiguration) -> Void = { _ in }) {
        var configuration = WorkerConfiguration(endpoint: endpoint, engineVersion: "test-1.0", outboxPath: outbox, ackWaitSeconds: 0.2)
        adjust(&configuration)
        daemon = WorkerDaemon(configuration: configuration, executor: executor, logger: WorkerFixtures.logger)
        let thread = Thread { [self] in
            let result = Result { () throws(WorkerError) in try daemon.run() }
            outcome.withLock { $0 = result }
            finished.signal()
        }
        thread.start()
    }

    /// How `run()` ended, waiting up to `seconds`; nil if it is still running.
    func outcome(within seconds: Double = 3) -> Result<WorkerOutcome, WorkerError>? {
        guard finished.wait(timeout: .now() + seconds) == .success else { return nil }
        finished.signal()
        return outcome.withLock { $0 }
    }

    /// Stops the worker (twice: no waiting for the task) and waits for `run()` to return.
    func stopNow() {
        daemon.requestStop()
        daemon.requestStop()
        _ = outcome(within: 5)
    }

    var outbox: String { daemon.configuration.outboxPath }
}

struct WorkerTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum WorkerFixtures {
    /// Quiet unless something is wrong.
    static let logger: Logger = {
        var logger = Logger(label: "farm.worker.test")
        logger.logLevel = .critical
        return logger
    }()

    /// A new empty folder under the system's temporary folder.
    static func temporaryFolder() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("farm-worker-tests-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// An assignment of a small task (`steps` sampler steps) under lease `lease`.
    static func assignment(lease: UInt64, seed: UInt64 = 1234, steps: UInt32 = 4) -> Assignment {
        let task = TaskAssignment(jobID: "worker-tests", outputName: "cube/a-cube/p0_a0_s\(seed)", objectID: "cube",
                                  imagePath: "/objects/cube.png", imageDigest: String(repeating: "c0", count: 32), box: nil,
                                  polar: 0, azimuth: 30, prompt: "a cube", promptSlug: "a-cube", seed: seed, steps: steps, guidance: 7.5)
        return Assignment(taskID: SHA256.hexDigest(Array("task \(seed)".utf8)), leaseID: lease, attempt: 1, deadlineSeconds: 600,
                          noProgressTimeoutSeconds: 180, task: task)
    }

    static func lease(of assignment: Assignment) -> LeaseRef {
        LeaseRef(taskID: assignment.taskID, leaseID: assignment.leaseID)
    }

    /// The files in `folder` (not descending), sorted.
    static func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    /// Waits up to `seconds` for `condition`.
    static func eventually(within seconds: Double = 3, _ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return true
    }
}
