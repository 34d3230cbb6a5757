import Farm
import FarmProtocol
import Foundation
import Testing

/// The farm as it runs on a node: a `customnet coordinator` process, `customnet worker` processes rendering
/// the tiny random model, the CLI; real sockets, a real SQLite ledger, real PNGs, processes killed with
/// SIGKILL. "Rendered" is what the workers' logs say they finished (`task done`), so a second render of a
/// cell shows up even when its result is refused.
@Suite(.serialized)
struct FarmProcessTests {
    @Test func twoWorkersRenderEveryCellOnceAndResubmittingRendersOnlyWhatIsNew() throws {
        let farm = try FarmHarness()
        let total = try farm.writeSpec(azimuths: [-20, 0, 20, 40], seeds: [1, 2])
        try farm.startCoordinator()
        try farm.startWorker("w0")
        try farm.startWorker("w1")
        #expect(try farm.submit().contains("\(total) new task(s), 0 already known"))
        let job = try farm.waitForCommitted(total)
        #expect(job["state"] as? String == "completed" && job["failed"] as? Int == 0, "\(job)")

        let rendered = farm.tasksRendered(by: "w0") + farm.tasksRendered(by: "w1")
        #expect(rendered.count == total && Set(rendered).count == total, "rendered \(rendered)")
        #expect(!farm.tasksRendered(by: "w0").isEmpty && !farm.tasksRendered(by: "w1").isEmpty, "both workers took tasks")
        let images = farm.images()
        #expect(images.count == total, "\(images)")
        for image in images {
            let bytes = try #require(FileManager.default.contents(atPath: farm.output + "/images/" + image))
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(image) is a PNG")
        }
        let rows = try farm.waitFor("the report's \(total) rows", within: 20) { () -> [[String: String]]? in
            let rows = (try? farm.metricsRows()) ?? []
            return rows.count == total ? rows : nil
        }
        #expect(Set(rows.compactMap { $0["worker"] }) == ["w0", "w1"])
        let page = try String(contentsOfFile: farm.output + "/index.html", encoding: .utf8)
        #expect(page.contains("id=\"weights\"") && page.contains("model checkpoint \(FarmHarness.model): random weights, seed 0"),
                "the report says the tiny model is random")

        // The same spec again: nothing new, nothing rendered.
        #expect(try farm.submit().contains("0 new task(s), \(total) already known"))
        Thread.sleep(forTimeInterval: 2 * FarmHarness.heartbeat)
        #expect(farm.tasksRendered(by: "w0").count + farm.tasksRendered(by: "w1").count == total)

        // One more seed: only its cells are rendered.
        let grown = try farm.writeSpec(azimuths: [-20, 0, 20, 40], seeds: [1, 2, 3])
        #expect(try farm.submit().contains("\(grown - total) new task(s), \(total) already known"))
        try farm.waitForCommitted(grown)
        let all = farm.tasksRendered(by: "w0") + farm.tasksRendered(by: "w1")
        #expect(all.count == grown && Set(all).count == grown, "rendered \(all)")
        #expect(farm.images().count == grown)

        // `customnet report` beside the running coordinator, then with an image gone.
        let elsewhere = farm.folder + "/report"
        var report = try runCustomNet(["report", farm.state, "--out", elsewhere])
        #expect(report.status == 0 && report.output.contains("e2e: \(elsewhere)/index.html (\(grown) of \(grown) images)"), "\(report.output)")
        try FileManager.default.removeItem(atPath: farm.output + "/images/" + farm.images()[0])
        report = try runCustomNet(["report", farm.state, "--out", elsewhere])
        #expect(report.status == 0 && report.output.contains("1 image cannot be shown"), "\(report.output)")
        report = try runCustomNet(["report", farm.folder + "/no-such-state"])
        #expect(report.status != 0 && report.output.contains("no such file or folder"), "\(report.output)")
    }

    @Test func aKilledWorkersTaskIsRequeuedAndFinishedByTheOther() throws {
        let farm = try FarmHarness()
        let total = try farm.writeSpec(azimuths: [-20, 0, 20], seeds: [1, 2])
        try farm.startCoordinator()
        try farm.startWorker("w0")
        try farm.startWorker("w1")
        _ = try farm.submit()
        // Kill w0 while its log shows a task assigned and not done.
        _ = try farm.waitFor("w0 rendering a task", within: 30) { LogFacts.inFlight(farm.log("w0")).first }
        try farm.killWorker("w0")
        let killed = try #require(LogFacts.inFlight(farm.log("w0")).first, "w0 finished its task just before the kill; no task was lost")

        try farm.waitForCommitted(total, within: 60)
        let commits = LogFacts.commits(farm.log("coordinator"))
        #expect(commits.filter { $0.task == killed.output } .map(\.worker) == ["w1"], "\(commits)")
        #expect(farm.tasksRendered(by: "w1").contains(killed.taskID))
        #expect(Set(commits.map(\.task)).count == total && commits.count == total)
        #expect(farm.images().count == total)
        let w0 = try farm.status().workers.first { $0["worker_id"] as? String == "w0" }
        #expect(w0?["state"] as? String == "lost", "\(String(describing: w0))")
    }

    @Test func aKilledCoordinatorResumesOnRestartAndRendersNothingAgain() throws {
        let farm = try FarmHarness()
        let total = try farm.writeSpec(azimuths: [-30, -15, 0, 15, 30], seeds: [1, 2])
        let endpoints = try farm.startCoordinator()
        try farm.startWorker("w0")
        try farm.startWorker("w1")
        _ = try farm.submit()
        try farm.waitForCommitted(3)
        try farm.killCoordinator()

        let before = LogFacts.commits(farm.log("coordinator"))
        #expect(before.count >= 3 && before.count < total, "\(before)")
        let files = try Dictionary(uniqueKeysWithValues: before.map { commit in
            (commit.task, try FileIdentity(path: "\(farm.output)/images/\(commit.task).png"))
        })
        Thread.sleep(forTimeInterval: 1)  // the workers go on rendering and keep what they finish in their outboxes

        try farm.startCoordinator(workersEndpoint: endpoints.workers, clientsEndpoint: endpoints.clients)
        try farm.waitForCommitted(total, within: 90)
        let rendered = farm.tasksRendered(by: "w0") + farm.tasksRendered(by: "w1")
        #expect(rendered.count == total && Set(rendered).count == total, "every cell rendered once: \(rendered)")
        for (task, identity) in files {
            #expect(try FileIdentity(path: "\(farm.output)/images/\(task).png") == identity, "\(task) was not written again")
        }
        #expect(farm.images().count == total)
        #expect(farm.log("coordinator").contains("re-attached=") && farm.log("coordinator").components(separatedBy: "coordinator listening").count == 3)
    }

    /// `pause`, `resume`, `cancel` and `requeue --failed` through the CLI on a running farm.
    @Test func pauseResumeCancelAndRequeueFromTheCommandLine() throws {
        let farm = try FarmHarness()
        let total = try farm.writeSpec(azimuths: [-30, -15, 0, 15, 30], seeds: [1])
        try farm.startCoordinator()
        try farm.startWorker("w1")
        _ = try farm.submit()
        try farm.waitForCommitted(1)
        func control(_ arguments: [String]) throws -> String {
            let result = try runCustomNet(arguments + ["--state", farm.state])
            try #require(result.status == 0, "\(arguments): \(result.output)")
            return result.output
        }
        #expect(try control(["pause", "e2e"]).contains("job e2e paused"))
        let paused = try #require(try farm.status().job)
        #expect(paused["state"] as? String == "paused")
        Thread.sleep(forTimeInterval: 2)  // a task handed back mid-render may still report; nothing new starts
        let held = try #require(try farm.status().job?["committed"] as? Int)
        Thread.sleep(forTimeInterval: 2)
        #expect(try farm.status().job?["committed"] as? Int == held && held < total, "nothing is rendered while paused")
        #expect(try control(["resume", "e2e"]).contains("job e2e resumed"))
        let done = try farm.waitForCommitted(total)
        #expect(done["state"] as? String == "completed")
        #expect(try control(["requeue", "e2e", "--failed"]).contains("0 failed task(s) queued again"))

        // A second job, cancelled while it runs: rendered images stay, nothing more is rendered.
        try farm.writeSpec(azimuths: [-30, -15, 0, 15, 30], seeds: [2], name: "e2e-b")
        _ = try farm.submit()
        _ = try farm.waitFor("e2e-b under way", within: 30) { () -> Bool? in
            let rows = LogFacts.commits(farm.log("coordinator")).filter { $0.task.hasSuffix("_s2") }
            return rows.isEmpty ? nil : true
        }
        #expect(try control(["cancel", "e2e-b"]).contains("job e2e-b cancelled"))
        let rows = try runCustomNet(["status", "--json", "--state", farm.state, "--job", "e2e-b"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(rows.output.utf8)) as? [String: Any])
        let job = try #require((object["jobs"] as? [[String: Any]])?.first)
        #expect(job["state"] as? String == "cancelled" && (job["committed"] as? Int ?? 0) >= 1, "\(job)")
        let cancelledAt = farm.tasksRendered(by: "w1").count
        Thread.sleep(forTimeInterval: 2)
        #expect(farm.tasksRendered(by: "w1").count <= cancelledAt + 1, "at most the task running at the cancel finishes")
        let unknown = try runCustomNet(["pause", "no-such-job", "--state", farm.state])
        #expect(unknown.status != 0 && unknown.output.contains("no-such-job"), "\(unknown.output)")
    }

    /// The aggregator as its own process: the coordinator writes only the snapshot beside the images
    /// (`--reports snapshot`); `customnet report OUT --every` keeps the report current while the job runs
    /// and exits when it is done; and a copy of the output folder (another host's mount) rebuilds it.
    @Test func anAggregatorElsewhereBuildsTheReportFromTheOutputFolder() throws {
        let farm = try FarmHarness()
        let total = try farm.writeSpec(azimuths: [-20, 0, 20, 40], seeds: [1])
        try farm.startCoordinator(extra: ["--reports", "snapshot"])
        _ = try farm.submit()
        let snapshot = farm.output + "/report-data.json"
        _ = try farm.waitFor("the first snapshot", within: 20) { FileManager.default.fileExists(atPath: snapshot) ? true : nil }
        #expect(!FileManager.default.fileExists(atPath: farm.output + "/index.html"), "the coordinator writes no page")

        let aggregator = Process()
        aggregator.executableURL = customNetBinary()
        aggregator.arguments = ["report", farm.output, "--every", "0.2"]
        let pipe = Pipe()
        aggregator.standardOutput = pipe
        aggregator.standardError = pipe
        try aggregator.run()
        defer { if aggregator.isRunning { kill(aggregator.processIdentifier, SIGKILL) } }
        try farm.startWorker("w1")
        try farm.waitForCommitted(total)
        _ = try farm.waitFor("the aggregator to finish", within: 30) { aggregator.isRunning ? nil : true }
        let lines = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        #expect(aggregator.terminationStatus == 0, "\(lines)")
        #expect(lines.first?.contains("partial") == true && lines.last == "e2e: \(farm.output)/index.html (\(total) of \(total) images)",
                "a partial report first, the finished one last: \(lines)")

        let mount = farm.folder + "/mounted-elsewhere"
        try FileManager.default.copyItem(atPath: farm.output, toPath: mount)
        try FileManager.default.removeItem(atPath: mount + "/index.html")
        let rebuilt = try runCustomNet(["report", mount])
        #expect(rebuilt.status == 0 && rebuilt.output.contains("e2e: \(mount)/index.html (\(total) of \(total) images)"), "\(rebuilt.output)")
        let page = try String(contentsOfFile: mount + "/index.html", encoding: .utf8)
        #expect(!page.contains("id=\"partial\"") && page.contains("Every finished image is in place."))
        #expect(try String(contentsOfFile: mount + "/metrics.csv", encoding: .utf8).split(whereSeparator: \.isNewline).count == total + 1)
    }

    /// A worker that went silent loses its lease; the result it sends later under that lease changes nothing.
    @Test func aResultUnderAStaleLeaseIsRefused() throws {
        let farm = try FarmHarness()
        try farm.writeSpec(azimuths: [0], seeds: [1])
        let endpoints = try farm.startCoordinator()
        _ = try farm.submit()
        let digest = try FileDigests().sha256(ofFileAt: FarmHarness.model)

        let silent = try WirePeer(connectingTo: endpoints.workers, receiving: .coordinatorToWorker)
        try silent.send(WirePeer.hello(worker: "silent", modelDigest: digest))
        _ = try silent.expect("WELCOME")
        try silent.send(.ready(Ready(credits: 1)))
        guard case .assign(let assignment) = try silent.expect("ASSIGN") else { return }
        // It never heartbeats: lost after 3 heartbeats, its lease expires, and w1 renders the task.
        try farm.startWorker("w1")
        try farm.waitForCommitted(1, within: 60)
        let path = "\(farm.output)/images/\(assignment.task.outputName).png"
        let identity = try FileIdentity(path: path)

        // Back again, it claims the lease and sends a result under it.
        try silent.send(WirePeer.hello(worker: "silent", modelDigest: digest,
                                       held: [LeaseRef(taskID: assignment.taskID, leaseID: assignment.leaseID)]))
        guard case .cancel(let cancel) = try silent.expect("CANCEL") else { return }
        #expect(cancel.leaseID == assignment.leaseID && cancel.reason == .leaseRevoked)
        let png = try #require(FileManager.default.contents(atPath: path))
        let report = ResultReport(taskID: assignment.taskID, leaseID: assignment.leaseID, attempt: assignment.attempt,
                                  timings: RenderTimings(renderSeconds: 0.1, encodeSeconds: 0.01))
        try silent.send(.result(report, image: Blob(Array(png) + [0])))
        guard case .ack(let ack) = try silent.expect("ACK") else { return }
        #expect(ack.leaseID == assignment.leaseID && ack.disposition == .duplicate, "first valid result wins: the task has one")
        try silent.send(.fail(FailureReport(taskID: assignment.taskID, leaseID: assignment.leaseID, failureClass: .task,
                                            message: "late failure under a stale lease", logTail: "")))
        Thread.sleep(forTimeInterval: 0.5)
        let job = try #require(try farm.status().job)
        #expect(job["committed"] as? Int == 1 && job["failed"] as? Int == 0 && job["state"] as? String == "completed", "\(job)")

        #expect(try FileIdentity(path: path) == identity, "the committed image is untouched")
        #expect(LogFacts.commits(farm.log("coordinator")).map(\.worker) == ["w1"])
        let rows = try farm.waitFor("the report", within: 20) { () -> [[String: String]]? in
            let rows = try farm.metricsRows()
            return rows.isEmpty ? nil : rows
        }
        #expect(rows.map { $0["worker"] } == ["w1"])
    }

    /// Garbage, messages for the other direction and frames over the size limit, on both of the
    /// coordinator's sockets: each is refused, and the coordinator goes on serving.
    @Test func malformedAndOversizedFramesNeverCrashTheCoordinator() throws {
        let farm = try FarmHarness()
        try farm.writeSpec(azimuths: [0], seeds: [1])
        let endpoints = try farm.startCoordinator()
        let digest = try FileDigests().sha256(ofFileAt: FarmHarness.model)

        let worker = try WirePeer(connectingTo: endpoints.workers, receiving: .coordinatorToWorker)
        let wrongForWorkers = Message.query(StatusQuery(subject: .status))
        for frames in try WirePeer.malformedFrames(wrongDirection: wrongForWorkers) { try worker.sendRaw(frames) }
        for _ in 0..<7 { _ = try worker.expect("REJECT") }  // every one but the empty-frame one answers REJECT
        let client = try WirePeer(connectingTo: endpoints.clients, receiving: .coordinatorToClient)
        for frames in try WirePeer.malformedFrames(wrongDirection: WirePeer.hello(worker: "x", modelDigest: digest)) {
            try client.sendRaw(frames)
        }
        _ = try client.expect("REJECT")
        for peer in [worker, client] { try peer.sendRaw([[UInt8](repeating: 0x41, count: 33 << 20)]) }
        Thread.sleep(forTimeInterval: 0.5)

        #expect(farm.coordinator?.isRunning == true)
        #expect(farm.log("coordinator").contains("refused a malformed message"))
        _ = try farm.submit()
        try farm.startWorker("w1")
        try farm.waitForCommitted(1, within: 60)
    }

    /// The same on the worker's side: a fake coordinator feeds a real worker process garbage, then a
    /// message over the size limit. The worker logs and ignores each; the oversized one makes libzmq drop
    /// the connection for good (a protocol error is not reconnected), so the worker finds its
    /// coordinator silent, connects again with a new socket, and renders what it is then given.
    @Test func malformedAndOversizedFramesNeverCrashAWorker() throws {
        let farm = try FarmHarness()
        let coordinator = try WirePeer(bindingAs: .workerToCoordinator)
        try farm.startWorker("w1", endpoint: coordinator.endpoint)
        _ = try coordinator.expect("HELLO", within: 30)
        try coordinator.send(.welcome(Welcome(epoch: 1, heartbeatIntervalSeconds: 0.2, liveness: 10)))
        _ = try coordinator.expect("READY")
        for frames in try WirePeer.malformedFrames(wrongDirection: .ready(Ready(credits: 1))) { try coordinator.sendRaw(frames) }
        try coordinator.sendRaw([[UInt8](repeating: 0x41, count: 33 << 20)])

        _ = try coordinator.expect("HELLO", within: 20)
        try coordinator.send(.welcome(Welcome(epoch: 1, heartbeatIntervalSeconds: 0.2, liveness: 100)))
        _ = try coordinator.expect("READY")
        let object = farm.folder + "/object.png"
        let task = TaskAssignment(jobID: "e2e", outputName: "cube/a-cube/p0_a0_s1", objectID: "cube", imagePath: object,
                                  imageDigest: try FileDigests().sha256(ofFileAt: object), box: nil, polar: 0, azimuth: 0,
                                  prompt: "a cube", promptSlug: "a-cube", seed: 1, steps: 2, guidance: 3)
        try coordinator.send(.assign(Assignment(taskID: String(repeating: "ab", count: 32), leaseID: 1, attempt: 1, deadlineSeconds: 60,
                                                noProgressTimeoutSeconds: 60, task: task)))
        guard case .result(let report, let image) = try coordinator.expect("RESULT", within: 60) else { return }
        #expect(report.leaseID == 1 && image.bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(farm.workers["w1"]?.isRunning == true)
        let log = farm.log("w1")
        #expect(log.contains("ignored undecodable message") && log.contains("is not a coordinator-to-worker message"))
    }

    /// Broken specs from the corpus, through the CLI: `submit` to a running coordinator and `run`, each
    /// gets the located problems, and neither writes anything.
    @Test func brokenSpecsGetLocatedErrorsFromSubmitAndRunAndWriteNothing() throws {
        let farm = try FarmHarness()
        try farm.startCoordinator()
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/jobspecs").standardized.path
        let corpus = fixtures + "/broken"
        let names = try FileManager.default.contentsOfDirectory(atPath: corpus).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names.count >= 20)
        for name in names {
            let spec = "\(corpus)/\(name)"
            let expected = try String(contentsOfFile: spec.replacingOccurrences(of: ".yaml", with: ".expected"), encoding: .utf8)
            // The .expected files name paths relative to the fixture folder.
            let first = String(try #require(expected.split(separator: "\n").first))
            func relative(_ output: String) -> String { output.replacingOccurrences(of: fixtures + "/", with: "") }
            let submitted = try runCustomNet(["submit", spec, "--state", farm.state])
            #expect(submitted.status != 0 && relative(submitted.output).contains(first), "\(name): \(submitted.output)")
            let state = farm.folder + "/run-\(name)"
            let ran = try runCustomNet(["run", spec, "--state", state, "--workers", "1"])
            #expect(ran.status != 0 && relative(ran.output).contains(first), "\(name): \(ran.output)")
            #expect(!FileManager.default.fileExists(atPath: state), "\(name): run wrote \(state)")
        }
        #expect(try farm.status().job == nil, "no job was created")
        #expect(!FileManager.default.fileExists(atPath: corpus + "/out"))
    }
}

/// Facts read from the daemons' log lines (`key=value … [Farm] event`).
enum LogFacts {
    struct Assigned: Equatable {
        var taskID: String
        var output: String
    }

    /// Tasks a worker's log shows assigned and neither done, failed nor cancelled.
    static func inFlight(_ log: String) -> [Assigned] {
        var open: [String: Assigned] = [:]
        for line in log.split(separator: "\n") {
            let fields = values(line)
            guard let taskID = fields["task_id"] else { continue }
            if line.hasSuffix("task assigned"), let output = fields["output"] {
                open[taskID] = Assigned(taskID: taskID, output: output)
            } else if line.hasSuffix("task done") || line.hasSuffix("task failed") || line.hasSuffix("task cancelled") {
                open[taskID] = nil
            }
        }
        return Array(open.values)
    }

    /// The coordinator's `committed` lines: task name and worker, in order.
    static func commits(_ log: String) -> [(task: String, worker: String)] {
        log.split(separator: "\n").filter { $0.hasSuffix("] committed") }.compactMap { line in
            let fields = values(line)
            guard let task = fields["task"], let worker = fields["worker"] else { return nil }
            return (task, worker)
        }
    }

    private static func values(_ line: Substring) -> [String: String] {
        var fields: [String: String] = [:]
        for token in line.split(separator: " ") {
            guard let equals = token.firstIndex(of: "=") else { continue }
            fields[String(token[..<equals])] = String(token[token.index(after: equals)...])
        }
        return fields
    }
}

/// A file's inode and modification time: equal only if nobody replaced or rewrote it.
struct FileIdentity: Equatable {
    let inode: UInt64
    let modified: Date

    init(path: String) throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        inode = try #require((attributes[.systemFileNumber] as? NSNumber)?.uint64Value)
        modified = try #require(attributes[.modificationDate] as? Date)
    }
}
