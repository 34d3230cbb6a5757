/// Why a report could not be written, with what it was about.
public enum ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Reading the store failed (an unknown job, an unreadable or newer store).
    case store(FarmStoreError)
    /// `customnet report`'s argument names nothing usable: the argument and why.
    case target(String, problem: String)
    /// The job has no output folder and none was given.
    case noOutputFolder(jobID: String)
    /// A report file could not be written.
    case write(path: String, problem: String)

    public var description: String {
        switch self {
        case .store(let error):
            "\(error)"
        case .target(let argument, let problem):
            "\(argument): \(problem)"
        case .noOutputFolder(let jobID):
            "job '\(jobID)' has no output folder in the store; pass one (--out DIR)"
        case .write(let path, let problem):
            "cannot write \(path): \(problem)"
        }
    }
}
