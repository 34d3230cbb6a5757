import ArgumentParser
import Farm
import Foundation

/// `customnet report JOB_OR_STATE [--state DIR] [--job NAME] [--out DIR]`: writes a
/// job's evaluation report (index.html, metrics.csv, metrics.json, grids/) from the coordinator's
/// store, read-only, so it can run beside a running coordinator.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a job's evaluation report: a self-contained index.html, metrics.csv, metrics.json and grid PNGs.",
        discussion: """
            JOB_OR_STATE is a job spec (its store is state/<job name>/farm.sqlite under the current folder, or \
            --state DIR) or a state folder holding farm.sqlite (every job in it, or --job NAME). The store is \
            opened read-only, so this is safe while the coordinator runs; a report of a running job says it is \
            partial and gives an ETA. The report goes to the job's output folder unless --out says otherwise \
            (with several jobs, into one subfolder per job).
            """)

    @Argument(help: "A job spec (YAML) or a state folder holding farm.sqlite.")
    var jobOrState: String

    @Option(help: "The state folder of the job spec's run (default: state/<job name>).")
    var state: String?

    @Option(help: "Report only this job of the state folder.")
    var job: String?

    @Option(help: "Write the report here instead of the job's output folder.")
    var out: String?

    func run() throws {
        let target = try ReportTarget.resolve(jobOrState, state: state, job: job,
                                              currentDirectory: FileManager.default.currentDirectoryPath)
        let reader = try ReportStoreReader(path: target.storePath)
        let jobs = try target.jobs ?? reader.jobIDs()
        guard !jobs.isEmpty else {
            print("\(target.storePath): no jobs")
            return
        }
        let writer = ReportWriter(weightsNote: RandomWeights.note(for:))
        for jobID in jobs {
            let folder = out.map { jobs.count > 1 ? ($0 as NSString).appendingPathComponent(jobID) : $0 }
            let files = try writer.write(try reader.snapshot(job: jobID), to: folder, now: Date())
            var line = "\(jobID): \(files.index) (\(files.done) of \(files.total) images"
            line += files.partial ? ", partial)" : ")"
            let unshown = files.imageProblems.count
            if unshown > 0 { line += "; \(unshown) \(unshown == 1 ? "image" : "images") cannot be shown (listed in the report)" }
            print(line)
        }
    }
}
