import Farm
import Foundation

/// The child processes of `customnet run`: one coordinator and N workers of this same executable,
/// each logging to a file in the state folder. Stopping sends SIGTERM (workers drain, the coordinator
/// writes its last report) and waits; anything still alive after a while gets SIGKILL.
final class LocalFarm {
    let folder: StateFolder
    private var coordinator: Process?
    private var workers: [Process] = []

    init(folder: StateFolder) {
        self.folder = folder
    }

    /// Starts the coordinator on free loopback ports and waits until it has written its endpoints.
    func startCoordinator(heartbeat: Double) throws -> StateFolder.Endpoints {
        try? FileManager.default.removeItem(atPath: folder.endpointsPath)
        let process = try launch(["coordinator", "--state", folder.path, "--workers-endpoint", "tcp://127.0.0.1:*",
                                  "--clients-endpoint", "tcp://127.0.0.1:*", "--heartbeat", "\(heartbeat)",
                                  "--lease-seconds", "\(max(4 * heartbeat, 8))", "--restart-grace", "\(3 * heartbeat)"],
                                 log: "coordinator")
        coordinator = process
        let deadline = Date() + 30
        while Date() < deadline {
            if let endpoints = folder.readEndpoints(), endpoints.pid == process.processIdentifier { return endpoints }
            guard process.isRunning else {
                throw FarmCommandError("the coordinator exited (status \(process.terminationStatus)):\n" + tail(ofLog: "coordinator"))
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw FarmCommandError("the coordinator did not start within 30 s; see \(folder.path)/coordinator.log")
    }

    /// Starts worker `index` for `job`'s model and metric encoders.
    func startWorker(index: Int, coordinator endpoint: String, job: JobSpec, threads: Int, keepWinogradFilters: Bool) throws {
        var arguments = ["worker", "--coordinator", endpoint, "--model", job.model.checkpoint, "--preset", job.model.preset,
                         "--worker-id", "\(Self.hostname())-local-\(index)", "--outbox", "\(folder.path)/outbox-\(index)",
                         "--threads", "\(threads)"]
        if keepWinogradFilters { arguments.append("--keep-winograd-filters") }
        if let dino = job.metrics?.dino { arguments += ["--dino", dino] }
        if let clip = job.metrics?.clip { arguments += ["--clip", clip] }
        workers.append(try launch(arguments, log: "worker-\(index)"))
    }

    /// How many workers have exited; nil while all run.
    func deadWorkers() -> Int? {
        let dead = workers.filter { !$0.isRunning }.count
        return dead == 0 ? nil : dead
    }

    /// SIGTERM to the workers, then the coordinator; SIGKILL to what is left after 30 s.
    func stop() {
        for process in workers where process.isRunning { process.terminate() }
        wait(for: workers, upTo: 30)
        if let coordinator, coordinator.isRunning {
            coordinator.terminate()
            wait(for: [coordinator], upTo: 30)
        }
        workers.removeAll()
        coordinator = nil
    }

    /// The last lines of `<name>.log`.
    func tail(ofLog name: String, lines: Int = 20) -> String {
        let text = (try? String(contentsOfFile: "\(folder.path)/\(name).log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    private func wait(for processes: [Process], upTo seconds: Double) {
        let deadline = Date() + seconds
        while processes.contains(where: \.isRunning), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    private func launch(_ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.executablePath)
        process.arguments = arguments
        let logPath = "\(folder.path)/\(log).log"
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
            throw FarmCommandError("cannot create the log file \(logPath)")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func hostname() -> String {
        let name = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "local"
        return name.isEmpty ? "local" : name
    }
}

extension CommandLine {
    /// This executable, for starting more of itself.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
