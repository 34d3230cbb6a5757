import Foundation
import GRDB

/// Where a committed image went and what the worker measured: the `results` row of a task.
public struct ResultDetails: Codable, Sendable, Equatable {
    public var workerID: String
    /// The image, relative to the job's output folder (`images/<task name>.png`).
    public var imagePath: String
    public var dinoI: Double?
    public var clipI: Double?
    public var clipT: Double?
    public var renderSeconds: Double
    public var encodeSeconds: Double

    public init(workerID: String, imagePath: String, dinoI: Double? = nil, clipI: Double? = nil, clipT: Double? = nil,
                renderSeconds: Double, encodeSeconds: Double) {
        self.workerID = workerID
        self.imagePath = imagePath
        self.dinoI = dinoI
        self.clipI = clipI
        self.clipT = clipT
        self.renderSeconds = renderSeconds
        self.encodeSeconds = encodeSeconds
    }
}

/// What a worker has already encoded, so dispatch can send it tasks that reuse its caches.
public struct WorkerAffinity: Sendable, Equatable {
    /// `TaskSpec.objectKey`s of objects whose conditioning the worker holds.
    public var objectKeys: Set<String>
    /// Prompts whose text embedding the worker holds.
    public var prompts: Set<String>

    public init(objectKeys: Set<String> = [], prompts: Set<String> = []) {
        self.objectKeys = objectKeys
        self.prompts = prompts
    }

    /// Remembers `task`'s object and prompt, as the worker's caches will after rendering it.
    public mutating func remember(_ task: TaskSpec) {
        objectKeys.insert(task.objectKey)
        prompts.insert(task.prompt)
    }

    var objectKeysJSON: String { Self.jsonArray(objectKeys) }
    var promptsJSON: String { Self.jsonArray(prompts) }

    private static func jsonArray(_ values: Set<String>) -> String {
        (try? String(decoding: JSONEncoder().encode(values.sorted()), as: UTF8.self)) ?? "[]"
    }
}

extension TaskSpec {
    /// The object's conditioning identity: image digest and box (`full` for the whole frame).
    public var objectKey: String { "\(imageDigest) \(box.map { "\($0.x0),\($0.y0),\($0.x1),\($0.y1)" } ?? "full")" }
}

/// A worker as the store knows it.
public struct WorkerRecord: Sendable, Equatable {
    public var workerID: String
    public var hostname: String
    public var incarnation: String
    public var modelDigest: String
    public var slots: Int
    /// `active`, `draining`, `lost` or `gone` (said BYE).
    public var state: String
    public var firstSeen: Date
    public var lastSeen: Date
    /// Results committed from this worker, over all jobs.
    public var committed: Int
    /// Failures charged from this worker's leases (task and worker classes), over all jobs.
    public var failed: Int
}

/// A job's row with what a status display needs besides the counts.
public struct JobOverview: Sendable, Equatable {
    public var status: JobStatus
    public var output: String?
    public var specPath: String?
    public var modelDigest: String?
    public var createdAt: Date
    /// Results committed in the last `window` seconds of `jobOverviews(now:window:)`, and their mean render time.
    public var recentCommits: Int
    public var meanRenderSeconds: Double?
}

/// Whether a `RESULT` for a lease would be kept (`commit` would say `committed`), asked before the
/// image is written so that duplicates and stale results never touch the output tree.
public enum ResultVerdict: Sendable, Equatable {
    case wouldCommit
    case duplicate
    case staleIgnored
    case leaseLost
}

extension FarmStore {
    /// Records a worker's `HELLO`: a new incarnation replaces the old one's facts.
    public func registerWorker(_ workerID: String, incarnation: String, hostname: String, modelDigest: String, slots: Int,
                               now: Date) throws(FarmStoreError) {
        try write("register worker \(workerID)") { db in
            try db.execute(sql: """
                INSERT INTO workers (worker_id, incarnation, last_seen, state, hostname, model_digest, slots, first_seen)
                VALUES (?1, ?2, ?3, 'active', ?4, ?5, ?6, ?3)
                ON CONFLICT (worker_id) DO UPDATE SET incarnation = excluded.incarnation, last_seen = excluded.last_seen,
                    state = 'active', hostname = excluded.hostname, model_digest = excluded.model_digest, slots = excluded.slots,
                    first_seen = COALESCE(workers.first_seen, excluded.first_seen)
                """, arguments: [workerID, incarnation, now.timeIntervalSince1970, hostname, modelDigest, slots])
            try Self.record(in: db, at: now, "worker-hello", worker: workerID, detail: "incarnation \(incarnation) on \(hostname)")
        }
    }

    /// Sets a worker's state (`active`, `draining`, `lost`, `gone`) and last-seen time.
    public func markWorker(_ workerID: String, state: String, now: Date) throws(FarmStoreError) {
        try write("mark worker \(workerID) \(state)") { db in
            try db.execute(sql: "UPDATE workers SET state = ?, last_seen = MAX(last_seen, ?) WHERE worker_id = ?",
                           arguments: [state, now.timeIntervalSince1970, workerID])
            if db.changesCount > 0 { try Self.record(in: db, at: now, "worker-\(state)", worker: workerID) }
        }
    }

    /// Renews the leases a worker says it holds (a heartbeat, or a `HELLO` after reconnecting): those that
    /// are still the task's current lease held by `workerID` get `deadline`; the rest come back as revoked,
    /// for the worker to stop. Also records the worker as seen.
    public func renew(_ leases: [(taskID: String, leaseID: Int64)], worker workerID: String, deadline: Date,
                      now: Date) throws(FarmStoreError) -> (renewed: [(taskID: String, leaseID: Int64)], revoked: [(taskID: String, leaseID: Int64)]) {
        try write("renew leases of \(workerID)") { db in
            try db.execute(sql: "UPDATE workers SET last_seen = ? WHERE worker_id = ?", arguments: [now.timeIntervalSince1970, workerID])
            var renewed: [(taskID: String, leaseID: Int64)] = []
            var revoked: [(taskID: String, leaseID: Int64)] = []
            let update = try db.cachedStatement(sql: """
                UPDATE tasks SET deadline = MAX(deadline, ?), updated_at = ?
                WHERE task_id = ? AND state = 'leased' AND lease_id = ? AND worker_id = ?
                """)
            for lease in leases {
                try update.execute(arguments: [deadline.timeIntervalSince1970, now.timeIntervalSince1970, lease.taskID, lease.leaseID, workerID])
                if db.changesCount == 1 { renewed.append(lease) } else { revoked.append(lease) }
            }
            return (renewed, revoked)
        }
    }

    /// What `commit` would do with a result from `leaseID`, without changing anything.
    public func verdict(forResultOf taskID: String, leaseID: Int64) throws(FarmStoreError) -> ResultVerdict {
        try read("check result of \(taskID)") { db in
            let task: StoredTask
            do {
                task = try Self.storedTask(taskID, in: db)
                try task.requireIssued(leaseID)
            } catch FarmStoreError.taskNotFound, FarmStoreError.leaseLost {
                return .leaseLost
            }
            if task.state == .committed { return .duplicate }
            if try Self.jobState(task.jobID, in: db) == .cancelled { return .staleIgnored }
            return .wouldCommit
        }
    }

    /// The job's output folder, as its spec says (absolute).
    public func outputFolder(ofJob jobID: String) throws(FarmStoreError) -> String {
        try read("output folder of \(jobID)") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT output FROM jobs WHERE job_id = ?", arguments: [jobID]) else {
                throw FarmStoreError.jobUnknown(jobID: jobID)
            }
            return (row["output"] as String?) ?? ""
        }
    }

    /// The name (`<object>/<prompt-slug>/p…_a…_s…`) and parameters of a task.
    public func task(_ taskID: String) throws(FarmStoreError) -> (jobID: String, spec: TaskSpec) {
        try read("read task \(taskID)") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT job_id, params FROM tasks WHERE task_id = ?", arguments: [taskID]) else {
                throw FarmStoreError.taskNotFound(taskID: taskID)
            }
            do {
                return (row["job_id"], try JSONDecoder().decode(TaskSpec.self, from: Data((row["params"] as String).utf8)))
            } catch {
                throw FarmStoreError.corruptTask(taskID: taskID, reason: "\(error)")
            }
        }
    }

    /// Every job, highest priority first, with its counts and recent throughput.
    public func jobOverviews(now: Date, window: TimeInterval = 300) throws(FarmStoreError) -> [JobOverview] {
        let jobIDs = try read("list jobs") { db in
            try String.fetchAll(db, sql: "SELECT job_id FROM jobs ORDER BY priority DESC, created_at, job_id")
        }
        var overviews: [JobOverview] = []
        for jobID in jobIDs {
            let status = try status(job: jobID)
            let overview = try read("overview of \(jobID)") { db in
                let job = try Row.fetchOne(db, sql: "SELECT output, spec_path, model_digest, created_at FROM jobs WHERE job_id = ?",
                                           arguments: [jobID])
                let recent = try Row.fetchOne(db, sql: """
                    SELECT COUNT(*) AS n, AVG(render_seconds) AS mean FROM results WHERE job_id = ? AND committed_at >= ?
                    """, arguments: [jobID, (now - window).timeIntervalSince1970])
                return JobOverview(status: status, output: job?["output"], specPath: job?["spec_path"], modelDigest: job?["model_digest"],
                                   createdAt: Date(timeIntervalSince1970: job?["created_at"] ?? 0),
                                   recentCommits: recent?["n"] ?? 0, meanRenderSeconds: recent?["mean"])
            }
            overviews.append(overview)
        }
        return overviews
    }

    /// Every worker the store has seen, most recently seen first.
    public func workers() throws(FarmStoreError) -> [WorkerRecord] {
        try read("list workers") { db in
            try Row.fetchAll(db, sql: """
                SELECT w.*, (SELECT COUNT(*) FROM results r WHERE r.worker_id = w.worker_id) AS committed,
                       (SELECT COUNT(*) FROM events e WHERE e.worker_id = w.worker_id AND e.kind IN ('failed-task', 'failed-worker')) AS failed
                FROM workers w ORDER BY w.last_seen DESC, w.worker_id
                """).map { row in
                WorkerRecord(workerID: row["worker_id"], hostname: row["hostname"] ?? "?", incarnation: row["incarnation"] ?? "",
                             modelDigest: row["model_digest"] ?? "", slots: row["slots"] ?? 1, state: row["state"],
                             firstSeen: Date(timeIntervalSince1970: row["first_seen"] ?? row["last_seen"]),
                             lastSeen: Date(timeIntervalSince1970: row["last_seen"]), committed: row["committed"], failed: row["failed"])
            }
        }
    }

    /// Whether `jobID` already blocklists its share (`blocklistShare`) of the known workers, not
    /// counting `candidate` (the worker about to be blocklisted).
    static func blocklistIsFull(_ jobID: String, candidate: String, in db: Database) throws -> Bool {
        let known = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM workers") ?? 0
        let listed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM blocklist WHERE job_id = ? AND worker_id != ? AND failures >= ?",
                                      arguments: [jobID, candidate, blocklistThreshold]) ?? 0
        return listed >= max(1, Int(Double(known) * blocklistShare))
    }
}
