import Foundation

/// What `customnet report JOB_OR_STATE` names: a store file and the jobs in it to report.
public struct ReportTarget: Sendable, Equatable {
    /// The store's file name inside a state folder.
    public static let storeFileName = "farm.sqlite"

    /// The store file.
    public var storePath: String
    /// The jobs to report; nil for every job in the store.
    public var jobs: [String]?

    public init(storePath: String, jobs: [String]?) {
        self.storePath = storePath
        self.jobs = jobs
    }

    /// Resolves the command's argument.
    ///
    /// - A job spec (YAML file): its job, in the store of `state` (a folder), by default
    ///   `state/<job name>/` under `currentDirectory`.
    /// - A state folder holding `farm.sqlite`: every job in it, or only `job`.
    public static func resolve(_ argument: String, state: String?, job: String?, currentDirectory: String) throws(ReportError) -> ReportTarget {
        switch FileKind.of(argument) {
        case .missing:
            throw .target(argument, problem: "no such file or folder; give a job spec (YAML) or a state folder holding \(storeFileName)")
        case .folder:
            guard state == nil else {
                throw .target(argument, problem: "is a state folder already; --state goes with a job spec")
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
            throw .target(argument, problem: "no store at \(path) (has the job run with this state folder? pass --state DIR)")
        }
        return path
    }
}
