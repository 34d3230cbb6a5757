import Foundation

/// What `customnet report JOB_OR_STATE_OR_OUTPUT` names: a store file and the jobs in it to report, or
/// a job's output folder holding its snapshot (`report-data.json`).
public struct ReportTarget: Sendable, Equatable {
    /// The store's file name inside a state folder.
    public static let storeFileName = "farm.sqlite"

    /// Where the report's data comes from.
    public enum Source: Sendable, Equatable {
        /// A coordinator's store file (opened read-only).
        case store(String)
        /// A job's snapshot file in its output folder.
        case snapshot(String)
    }

    public var source: Source
    /// The jobs to report; nil for every job in the store (a snapshot holds one).
    public var jobs: [String]?

    public init(storePath: String, jobs: [String]?) {
        source = .store(storePath)
        self.jobs = jobs
    }

    public init(snapshotPath: String) {
        source = .snapshot(snapshotPath)
        jobs = nil
    }

    /// Resolves the command's argument.
    ///
    /// - A job spec (YAML file): its job, in the store of `state` (a folder), by default
    ///   `state/<job name>/` under `currentDirectory`.
    /// - A state folder holding `farm.sqlite`: every job in it, or only `job`.
    /// - A job's output folder holding `report-data.json` (and no `farm.sqlite`): that job.
    public static func resolve(_ argument: String, state: String?, job: String?, currentDirectory: String) throws(ReportError) -> ReportTarget {
        switch FileKind.of(argument) {
        case .missing:
            throw .target(argument, problem: "no such file or folder; give a job spec (YAML) or a state folder holding \(storeFileName)")
        case .folder:
            guard state == nil else {
                throw .target(argument, problem: "is a folder already; --state goes with a job spec")
            }
            let snapshot = (argument as NSString).appendingPathComponent(ReportDataFile.name)
            if FileKind.of((argument as NSString).appendingPathComponent(storeFileName)) != .file, FileKind.of(snapshot) == .file {
                return ReportTarget(snapshotPath: snapshot)
            }
            return ReportTarget(storePath: try storeFile(in: argument, for: argument), jobs: job.map { [$0] })
        case .file:
            let name: String
            do {
                name = try JobSpecFile.load(path: argument, checkModelFiles: false).spec.name
            } catch {
                throw .target(argument, problem: "not a usable job spec:\n" + error.errors.map(\.description).joined(separator: "\n"))
            }
            if let job, job != name {
                throw .target(argument, problem: "the spec is job '\(name)', not '\(job)'")
            }
            let folder = state ?? (currentDirectory as NSString).appendingPathComponent("state/\(name)")
            return ReportTarget(storePath: try storeFile(in: folder, for: argument), jobs: [name])
        }
    }

    /// `folder/farm.sqlite`, which must exist.
    private static func storeFile(in folder: String, for argument: String) throws(ReportError) -> String {
        let path = (folder as NSString).appendingPathComponent(storeFileName)
        guard FileKind.of(path) == .file else {
            throw .target(argument, problem: "no store at \(path) and no \(ReportDataFile.name) (has the job run with this state folder? "
                          + "pass --state DIR, or a job's output folder)")
        }
        return path
    }
}
