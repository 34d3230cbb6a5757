import Foundation
import Testing

/// A farm of real `customnet` processes in a temporary folder: a coordinator on free loopback ports with
/// short timings, workers rendering the tiny random model, and the CLI to submit and query. Every
/// process still alive when the harness goes away gets SIGKILL.
final class FarmHarness {
    /// The coordinator's timings: a worker silent for 3 heartbeats (3 s) is lost; a lease lives 3 s
    /// past its last renewal; leases held at a restart wait 5 s for their workers.
    static let heartbeat = 1.0, leaseSeconds = 3.0, restartGrace = 5.0

    let folder: String
    var state: String { folder + "/state" }
    var output: String { folder + "/out" }
    var specPath: String { folder + "/job.yaml" }
    private(set) var coordinator: Process?
    private(set) var workers: [String: Process] = [:]

    /// A random tiny checkpoint, made once per test run (`customnet model init-random`).
    static let model: String = {
        let path = NSTemporaryDirectory() + "customnet-e2e-tiny-\(getpid()).safetensors"
        let made = try? runCustomNet(["model", "init-random", "--preset", "tiny", "--seed", "0", "--out", path])
        precondition(made?.status == 0, "cannot make the tiny model: \(made?.output ?? "no process")")
        return path
    }()

    init() throws {
        folder = NSTemporaryDirectory() + "customnet-farm-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/state", withIntermediateDirectories: true)
        let object = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/pipeline/object.png")
        try FileManager.default.copyItem(atPath: object.standardized.path, toPath: folder + "/object.png")
    }

    deinit {
        for process in Array(workers.values) + [coordinator].compactMap({ $0 }) where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // CUSTOMNET_KEEP_FARMS=1 keeps the folders (state, logs, images) to look at after a failure.
        if ProcessInfo.processInfo.environment["CUSTOMNET_KEEP_FARMS"] == nil { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// Writes the job spec: one object, `azimuths` at polar 0, one prompt, `seeds`, 2 sampler steps
    /// (about a second per image in a debug build). Returns the number of tasks.
    @discardableResult
    func writeSpec(azimuths: [Int], seeds: [Int], name: String = "e2e") throws -> Int {
        let spec = """
            name: \(name)
            model:
              checkpoint: \(Self.model)
              preset: tiny
            objects:
              - id: cube
                image: object.png
            viewpoints:
              polar: [0]
              azimuth: [\(azimuths.map(String.init).joined(separator: ", "))]
            prompts:
              - a cube on a table
            seeds: [\(seeds.map(String.init).joined(separator: ", "))]
            sampler:
              steps: 2
              guidance: 3.0
            output: out

            """
        try spec.write(toFile: specPath, atomically: true, encoding: .utf8)
        return azimuths.count * seeds.count
    }

    // MARK: - Processes

    /// Starts the coordinator (free ports unless given) and waits for its endpoint file; returns the endpoints.
    @discardableResult
    func startCoordinator(workersEndpoint: String = "tcp://127.0.0.1:*", clientsEndpoint: String = "tcp://127.0.0.1:*",
                          extra: [String] = []) throws -> (workers: String, clients: String) {
        try? FileManager.default.removeItem(atPath: state + "/endpoints.json")
        let process = try launch(["coordinator", "--state", state, "--workers-endpoint", workersEndpoint, "--clients-endpoint", clientsEndpoint,
                                  "--heartbeat", "\(Self.heartbeat)", "--lease-seconds", "\(Self.leaseSeconds)",
                                  "--restart-grace", "\(Self.restartGrace)", "--log-level", "debug"] + extra,
                                 log: "coordinator")
        coordinator = process
        let endpoints = try waitFor("the coordinator's endpoints", within: 20) { () -> (String, String)? in
            guard process.isRunning else { throw HarnessFailure("the coordinator exited:\n\(self.log("coordinator"))") }
            guard let data = FileManager.default.contents(atPath: self.state + "/endpoints.json"),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  (object["pid"] as? NSNumber)?.int32Value == process.processIdentifier,
                  let workers = object["workers"] as? String, let clients = object["clients"] as? String else { return nil }
            return (workers, clients)
        }
        return (endpoints.0, endpoints.1)
    }

    /// Starts worker `id` rendering with the tiny model against `endpoint` (the coordinator's by default).
    func startWorker(_ id: String, endpoint: String? = nil) throws {
        let target = try endpoint ?? coordinatorEndpoints().workers
        workers[id] = try launch(["worker", "--coordinator", target, "--model", Self.model, "--preset", "tiny", "--worker-id", id,
                                  "--outbox", "\(state)/outbox-\(id)", "--threads", "1", "--log-level", "debug"], log: id)
    }

    /// SIGKILL to worker `id`, waiting until it is gone.
    func killWorker(_ id: String) throws {
        let process = try #require(workers[id])
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGKILL to the coordinator, waiting until it is gone.
    func killCoordinator() throws {
        let process = try #require(coordinator)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// The endpoints the running coordinator wrote.
    func coordinatorEndpoints() throws -> (workers: String, clients: String) {
        let data = try #require(FileManager.default.contents(atPath: state + "/endpoints.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (try #require(object["workers"] as? String), try #require(object["clients"] as? String))
    }

    // MARK: - CLI

    /// `customnet submit` of the spec; its output.
    func submit() throws -> String {
        let result = try runCustomNet(["submit", specPath, "--state", state])
        try #require(result.status == 0, "submit failed: \(result.output)")
        return result.output
    }

    /// `customnet status --json`: the one job's row and the workers' rows.
    func status() throws -> (job: [String: Any]?, workers: [[String: Any]]) {
        let result = try runCustomNet(["status", "--json", "--state", state, "--timeout", "5"])
        try #require(result.status == 0, "status failed: \(result.output)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let jobs = object["jobs"] as? [[String: Any]] ?? []
        return (jobs.first, object["workers"] as? [[String: Any]] ?? [])
    }

    /// Waits until the job has `count` committed tasks; returns its row.
    @discardableResult
    func waitForCommitted(_ count: Int, within seconds: Double = 90) throws -> [String: Any] {
        try waitFor("\(count) committed tasks", within: seconds) {
            guard let job = try self.status().job, (job["committed"] as? Int ?? -1) >= count else { return nil }
            return job
        }
    }

    // MARK: - Logs and outputs

    /// The whole log of a process (`coordinator` or a worker id).
    func log(_ name: String) -> String {
        (try? String(contentsOfFile: "\(state)/\(name).log", encoding: .utf8)) ?? ""
    }

    /// The task ids a worker's log says it finished rendering (`task done`), in order.
    func tasksRendered(by worker: String) -> [String] {
        log(worker).split(separator: "\n").filter { $0.hasSuffix("task done") }.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("task_id=") }.map { String($0.dropFirst("task_id=".count)) }
        }
    }

    /// The rendered images on disk, relative to the output folder.
    func images() -> [String] {
        let root = output + "/images"
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix(".png") }.sorted()
    }

    /// `metrics.csv`'s rows as column → value.
    func metricsRows() throws -> [[String: String]] {
        let text = try String(contentsOfFile: output + "/metrics.csv", encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    // MARK: - Helpers

    /// Polls `probe` every 100 ms until it gives a value; fails after `seconds` with the logs attached.
    func waitFor<Value>(_ what: String, within seconds: Double, _ probe: () throws -> Value?) throws -> Value {
        let deadline = Date() + seconds
        while Date() < deadline {
            if let value = try probe() { return value }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let logs = (["coordinator"] + workers.keys.sorted()).map { "--- \($0).log (tail)\n" + log($0).split(separator: "\n").suffix(15).joined(separator: "\n") }
        throw HarnessFailure("no \(what) within \(seconds) s\n" + logs.joined(separator: "\n"))
    }

    private func launch(_ arguments: [String], log name: String) throws -> Process {
        let process = Process()
        process.executableURL = customNetBinary()
        process.arguments = arguments
        let path = "\(state)/\(name).log"
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
}

struct HarnessFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
