import ArgumentParser
import Farm
import FarmProtocol
import Foundation
import Logging

/// `customnet coordinator`: the farm's coordinator daemon.
struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run the coordinator: the job ledger (SQLite) and the sockets workers and clients connect to.",
        discussion: """
            State lives in STATE/farm.sqlite (WAL); the bound endpoints are written to STATE/endpoints.json so \
            local clients (`customnet status --state STATE`) find them. Restarting on the same state resumes every \
            job: leases held at the restart get --restart-grace seconds for their workers to re-attach. Images and \
            reports go to each job's output folder. SIGTERM or Ctrl-C writes the last reports and stops; workers \
            keep their tasks and results and re-attach when a coordinator is back on the same state.
            """)

    @Option(help: "State folder (the ledger and the endpoint file).")
    var state = "state"

    @Option(name: .customLong("workers-endpoint"), help: "Where workers connect (ZeroMQ endpoint; port * picks a free one).")
    var workersEndpoint = "tcp://*:5555"

    @Option(name: .customLong("clients-endpoint"), help: "Where the CLI connects (keep it on localhost unless the network is trusted).")
    var clientsEndpoint = "tcp://127.0.0.1:5556"

    @Option(help: "Heartbeat interval, seconds (a worker silent for 3 intervals is lost).")
    var heartbeat: Double = 5

    @Option(name: .customLong("lease-seconds"), help: "Lease time to live after the last heartbeat, seconds.")
    var leaseSeconds: Double = 20

    @Option(name: .customLong("task-timeout"), help: "Longest wall time of one task, seconds.")
    var taskTimeout: Double = 1800

    @Option(name: .customLong("no-progress-timeout"), help: "Longest time without a sampler step, seconds.")
    var noProgressTimeout: Double = 300

    @Option(name: .customLong("restart-grace"), help: "Seconds that leases held at a restart wait for their workers.")
    var restartGrace: Double = 60

    @Option(help: "What the aggregator here writes into each job's output folder as results arrive: full (the report), snapshot (only report-data.json, for `customnet report OUT --every S` on another host) or none.")
    var reports = "full"

    @Option(name: .customLong("report-interval"), help: "Shortest time between two rebuilds of a job's report, seconds (a report of a few thousand images takes seconds to build).")
    var reportInterval: Double = 3

    @Flag(name: .customLong("no-reports"), help: "Same as --reports none.")
    var noReports = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        for (name, value) in [("--heartbeat", heartbeat), ("--lease-seconds", leaseSeconds), ("--task-timeout", taskTimeout),
                              ("--no-progress-timeout", noProgressTimeout), ("--report-interval", reportInterval)] where !(value > 0 && value.isFinite) {
            throw ValidationError("\(name) must be a positive number of seconds")
        }
        guard restartGrace >= 0 else { throw ValidationError("--restart-grace must be ≥ 0") }
        guard ReportMode(rawValue: reports) != nil else {
            throw ValidationError("--reports must be \(ReportMode.allCases.map(\.rawValue).joined(separator: ", ")), got '\(reports)'")
        }
    }

    func run() throws {
        try FarmLogging.bootstrap(level: logLevel)
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        var settings = CoordinatorSettings()
        settings.workerEndpoint = workersEndpoint
        settings.clientEndpoint = clientsEndpoint
        settings.heartbeatInterval = heartbeat
        settings.leaseSeconds = leaseSeconds
        settings.taskTimeout = taskTimeout
        settings.noProgressTimeout = noProgressTimeout
        settings.restartGrace = restartGrace
        settings.reportInterval = reportInterval
        settings.reports = noReports ? .none : ReportMode(rawValue: reports)!
        settings.weightsNote = RandomWeights.note(for:)
        let stop = StopRequest()
        let signals = SignalWatch(action: { stop.request() })
        let coordinator = try Coordinator(storePath: state + "/farm.sqlite", settings: settings,
                                          logger: Logger(label: "customnet.coordinator"), stopRequest: stop)
        try StateFolder(path: state).writeEndpoints(workers: coordinator.boundWorkerEndpoint, clients: coordinator.boundClientEndpoint)
        try coordinator.run()
        withExtendedLifetime(signals) {}
    }
}
