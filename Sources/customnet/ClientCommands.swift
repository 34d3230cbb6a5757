import ArgumentParser
import Farm
import FarmProtocol
import Foundation

/// How a client command finds the coordinator.
struct CoordinatorAddress: ParsableArguments {
    @Option(help: "The coordinator's client endpoint (default: from STATE/endpoints.json, else tcp://127.0.0.1:5556).")
    var coordinator: String?

    @Option(help: "A local coordinator's state folder, to read its endpoints from.")
    var state = "state"

    @Option(help: "Seconds to wait for an answer.")
    var timeout: Double = 10

    func client() throws -> FarmClient {
        let endpoint = coordinator ?? StateFolder(path: state).readEndpoints()?.clients ?? "tcp://127.0.0.1:5556"
        return try FarmClient(endpoint: endpoint, timeout: timeout)
    }

    /// Sends `message`; a refusal is printed and exits 1.
    func request(_ message: Message) throws -> StatusReply {
        let reply = try client().request(message)
        guard reply.ok else { throw FarmCommandError(reply.detail) }
        return reply
    }
}

/// `customnet submit JOB.yaml`: adds a job (or the new cells of an edited one) to a running coordinator.
struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit a job spec to a running coordinator; submitting it again renders only what is new.",
        discussion: "The coordinator reads the spec's files (checkpoint, images) itself, resolving paths against the spec's folder.")

    @Argument(help: "The job spec (YAML).")
    var spec: String

    @Option(help: "Override the spec's priority (higher first).")
    var priority: Int?

    @OptionGroup var address: CoordinatorAddress

    func run() throws {
        let path = URL(fileURLWithPath: spec).standardizedFileURL.path
        let text: String
        do {
            text = try JobSpecFile.readText(path: path)
        } catch {
            for problem in error.problems { printError(problem.description) }
            throw ExitCode(1)
        }
        let reply = try address.request(.submit(JobSubmission(jobYAML: text, specPath: path, priority: priority)))
        print(reply.detail)
        if let row = reply.jobs.first { print(StatusTable.jobLine(row)) }
    }
}

/// `customnet status`: jobs and workers.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show jobs (done / running / queued / failed, rate, ETA) and workers.")

    @Option(help: "Only this job.")
    var job: String?

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var address: CoordinatorAddress

    func run() throws {
        let reply = try address.request(.query(StatusQuery(subject: .status, job: job)))
        if json {
            print(StatusTable.json(reply))
            return
        }
        print(StatusTable.jobs(reply.jobs))
        print("")
        print(StatusTable.workers(reply.workers))
    }
}

/// `customnet workers`: the workers the coordinator knows.
struct Workers: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List workers: state, current task and step, counts.")

    @OptionGroup var address: CoordinatorAddress

    func run() throws {
        print(StatusTable.workers(try address.request(.query(StatusQuery(subject: .workers))).workers))
    }
}

/// `customnet pause|resume|cancel JOB` and `customnet requeue JOB --failed`.
struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop handing out a job's tasks; running ones are handed back uncharged.")
    @Argument(help: "The job's name.") var job: String
    @OptionGroup var address: CoordinatorAddress
    func run() throws { print(try address.request(.control(JobControl(action: .pause, job: job))).detail) }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Hand out a paused job's tasks again.")
    @Argument(help: "The job's name.") var job: String
    @OptionGroup var address: CoordinatorAddress
    func run() throws { print(try address.request(.control(JobControl(action: .resume, job: job))).detail) }
}

struct Cancel: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "End a job: running tasks stop, rendered images stay.")
    @Argument(help: "The job's name.") var job: String
    @OptionGroup var address: CoordinatorAddress
    func run() throws { print(try address.request(.control(JobControl(action: .cancel, job: job))).detail) }
}

struct Requeue: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Queue a job's failed tasks again (only those).")
    @Argument(help: "The job's name.") var job: String
    @Flag(help: "Requeue the failed tasks (required: the only kind that can be requeued).") var failed = false
    @OptionGroup var address: CoordinatorAddress

    func validate() throws {
        guard failed else { throw ValidationError("say --failed: only failed tasks can be requeued (committed images are kept)") }
    }

    func run() throws { print(try address.request(.control(JobControl(action: .requeueFailed, job: job))).detail) }
}

/// Text and JSON renderings of a `REPLY`.
enum StatusTable {
    static func jobLine(_ row: JobStatusRow) -> String {
        let done = row.committed + row.failed
        var text = "\(row.job): \(row.state.rawValue), \(row.committed)/\(row.tasksTotal) done, \(row.leased) running, "
            + "\(row.pending) queued, \(row.failed) failed"
        if let rate = row.imagesPerHour { text += String(format: ", %.0f images/h", rate) }
        if let eta = row.etaSeconds, done < row.tasksTotal { text += ", ETA \(duration(eta))" }
        return text
    }

    static func jobs(_ rows: [JobStatusRow]) -> String {
        guard !rows.isEmpty else { return "no jobs" }
        var lines = [pad(["JOB", "STATE", "PRI", "DONE", "RUNNING", "QUEUED", "FAILED", "IMAGES/H", "ETA", "OUTPUT"])]
        for row in rows {
            lines.append(pad([row.job, row.state.rawValue, "\(row.priority)", "\(row.committed)/\(row.tasksTotal)", "\(row.leased)",
                              "\(row.pending)", "\(row.failed)", row.imagesPerHour.map { String(format: "%.0f", $0) } ?? "-",
                              row.etaSeconds.map { duration($0) } ?? "-", row.output ?? "-"]))
        }
        return lines.joined(separator: "\n")
    }

    static func workers(_ rows: [WorkerStatusRow]) -> String {
        guard !rows.isEmpty else { return "no workers" }
        var lines = [pad(["WORKER", "HOST", "STATE", "DONE", "FAILED", "TASK", "STEP", "LAST SEEN"])]
        let now = Date()
        for row in rows {
            let step = row.step.map { "\($0)/\(row.steps ?? 0)" } ?? "-"
            lines.append(pad([row.workerID, row.hostname, row.state.rawValue, "\(row.completed)", "\(row.failed)",
                              row.currentTask ?? "-", step, duration(max(0, now.timeIntervalSince(row.lastSeen.date))) + " ago"]))
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ reply: StatusReply) -> String {
        let jobs = reply.jobs.map { row -> [String: Any] in
            ["job": row.job, "state": row.state.rawValue, "priority": row.priority, "total": row.tasksTotal, "pending": row.pending,
             "running": row.leased, "committed": row.committed, "failed": row.failed, "eta_seconds": row.etaSeconds as Any,
             "images_per_hour": row.imagesPerHour as Any, "output": row.output as Any]
        }
        let workers = reply.workers.map { row -> [String: Any] in
            ["worker_id": row.workerID, "hostname": row.hostname, "state": row.state.rawValue, "completed": row.completed,
             "failed": row.failed, "current_task": row.currentTask as Any, "step": row.step as Any, "steps": row.steps as Any,
             "last_seen": row.lastSeen.date.timeIntervalSince1970]
        }
        let object: [String: Any] = ["jobs": jobs, "workers": workers]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// `1:05:03`, `4:07`, `12 s`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total) s" }
        if total < 3600 { return String(format: "%d:%02d", total / 60, total % 60) }
        return String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
    }

    private static let widths = [28, 10, 5, 12, 8, 8, 7, 9, 9]

    private static func pad(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in
            index < widths.count ? cell.padding(toLength: max(widths[index], cell.count + 1), withPad: " ", startingAt: 0) : cell
        }.joined()
    }
}
