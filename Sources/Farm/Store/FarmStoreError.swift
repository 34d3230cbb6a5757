import Foundation
import GRDB

/// Why a store operation was refused, with what it was about. Database failures are translated into
/// `.database`, naming the operation; the others are domain errors a coordinator answers as such.
public enum FarmStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No job with this id was ever submitted.
    case jobUnknown(jobID: String)
    /// No task with this id is in the store.
    case taskNotFound(taskID: String)
    /// The report names a lease the task never had (newer than its current lease, or none at all).
    case leaseLost(taskID: String, leaseID: Int64, currentLeaseID: Int64?)
    /// The job is in a state the operation cannot start from (resuming a cancelled job).
    case jobStateConflict(jobID: String, state: JobState, operation: String)
    /// A task's stored parameters could not be encoded or decoded.
    case corruptTask(taskID: String, reason: String)
    /// The file was written by a newer (or unknown) version of the store.
    case unsupportedSchema(path: String, found: Int, supported: Int)
    /// SQLite refused or failed: the operation, the SQLite result code and its message.
    case database(operation: String, code: Int32, message: String)

    public var description: String {
        switch self {
        case .jobUnknown(let jobID):
            "unknown job '\(jobID)'"
        case .taskNotFound(let taskID):
            "task \(taskID) not found"
        case .leaseLost(let taskID, let leaseID, let currentLeaseID):
            "lease \(leaseID) is not a lease of task \(taskID) (current lease: \(currentLeaseID.map(String.init) ?? "none"))"
        case .jobStateConflict(let jobID, let state, let operation):
            "cannot \(operation) job '\(jobID)': it is \(state.rawValue)"
        case .corruptTask(let taskID, let reason):
            "task \(taskID) has unreadable parameters: \(reason)"
        case .unsupportedSchema(let path, let found, let supported):
            "\(path): store schema version \(found) is not the one this build reads (\(supported)); use the customnet that wrote it"
        case .database(let operation, let code, let message):
            "store \(operation) failed: SQLite error \(code): \(message)"
        }
    }

    /// `error` as a store error: domain errors pass through, database errors are named after `operation`.
    static func translating(_ error: any Error, during operation: String) -> FarmStoreError {
        switch error {
        case let storeError as FarmStoreError:
            storeError
        case let databaseError as DatabaseError:
            .database(operation: operation, code: databaseError.extendedResultCode.rawValue,
                      message: databaseError.message ?? databaseError.description)
        default:
            .database(operation: operation, code: -1, message: "\(error)")
        }
    }
}
