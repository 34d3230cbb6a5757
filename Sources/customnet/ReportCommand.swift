import ArgumentParser
import Farm
import Foundation

/// `customnet report JOB|STATE|OUTPUT [--state DIR] [--job NAME] [--out DIR] [--every S]`: writes a
/// job's evaluation report (index.html, metrics.csv, metrics.json, grids/) from the coordinator's store,
/// read-only, so it can run beside a running coordinator — or from the snapshot in a job's output folder,
/// so it can run on another host as the farm's aggregator.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a job's evaluation report: a self-contained index.html, metrics.csv, metrics.json and grid PNGs.",
        discussion: """
            The argument is a job spec (its store is state/<job name>/farm.sqlite under the current folder, or \
            --state DIR), a state folder holding farm.sqlite (every job in it, or --job NAME), or a job's output \
            folder holding report-data.json (the snapshot a coordinator writes there; with --reports snapshot it \
            writes only that). The store is opened read-only, so this is safe while the coordinator runs; a report \
            of a running job says it is partial and gives an ETA. The report goes to the job's output folder unless \
            --out says otherwise (with several jobs, into one subfolder per job). With --every S it keeps the \
            report current, rebuilding when the data changed, until every job is finished.
            """)

    @Argument(help: "A job spec (YAML), a state folder holding farm.sqlite, or a job's output folder holding report-data.json.")
    var target: String

    @Option(help: "The state folder of the job spec's run (default: state/<job name>).")
    var state: String?

    @Option(help: "Report only this job of the state folder.")
    var job: String?

    @Option(help: "Write the report here instead of the job's output folder.")
    var out: String?

    @Option(help: "Keep rebuilding every this many seconds while the data changes, until every job is finished.")
    var every: Double?

    func validate() throws {
        if let every, !(every > 0 && every.isFinite) { throw ValidationError("--every must be a positive number of seconds") }
    }

    func run() throws {
        let resolved = try ReportTarget.resolve(target, state: state, job: job, currentDirectory: FileManager.default.currentDirectoryPath)
        let writer = ReportWriter(weightsNote: RandomWeights.note(for:))
        var lastStamp: String?
        while true {
            let stamp = dataStamp(resolved.source)
            var running = true
            if stamp != lastStamp {
                let reports = try snapshots(resolved)
                guard !reports.isEmpty else {
                    print("\(target): no jobs")
                    return
                }
                for data in reports {
                    try write(data, with: writer, several: reports.count > 1, fromSnapshot: isSnapshot(resolved))
                }
                running = reports.contains { $0.unfinishedCount > 0 && $0.state != .done && $0.state != .cancelled }
                lastStamp = stamp
            }
            guard let every, running else { return }
            Thread.sleep(forTimeInterval: every)
        }
    }

    /// The jobs' data, from the store or the snapshot file.
    private func snapshots(_ target: ReportTarget) throws -> [JobReportData] {
        switch target.source {
        case .snapshot(let path):
            return [try ReportDataFile.read(path: path)]
        case .store(let path):
            let reader = try ReportStoreReader(path: path)
            return try (target.jobs ?? reader.jobIDs()).map { try reader.snapshot(job: $0) }
        }
    }

    private func isSnapshot(_ target: ReportTarget) -> Bool {
        if case .snapshot = target.source { true } else { false }
    }

    private func write(_ data: JobReportData, with writer: ReportWriter, several: Bool, fromSnapshot: Bool) throws {
        let folder = out.map { several ? ($0 as NSString).appendingPathComponent(data.jobID) : $0 }
        let files = try writer.write(data, to: folder, now: Date(), writesSnapshot: !fromSnapshot)
        var line = "\(data.jobID): \(files.index) (\(files.done) of \(files.total) images"
        line += files.partial ? ", partial)" : ")"
        let unshown = files.imageProblems.count
        if unshown > 0 { line += "; \(unshown) \(unshown == 1 ? "image" : "images") cannot be shown (listed in the report)" }
        print(line)
    }

    /// Sizes and modification times of the files the data comes from (the store with its WAL), to see change.
    private func dataStamp(_ source: ReportTarget.Source) -> String {
        let files = switch source {
        case .snapshot(let path): [path]
        case .store(let path): [path, path + "-wal"]
        }
        return files.map { file in
            let attributes = try? FileManager.default.attributesOfItem(atPath: file)
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(attributes?[.size] as? Int ?? -1)@\(modified)"
        }.joined(separator: " ")
    }
}
