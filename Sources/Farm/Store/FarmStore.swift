import Foundation
import GRDB

/// The coordinator's single source of truth: jobs, tasks and their leases, workers, the per-job
/// blocklist and an append-only event log, in one SQLite file (farm-notes §2.8).
///
/// The file is opened through a GRDB `DatabasePool` (WAL, `synchronous = NORMAL`: a crash loses at
/// most the last few commits, whose tasks simply render again). Every operation is one transaction
/// and takes the current time as a parameter, so callers (and tests) own the clock. Reports carrying a
/// lease id are fenced: only the task's current lease may change its state, with one exception,
/// "first valid result wins" (`commit`).
///
/// Opening the file is also the restart procedure: the epoch is bumped, and tasks still leased get a
/// grace deadline so reconnecting workers can re-adopt them before `expireLeases` requeues them.
public final class FarmStore: Sendable {
    /// Failures of one worker on one job after which the worker gets no more of that job's tasks.
    public static let blocklistThreshold = 3
    /// The largest share of the known workers one job may blocklist (at least one worker).
    public static let blocklistShare = 0.25

    /// The database file.
    public let path: String
    /// This opening's epoch: one more than the previous opening's.
    public let epoch: Int64

    private let pool: DatabasePool
    private let leaseIDs: LeaseIDAllocator

    /// Opens (creating and migrating if needed) the store at `path`, bumps the epoch, and gives every
    /// leased task at least `leaseGrace` seconds from `now` before it can expire. Lease ids are
    /// reserved `leaseIDBlockSize` at a time.
    public init(path: String, now: Date, leaseGrace: TimeInterval = 90, leaseIDBlockSize: Int64 = 1024) throws(FarmStoreError) {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw .translating(error, during: "open \(path)")
        }
        do {
            if try pool.read({ db in try FarmStoreSchema.migrator.hasBeenSuperseded(db) }) {
                let found = (try? pool.read { db in try Self.metaInteger(FarmStoreSchema.MetaKey.schemaVersion, in: db) }) ?? -1
                throw FarmStoreError.unsupportedSchema(path: path, found: Int(found), supported: FarmStoreSchema.version)
            }
            try FarmStoreSchema.migrator.migrate(pool)
        } catch {
            throw .translating(error, during: "open \(path)")
        }
        let found: Int64
        do {
            found = try pool.read { db in try Self.metaInteger(FarmStoreSchema.MetaKey.schemaVersion, in: db) }
        } catch {
            throw .translating(error, during: "open \(path)")
        }
        guard found == FarmStoreSchema.version else {
            throw .unsupportedSchema(path: path, found: Int(found), supported: FarmStoreSchema.version)
        }
        self.path = path
        self.pool = pool
        self.leaseIDs = LeaseIDAllocator(blockSize: leaseIDBlockSize)
        let graceDeadline = (now + leaseGrace).timeIntervalSince1970
        epoch = try Self.write(pool, leaseIDs, "reopen \(path)") { db in
            let epoch = try Self.metaInteger(FarmStoreSchema.MetaKey.epoch, in: db) + 1
            try Self.setMeta(FarmStoreSchema.MetaKey.epoch, to: String(epoch), in: db)
            try db.execute(sql: """
                UPDATE tasks SET deadline = MAX(COALESCE(deadline, 0), ?), updated_at = ? WHERE state = 'leased'
                """, arguments: [graceDeadline, now.timeIntervalSince1970])
            let graced = db.changesCount
            try Self.record(in: db, at: now, "opened", detail: "epoch \(epoch), \(graced) leases given a grace deadline")
            return epoch
        }
    }

    // MARK: - Jobs

    /// Adds `plan`'s job and tasks, or, for a job already held (same spec name), only the tasks it does
    /// not hold yet: existing tasks keep their state, leases and results. The job's spec text, path,
    /// priority and retries are replaced by the submitted ones; a `done` job that gains tasks is active again.
    public func submit(plan: JobPlan, specYAML: String, specPath: String? = nil, now: Date) throws(FarmStoreError) -> SubmitSummary {
        let jobID = plan.spec.name
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var encodedTasks: [(task: TaskSpec, params: String)] = []
        encodedTasks.reserveCapacity(plan.tasks.count)
        for task in plan.tasks {
            do {
                encodedTasks.append((task, String(decoding: try encoder.encode(task), as: UTF8.self)))
            } catch {
                throw .corruptTask(taskID: task.id, reason: "\(error)")
            }
        }
        let time = now.timeIntervalSince1970
        return try write("submit \(jobID)") { db in
            if try Self.jobState(jobID, in: db) != nil {
                try db.execute(sql: """
                    UPDATE jobs SET spec_yaml = ?, spec_path = ?, priority = ?, retries = ?, model_digest = ?, output = ? WHERE job_id = ?
                    """, arguments: [specYAML, specPath, plan.spec.priority, plan.spec.retries, plan.modelDigest, plan.spec.output, jobID])
            } else {
                try db.execute(sql: """
                    INSERT INTO jobs (job_id, spec_yaml, spec_path, priority, retries, state, created_at, model_digest, output)
                    VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?)
                    """, arguments: [jobID, specYAML, specPath, plan.spec.priority, plan.spec.retries, time, plan.modelDigest,
                                     plan.spec.output])
            }
            var ordinal = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(ordinal), -1) + 1 FROM tasks WHERE job_id = ?",
                                           arguments: [jobID]) ?? 0
            let owner = try db.cachedStatement(sql: "SELECT job_id FROM tasks WHERE task_id = ?")
            let insert = try db.cachedStatement(sql: """
                INSERT INTO tasks (task_id, job_id, ordinal, name, params, state, updated_at, object_key, prompt)
                VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)
                """)
            var summary = SubmitSummary(jobID: jobID, newTasks: 0, existingTasks: 0, heldByOtherJobs: 0)
            for (task, params) in encodedTasks {
                if let holder = try String.fetchOne(owner, arguments: [task.id]) {
                    if holder == jobID { summary.existingTasks += 1 } else { summary.heldByOtherJobs += 1 }
                    continue
                }
                try insert.execute(arguments: [task.id, jobID, ordinal, task.name, params, time, task.objectKey, task.prompt])
                ordinal += 1
                summary.newTasks += 1
            }
            if summary.newTasks > 0 {
                try db.execute(sql: "UPDATE jobs SET state = 'active' WHERE job_id = ? AND state = 'done'", arguments: [jobID])
            }
            try Self.record(in: db, at: now, "submitted", job: jobID,
                            detail: "\(summary.newTasks) new, \(summary.existingTasks) existing, \(summary.heldByOtherJobs) held by other jobs")
            return summary
        }
    }

    /// Stops handing out the job's tasks and takes back its leases (no failure charged).
    /// Returns the leases to cancel. Pausing a paused job does nothing; a cancelled or done job cannot be paused.
    public func pause(job jobID: String, now: Date) throws(FarmStoreError) -> [RevokedLease] {
        try write("pause \(jobID)") { db in
            try Self.transition(jobID, to: .paused, from: [.active, .paused], operation: "pause", in: db, now: now)
            return try Self.revokeLeases(ofJob: jobID, reason: "paused", in: db, now: now)
        }
    }

    /// Hands out the job's tasks again. Resuming an active job does nothing; a cancelled or done job cannot be resumed.
    public func resume(job jobID: String, now: Date) throws(FarmStoreError) {
        try write("resume \(jobID)") { db in
            try Self.transition(jobID, to: .active, from: [.active, .paused], operation: "resume", in: db, now: now)
        }
    }

    /// Ends the job: no more leases, later results are ignored. Returns the leases to cancel.
    /// Cancelling a cancelled job does nothing; a done job cannot be cancelled.
    public func cancel(job jobID: String, now: Date) throws(FarmStoreError) -> [RevokedLease] {
        try write("cancel \(jobID)") { db in
            try Self.transition(jobID, to: .cancelled, from: [.active, .paused, .cancelled], operation: "cancel", in: db, now: now)
            return try Self.revokeLeases(ofJob: jobID, reason: "cancelled", in: db, now: now)
        }
    }

    /// Puts the job's failed tasks back to pending with their failure counts cleared; returns how many.
    /// A `done` job that gets tasks back is active again.
    public func requeueFailed(job jobID: String, now: Date) throws(FarmStoreError) -> Int {
        try write("requeue failed tasks of \(jobID)") { db in
            guard try Self.jobState(jobID, in: db) != nil else { throw FarmStoreError.jobUnknown(jobID: jobID) }
            try db.execute(sql: """
                UPDATE tasks SET state = 'pending', failures = 0, updated_at = ? WHERE job_id = ? AND state = 'failed'
                """, arguments: [now.timeIntervalSince1970, jobID])
            let requeued = db.changesCount
            if requeued > 0 {
                try db.execute(sql: "UPDATE jobs SET state = 'active' WHERE job_id = ? AND state = 'done'", arguments: [jobID])
            }
            try Self.record(in: db, at: now, "requeued-failed", job: jobID, detail: "\(requeued) tasks")
            return requeued
        }
    }

    // MARK: - Leases and reports

    /// Leases the next task for `workerID`: a pending task of the highest-priority active job (older
    /// jobs first on equal priority), limited to `jobFilter` when given and to jobs made for
    /// `modelDigest` when given, skipping jobs that have blocklisted the worker. Within the job, tasks
    /// whose object and prompt the worker has already encoded (`affinity`) come first, then the oldest.
    /// Nil when there is nothing to do. Also records the worker as seen.
    public func leaseNext(worker workerID: String, modelDigest: String? = nil, jobFilter: String? = nil,
                          affinity: WorkerAffinity = WorkerAffinity(), deadline: Date, now: Date) throws(FarmStoreError) -> LeaseGrant? {
        try write("lease a task for \(workerID)") { db in
            if let jobFilter, try Self.jobState(jobFilter, in: db) == nil { throw FarmStoreError.jobUnknown(jobID: jobFilter) }
            try db.execute(sql: """
                INSERT INTO workers (worker_id, last_seen, state) VALUES (?, ?, 'active')
                ON CONFLICT (worker_id) DO UPDATE SET last_seen = excluded.last_seen
                """, arguments: [workerID, now.timeIntervalSince1970])
            guard let jobID = try String.fetchOne(db, sql: """
                SELECT j.job_id FROM jobs j
                WHERE j.state = 'active' AND (?1 IS NULL OR j.job_id = ?1) AND (?4 IS NULL OR j.model_digest = ?4)
                  AND EXISTS (SELECT 1 FROM tasks t WHERE t.job_id = j.job_id AND t.state = 'pending')
                  AND NOT EXISTS (SELECT 1 FROM blocklist b WHERE b.job_id = j.job_id AND b.worker_id = ?2 AND b.failures >= ?3)
                ORDER BY j.priority DESC, j.created_at, j.job_id
                LIMIT 1
                """, arguments: [jobFilter, workerID, Self.blocklistThreshold, modelDigest]) else { return nil }
            guard let row = try Row.fetchOne(db, sql: """
                SELECT t.task_id, t.job_id, t.params, t.attempt FROM tasks t
                WHERE t.job_id = ? AND t.state = 'pending'
                ORDER BY (t.object_key IN (SELECT value FROM json_each(?))) + (t.prompt IN (SELECT value FROM json_each(?))) DESC,
                         t.ordinal
                LIMIT 1
                """, arguments: [jobID, affinity.objectKeysJSON, affinity.promptsJSON]) else { return nil }
            let taskID: String = row["task_id"]
            let task: TaskSpec
            do {
                task = try JSONDecoder().decode(TaskSpec.self, from: Data((row["params"] as String).utf8))
            } catch {
                throw FarmStoreError.corruptTask(taskID: taskID, reason: "\(error)")
            }
            let leaseID = try leaseIDs.allocate(in: db)
            let attempt = (row["attempt"] as Int) + 1
            try db.execute(sql: """
                UPDATE tasks SET state = 'leased', attempt = ?, lease_id = ?, worker_id = ?, deadline = ?, updated_at = ?
                WHERE task_id = ?
                """, arguments: [attempt, leaseID, workerID, deadline.timeIntervalSince1970, now.timeIntervalSince1970, taskID])
            let grant = LeaseGrant(jobID: row["job_id"], taskID: taskID, leaseID: leaseID, attempt: attempt, deadline: deadline, task: task)
            try Self.record(in: db, at: now, "leased", job: grant.jobID, task: taskID, worker: workerID,
                            detail: "lease \(leaseID), attempt \(attempt)")
            return grant
        }
    }

    /// Records a `RESULT`: the first valid result wins. A result from the task's current lease, or from
    /// a lease it superseded, commits if the task has no result yet (a newer lease it makes pointless
    /// comes back in `supersededLease`); otherwise it is a duplicate. Results for a cancelled job are
    /// ignored. Throws `leaseLost` for a lease id the task never had. A committed result's `details`
    /// (where the image is, its scores and timings) go to the `results` table.
    public func commit(taskID: String, leaseID: Int64, sha256: String, size: Int64, details: ResultDetails? = nil,
                       now: Date) throws(FarmStoreError) -> CommitOutcome {
        try write("commit \(taskID)") { db in
            let task = try Self.storedTask(taskID, in: db)
            try task.requireIssued(leaseID)
            if task.state == .committed {
                try Self.record(in: db, at: now, "duplicate", job: task.jobID, task: taskID, detail: "lease \(leaseID)")
                return CommitOutcome(disposition: .duplicate, supersededLease: nil)
            }
            if try Self.jobState(task.jobID, in: db) == .cancelled {
                try Self.record(in: db, at: now, "stale-ignored", job: task.jobID, task: taskID, detail: "result of lease \(leaseID), job cancelled")
                return CommitOutcome(disposition: .staleIgnored, supersededLease: nil)
            }
            var superseded: RevokedLease?
            if task.state == .leased, let current = task.leaseID, current != leaseID, let holder = task.workerID {
                superseded = RevokedLease(taskID: taskID, leaseID: current, workerID: holder)
            }
            try db.execute(sql: """
                UPDATE tasks SET state = 'committed', result_sha256 = ?, result_size = ?, committed_lease = ?, worker_id = NULL,
                                 deadline = NULL, updated_at = ?
                WHERE task_id = ? AND state != 'committed'
                """, arguments: [sha256, size, leaseID, now.timeIntervalSince1970, taskID])
            guard db.changesCount == 1 else { return CommitOutcome(disposition: .duplicate, supersededLease: nil) }
            if let details {
                try db.execute(sql: """
                    INSERT INTO results (task_id, job_id, lease_id, worker_id, image_path, sha256, size, dino_i, clip_i, clip_t,
                                         render_seconds, encode_seconds, committed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [taskID, task.jobID, leaseID, details.workerID, details.imagePath, sha256, size, details.dinoI,
                                     details.clipI, details.clipT, details.renderSeconds, details.encodeSeconds,
                                     now.timeIntervalSince1970])
            }
            try Self.record(in: db, at: now, "committed", job: task.jobID, task: taskID, detail: "lease \(leaseID), \(size) bytes, sha256 \(sha256)")
            try Self.markDoneIfFinished(task.jobID, in: db, now: now)
            return CommitOutcome(disposition: .committed, supersededLease: superseded)
        }
    }

    /// Records a `FAIL` from the task's current lease (reports from any other lease change nothing):
    /// charges the task or the (job, worker) pair as `failureClass` says, and requeues or fails the task.
    /// A task fails for good when its failures exceed the job's `retries`. Throws `leaseLost` for a lease
    /// id the task never had.
    /// `message` is the worker's one-line reason, kept in the event log for the report.
    public func fail(taskID: String, leaseID: Int64, failureClass: FailureClass, message: String = "",
                     now: Date) throws(FarmStoreError) -> FailureOutcome {
        try write("fail \(taskID)") { db in
            let task = try Self.storedTask(taskID, in: db)
            try task.requireIssued(leaseID)
            guard task.state == .leased, task.leaseID == leaseID, let workerID = task.workerID else {
                try Self.record(in: db, at: now, "stale-ignored", job: task.jobID, task: taskID, detail: "failure of lease \(leaseID)")
                return FailureOutcome(disposition: .staleIgnored, workerBlocklisted: false)
            }
            let retries = try Int.fetchOne(db, sql: "SELECT retries FROM jobs WHERE job_id = ?", arguments: [task.jobID]) ?? 0
            var failures = task.failures
            var workerFailures = 0
            switch failureClass {
            case .transient:
                break
            case .task, .permanent:
                failures += 1
            case .worker:
                try db.execute(sql: """
                    INSERT INTO blocklist (job_id, worker_id, failures, since) VALUES (?, ?, 1, ?)
                    ON CONFLICT (job_id, worker_id) DO UPDATE SET failures = failures + 1
                    """, arguments: [task.jobID, workerID, now.timeIntervalSince1970])
                workerFailures = try Int.fetchOne(db, sql: "SELECT failures FROM blocklist WHERE job_id = ? AND worker_id = ?",
                                                  arguments: [task.jobID, workerID]) ?? 0
                if workerFailures == Self.blocklistThreshold, try Self.blocklistIsFull(task.jobID, candidate: workerID, in: db) {
                    // Too many workers failing one job says more about the job than the workers: keep this one.
                    try db.execute(sql: "UPDATE blocklist SET failures = failures - 1 WHERE job_id = ? AND worker_id = ?",
                                   arguments: [task.jobID, workerID])
                    workerFailures -= 1
                    try Self.record(in: db, at: now, "blocklist-cap", job: task.jobID, worker: workerID,
                                    detail: "not blocklisted: the job already blocklists its share of the workers")
                }
            }
            let failedForGood = failureClass == .permanent || failures > retries
            let disposition: FailureDisposition = failedForGood ? .failed : .requeued
            try db.execute(sql: """
                UPDATE tasks SET state = ?, failures = ?, worker_id = NULL, deadline = NULL, updated_at = ? WHERE task_id = ?
                """, arguments: [failedForGood ? TaskState.failed.rawValue : TaskState.pending.rawValue, failures,
                                 now.timeIntervalSince1970, taskID])
            let blocklisted = workerFailures >= Self.blocklistThreshold
            try Self.record(in: db, at: now, "failed-\(failureClass.rawValue)", job: task.jobID, task: taskID, worker: workerID,
                            detail: "lease \(leaseID): \(disposition.rawValue), task failures \(failures)"
                                + (blocklisted ? ", worker blocklisted" : "") + (message.isEmpty ? "" : ": \(message)"))
            if failedForGood { try Self.markDoneIfFinished(task.jobID, in: db, now: now) }
            return FailureOutcome(disposition: disposition, workerBlocklisted: blocklisted)
        }
    }

    /// Requeues every lease whose deadline is before `now`, charging no failure (the worker may be
    /// lost rather than the task broken); returns the leases to cancel.
    public func expireLeases(now: Date) throws(FarmStoreError) -> [RevokedLease] {
        try write("expire leases") { db in
            let expired = try Row.fetchAll(db, sql: """
                SELECT task_id, job_id, lease_id, worker_id FROM tasks WHERE state = 'leased' AND deadline < ? ORDER BY deadline
                """, arguments: [now.timeIntervalSince1970])
            var revoked: [RevokedLease] = []
            for row in expired {
                let lease = RevokedLease(taskID: row["task_id"], leaseID: row["lease_id"], workerID: row["worker_id"])
                try db.execute(sql: "UPDATE tasks SET state = 'pending', worker_id = NULL, deadline = NULL, updated_at = ? WHERE task_id = ?",
                               arguments: [now.timeIntervalSince1970, lease.taskID])
                try Self.record(in: db, at: now, "lease-expired", job: row["job_id"], task: lease.taskID, worker: lease.workerID,
                                detail: "lease \(lease.leaseID)")
                revoked.append(lease)
            }
            return revoked
        }
    }

    // MARK: - Queries

    /// The job's state and its tasks counted by state.
    public func status(job jobID: String) throws(FarmStoreError) -> JobStatus {
        try read("status of \(jobID)") { db in
            guard let job = try Row.fetchOne(db, sql: "SELECT state, priority FROM jobs WHERE job_id = ?", arguments: [jobID]) else {
                throw FarmStoreError.jobUnknown(jobID: jobID)
            }
            var status = JobStatus(jobID: jobID, state: JobState(rawValue: job["state"]) ?? .active, priority: job["priority"],
                                   pending: 0, leased: 0, committed: 0, failed: 0, total: 0)
            status.total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tasks WHERE job_id = ?", arguments: [jobID]) ?? 0
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM tasks WHERE job_id = ? GROUP BY state", arguments: [jobID]) {
                let count: Int = row["n"]
                switch TaskState(rawValue: row["state"]) {
                case .pending: status.pending = count
                case .leased: status.leased = count
                case .committed: status.committed = count
                case .failed: status.failed = count
                case nil: break
                }
            }
            return status
        }
    }

    /// The ledger invariants that do not hold, one line each; empty when the ledger is consistent.
    ///
    /// Checked: per job `pending + leased + committed + failed = total`; leased tasks have a lease,
    /// worker and deadline; committed tasks have a result from a lease they were given
    /// (`attempt ≥ 1`, `committed_lease ≤ lease_id`); no lease id above the persisted high-water mark.
    public func invariantViolations() throws(FarmStoreError) -> [String] {
        try read("check invariants") { db in
            var violations: [String] = []
            for row in try Row.fetchAll(db, sql: """
                SELECT job_id, COUNT(*) AS total,
                       SUM(state = 'pending') + SUM(state = 'leased') + SUM(state = 'committed') + SUM(state = 'failed') AS counted
                FROM tasks GROUP BY job_id
                """) where (row["total"] as Int) != (row["counted"] as Int) {
                violations.append("job \(row["job_id"] as String): pending+leased+committed+failed = \(row["counted"] as Int), total \(row["total"] as Int)")
            }
            for taskID in try String.fetchAll(db, sql: """
                SELECT task_id FROM tasks WHERE state = 'leased' AND (lease_id IS NULL OR worker_id IS NULL OR deadline IS NULL)
                """) {
                violations.append("task \(taskID): leased without a lease id, worker or deadline")
            }
            for taskID in try String.fetchAll(db, sql: """
                SELECT task_id FROM tasks WHERE state = 'committed'
                  AND (result_sha256 IS NULL OR committed_lease IS NULL OR committed_lease > lease_id OR attempt < 1)
                """) {
                violations.append("task \(taskID): committed without a result from one of its leases")
            }
            let highWaterMark = try Self.metaInteger(FarmStoreSchema.MetaKey.leaseIDHighWaterMark, in: db)
            let largestLease = try Int64.fetchOne(db, sql: "SELECT MAX(lease_id) FROM tasks") ?? 0
            if largestLease > highWaterMark {
                violations.append("lease id \(largestLease) is above the high-water mark \(highWaterMark)")
            }
            return violations
        }
    }

    // MARK: - Transactions

    func write<Result>(_ operation: String, _ body: (Database) throws -> Result) throws(FarmStoreError) -> Result {
        try Self.write(pool, leaseIDs, operation, body)
    }

    /// Runs `body` in one write transaction; a failed transaction also drops the lease-id block it may have reserved.
    private static func write<Result>(_ pool: DatabasePool, _ leaseIDs: LeaseIDAllocator, _ operation: String,
                                      _ body: (Database) throws -> Result) throws(FarmStoreError) -> Result {
        do {
            return try pool.write(body)
        } catch {
            leaseIDs.forgetReservation()
            throw .translating(error, during: operation)
        }
    }

    func read<Result>(_ operation: String, _ body: (Database) throws -> Result) throws(FarmStoreError) -> Result {
        do {
            return try pool.read(body)
        } catch {
            throw .translating(error, during: operation)
        }
    }

    // MARK: - Helpers inside a transaction

    /// The columns of a task that the lease rules look at.
    struct StoredTask {
        var taskID: String
        var jobID: String
        var state: TaskState
        var leaseID: Int64?
        var workerID: String?
        var failures: Int

        /// Throws `leaseLost` unless `leaseID` is one the task was given (its current lease or an earlier one).
        func requireIssued(_ leaseID: Int64) throws {
            guard let current = self.leaseID, leaseID >= 1, leaseID <= current else {
                throw FarmStoreError.leaseLost(taskID: taskID, leaseID: leaseID, currentLeaseID: self.leaseID)
            }
        }
    }

    static func storedTask(_ taskID: String, in db: Database) throws -> StoredTask {
        guard let row = try Row.fetchOne(db, sql: "SELECT job_id, state, lease_id, worker_id, failures FROM tasks WHERE task_id = ?",
                                         arguments: [taskID]) else {
            throw FarmStoreError.taskNotFound(taskID: taskID)
        }
        guard let state = TaskState(rawValue: row["state"]) else {
            throw FarmStoreError.corruptTask(taskID: taskID, reason: "unknown state \(row["state"] as String)")
        }
        return StoredTask(taskID: taskID, jobID: row["job_id"], state: state, leaseID: row["lease_id"], workerID: row["worker_id"],
                          failures: row["failures"])
    }

    static func jobState(_ jobID: String, in db: Database) throws -> JobState? {
        try String.fetchOne(db, sql: "SELECT state FROM jobs WHERE job_id = ?", arguments: [jobID]).flatMap(JobState.init(rawValue:))
    }

    /// Moves the job to `target`, refusing unless it is in one of `allowed`.
    private static func transition(_ jobID: String, to target: JobState, from allowed: Set<JobState>, operation: String,
                                   in db: Database, now: Date) throws {
        guard let state = try jobState(jobID, in: db) else { throw FarmStoreError.jobUnknown(jobID: jobID) }
        guard allowed.contains(state) else { throw FarmStoreError.jobStateConflict(jobID: jobID, state: state, operation: operation) }
        guard state != target else { return }
        try db.execute(sql: "UPDATE jobs SET state = ? WHERE job_id = ?", arguments: [target.rawValue, jobID])
        try record(in: db, at: now, "job-\(target.rawValue)", job: jobID, detail: "was \(state.rawValue)")
    }

    /// Puts the job's leased tasks back to pending without a charge and returns their leases.
    private static func revokeLeases(ofJob jobID: String, reason: String, in db: Database, now: Date) throws -> [RevokedLease] {
        let leases = try Row.fetchAll(db, sql: "SELECT task_id, lease_id, worker_id FROM tasks WHERE job_id = ? AND state = 'leased'",
                                      arguments: [jobID]).map {
            RevokedLease(taskID: $0["task_id"], leaseID: $0["lease_id"], workerID: $0["worker_id"])
        }
        try db.execute(sql: """
            UPDATE tasks SET state = 'pending', worker_id = NULL, deadline = NULL, updated_at = ? WHERE job_id = ? AND state = 'leased'
            """, arguments: [now.timeIntervalSince1970, jobID])
        for lease in leases {
            try record(in: db, at: now, "lease-revoked", job: jobID, task: lease.taskID, worker: lease.workerID,
                       detail: "lease \(lease.leaseID): job \(reason)")
        }
        return leases
    }

    /// Marks an active or paused job `done` once none of its tasks is pending or leased.
    static func markDoneIfFinished(_ jobID: String, in db: Database, now: Date) throws {
        let unfinished = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tasks WHERE job_id = ? AND state IN ('pending', 'leased')",
                                          arguments: [jobID]) ?? 0
        guard unfinished == 0 else { return }
        try db.execute(sql: "UPDATE jobs SET state = 'done' WHERE job_id = ? AND state IN ('active', 'paused')", arguments: [jobID])
        if db.changesCount > 0 { try record(in: db, at: now, "job-done", job: jobID) }
    }

    /// Appends one line to the event log.
    static func record(in db: Database, at time: Date, _ kind: String, job: String? = nil, task: String? = nil,
                               worker: String? = nil, detail: String? = nil) throws {
        try db.execute(sql: "INSERT INTO events (time, kind, job_id, task_id, worker_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [time.timeIntervalSince1970, kind, job, task, worker, detail])
    }

    /// A `meta` value read as an integer (0 when absent).
    static func metaInteger(_ key: String, in db: Database) throws -> Int64 {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]).flatMap { Int64($0) } ?? 0
    }

    static func setMeta(_ key: String, to value: String, in db: Database) throws {
        try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                       arguments: [key, value])
    }
}
