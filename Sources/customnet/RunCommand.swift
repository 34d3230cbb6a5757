import ArgumentParser
import DiffusionCore
import Farm
import FarmProtocol
import Foundation

/// `customnet run JOB.yaml`: the embedded farm — a coordinator and N workers on this machine, on
/// loopback, with state in a local folder — run until every task is done.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render a job on this machine: a coordinator and N worker processes on loopback, with a live progress bar.",
        discussion: """
            The same daemons as a cluster (`customnet coordinator`, `customnet worker`), started as child processes \
            with their logs in STATE/*.log. Running the same spec again resumes it: finished images are never \
            rendered twice. Exits 0 when every task is done, 1 if some failed (see the report), 2 on Ctrl-C \
            (state is kept; run again to go on).
            """)

    @Argument(help: "The job spec (YAML).")
    var spec: String

    @Option(help: "Worker processes to start.")
    var workers = 1

    @Option(help: "Threads per worker (default: the cores divided among the workers).")
    var threads: Int?

    @OptionGroup var winogradFilters: WinogradFilterOption

    @Option(help: "State folder (default: state/<job name>).")
    var state: String?

    @Option(help: "Heartbeat interval of the local farm, seconds.")
    var heartbeat: Double = 2

    func validate() throws {
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be 1…64") }
        if let threads, threads < 1 { throw ValidationError("--threads must be ≥ 1") }
    }

    func run() throws {
        let file: JobSpecFile
        let plan: JobPlan
        let specPath = URL(fileURLWithPath: spec).standardizedFileURL.path
        let yaml: String
        do {
            yaml = try JobSpecFile.readText(path: specPath)
            file = try JobSpecFile.parse(yaml: yaml, path: specPath)
            plan = try JobPlan.make(from: file, digests: FileDigests())
        } catch {
            for problem in error.problems { printError(problem.description) }
            throw ExitCode(1)
        }
        for warning in file.warnings { printError(warning.description) }
        let job = plan.spec
        let folder = StateFolder(path: state ?? "state/\(job.name)")
        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        describeWeights(job)

        let farm = LocalFarm(folder: folder)
        let interrupted = StopRequest()
        let signals = SignalWatch(action: { interrupted.request() })
        defer { farm.stop() }
        let endpoints = try farm.startCoordinator(heartbeat: heartbeat)
        let client = try FarmClient(endpoint: endpoints.clients, timeout: 120)
        let submitted = try client.request(.submit(JobSubmission(jobYAML: yaml, specPath: specPath)))
        guard submitted.ok else { throw FarmCommandError(submitted.detail) }
        print(submitted.detail)

        let cores = ProcessInfo.processInfo.activeProcessorCount
        let perWorker = threads ?? max(1, cores / workers)
        for index in 0..<workers {
            try farm.startWorker(index: index, coordinator: endpoints.workers, job: job, threads: perWorker,
                                keepWinogradFilters: winogradFilters.keepWinogradFilters)
        }
        let outcome = try watch(job: job.name, client: client, farm: farm, interrupted: interrupted)
        farm.stop()
        withExtendedLifetime(signals) {}
        try finish(outcome, job: job, folder: folder)
    }

    private enum Outcome {
        case finished(JobStatusRow)
        case interrupted(JobStatusRow?)
    }

    /// Polls the coordinator and draws the progress bar until nothing is left to run.
    private func watch(job: String, client: FarmClient, farm: LocalFarm, interrupted: StopRequest) throws -> Outcome {
        let bar = FarmProgressBar()
        var last: JobStatusRow?
        while !interrupted.isRequested {
            let reply = try client.request(.query(StatusQuery(subject: .status, job: job)))
            guard let row = reply.jobs.first else { throw FarmCommandError(reply.detail) }
            last = row
            bar.update(row, workers: reply.workers)
            if row.pending + row.leased == 0 || row.state == .cancelled {
                bar.finish()
                return .finished(row)
            }
            if let dead = farm.deadWorkers(), dead == workers {
                bar.finish()
                throw FarmCommandError("every worker exited; see \(farm.folder.path)/worker-*.log:\n" + farm.tail(ofLog: "worker-0"))
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
        bar.finish()
        return .interrupted(last)
    }

    private func finish(_ outcome: Outcome, job: JobSpec, folder: StateFolder) throws {
        switch outcome {
        case .interrupted(let row):
            printError("interrupted" + (row.map { ": \($0.committed)/\($0.tasksTotal) done" } ?? "")
                       + "; state kept in \(folder.path), run the same command again to go on")
            throw ExitCode(2)
        case .finished(let row):
            print("\(row.committed)/\(row.tasksTotal) images in \(job.output)/images")
            let report = job.output + "/index.html"
            if FileManager.default.fileExists(atPath: report) { print("report: \(report)") }
            print("state and logs: \(folder.path)")
            if row.failed > 0 {
                printError("\(row.failed) task(s) failed; reasons in the report and \(folder.path)/coordinator.log; "
                           + "`customnet run` again after fixing, or requeue them with a coordinator running")
                throw ExitCode(1)
            }
        }
    }

    /// Says plainly when the checkpoint holds random weights (what `make demo` writes), and where real ones go.
    private func describeWeights(_ job: JobSpec) {
        if let note = RandomWeights.note(for: job.model.checkpoint) {
            print("note: \(job.model.checkpoint) holds \(note): the images are noise-like and the scores "
                  + "meaningless. For real images put customnet_v1.pt in models/ and point model.checkpoint at it "
                  + "(jobs/dreambench-sweep.yaml does).")
        }
    }
}

/// The farm's progress on standard error: `smoke [#####-----] 12/24  2 running  1.4 img/s  ETA 0:09`.
final class FarmProgressBar {
    private let isTerminal = isatty(2) == 1
    private var lastLine = Date.distantPast
    private var lastDone: UInt64 = .max

    func update(_ row: JobStatusRow, workers: [WorkerStatusRow]) {
        let done = row.committed + row.failed
        let now = Date()
        guard isTerminal || done != lastDone && now.timeIntervalSince(lastLine) >= 5 || done == row.tasksTotal else { return }
        lastDone = done
        lastLine = now
        let width = 30
        let filled = row.tasksTotal > 0 ? Int(UInt64(width) * done / row.tasksTotal) : width
        var text = "\(row.job) [\(String(repeating: "#", count: filled))\(String(repeating: "-", count: width - filled))] "
            + "\(done)/\(row.tasksTotal)  \(row.leased) running"
        if row.failed > 0 { text += "  \(row.failed) failed" }
        if let rate = row.imagesPerHour { text += String(format: "  %.0f img/h", rate) }
        if let eta = row.etaSeconds, done < row.tasksTotal { text += "  ETA \(StatusTable.duration(eta))" }
        let busy = workers.compactMap { worker in worker.step.map { "\($0)/\(worker.steps ?? 0)" } }
        if !busy.isEmpty { text += "  steps " + busy.joined(separator: " ") }
        FileHandle.standardError.write(Data((isTerminal ? "\r\u{1B}[K" + text : text + "\n").utf8))
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
