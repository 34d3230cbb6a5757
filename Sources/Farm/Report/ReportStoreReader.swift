import Foundation
import GRDB

/// A store file opened read-only, for `customnet report` beside a running coordinator.
///
/// `FarmStore(path:now:)` is the coordinator's restart procedure (it migrates, bumps the epoch and
/// gives leased tasks a grace deadline); this reader changes nothing. It reads only a store of the
/// schema version this build writes: anything else is `FarmStoreError.unsupportedSchema`.
public struct ReportStoreReader: Sendable {
    /// The database file.
    public let path: String
    private let queue: DatabaseQueue

    /// Opens the store at `path` read-only and checks its schema version.
    public init(path: String) throws(FarmStoreError) {
        var configuration = Configuration()
        configuration.readonly = true
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            let found = try queue.read { db -> Int in
                guard try db.tableExists("meta") else { return 0 }
                return try Int(FarmStore.metaInteger(FarmStoreSchema.MetaKey.schemaVersion, in: db))
            }
            guard found == FarmStoreSchema.version else {
                throw FarmStoreError.unsupportedSchema(path: path, found: found, supported: FarmStoreSchema.version)
            }
        } catch {
            throw .translating(error, during: "open \(path) for reading")
        }
        self.path = path
    }

    /// Every job in the store, highest priority first, then oldest.
    public func jobIDs() throws(FarmStoreError) -> [String] {
        try read("list jobs") { db in
            try String.fetchAll(db, sql: "SELECT job_id FROM jobs ORDER BY priority DESC, created_at, job_id")
        }
    }

    /// The same snapshot as `FarmStore.reportSnapshot(job:)`.
    public func snapshot(job jobID: String) throws(FarmStoreError) -> JobReportData {
        try read("report of \(jobID)") { db in try FarmStore.reportRows(job: jobID, in: db) }.parsingSpec()
    }

    private func read<Result>(_ operation: String, _ body: (Database) throws -> Result) throws(FarmStoreError) -> Result {
        do {
            return try queue.read(body)
        } catch {
            throw .translating(error, during: operation)
        }
    }
}
