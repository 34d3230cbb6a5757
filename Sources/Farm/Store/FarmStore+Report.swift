import Foundation
import GRDB

extension FarmStore {
    /// Everything the job's report needs, read in one transaction: the job row and its parsed spec,
    /// every task with its parameters, state, attempts, failures, result and failure events, the
    /// first lease and first/last commit times, and the workers that worked on it.
    ///
    /// A spec that no longer parses (an object image moved away, say) does not stop the report:
    /// `spec` is nil, `specProblem` says why, and the tasks' own parameters carry the grid.
    public func reportSnapshot(job jobID: String) throws(FarmStoreError) -> JobReportData {
        let stored = try read("report of \(jobID)") { db in try Self.reportRows(job: jobID, in: db) }
        return stored.parsingSpec()
    }

    /// The job's rows for a report; the spec is parsed afterwards, outside the transaction.
    static func reportRows(job jobID: String, in db: Database) throws -> JobReportData {
        guard let job = try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE job_id = ?", arguments: [jobID]) else {
            throw FarmStoreError.jobUnknown(jobID: jobID)
        }
        var events: [String: [TaskEvent]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT task_id, time, kind, worker_id, detail FROM events
            WHERE job_id = ? AND task_id IS NOT NULL AND (kind LIKE 'failed-%' OR kind = 'lease-expired')
            ORDER BY seq
            """, arguments: [jobID]) {
            events[row["task_id"], default: []].append(TaskEvent(time: Date(timeIntervalSince1970: row["time"]), kind: row["kind"],
                                                                 workerID: row["worker_id"], detail: row["detail"] ?? ""))
        }
        let decoder = JSONDecoder()
        var tasks: [ReportTask] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT t.task_id, t.name, t.params, t.state, t.attempt, t.failures, t.worker_id,
                   r.lease_id, r.worker_id AS result_worker, r.image_path, r.sha256, r.size, r.dino_i, r.clip_i, r.clip_t,
                   r.render_seconds, r.encode_seconds, r.committed_at
            FROM tasks t LEFT JOIN results r ON r.task_id = t.task_id
            WHERE t.job_id = ? ORDER BY t.ordinal
            """, arguments: [jobID]) {
            let taskID: String = row["task_id"]
            let spec: TaskSpec
            do {
                spec = try decoder.decode(TaskSpec.self, from: Data((row["params"] as String).utf8))
            } catch {
                throw FarmStoreError.corruptTask(taskID: taskID, reason: "\(error)")
            }
            guard let state = TaskState(rawValue: row["state"]) else {
                throw FarmStoreError.corruptTask(taskID: taskID, reason: "unknown state \(row["state"] as String)")
            }
            var result: CommittedResult?
            if let imagePath: String = row["image_path"] {
                result = CommittedResult(
                    leaseID: row["lease_id"], sha256: row["sha256"], size: row["size"], committedAt: Date(timeIntervalSince1970: row["committed_at"]),
                    details: ResultDetails(workerID: row["result_worker"], imagePath: imagePath, dinoI: row["dino_i"], clipI: row["clip_i"],
                                           clipT: row["clip_t"], renderSeconds: row["render_seconds"], encodeSeconds: row["encode_seconds"]))
            }
            tasks.append(ReportTask(taskID: taskID, name: row["name"], spec: spec, state: state, attempts: row["attempt"],
                                    failures: row["failures"], workerID: state == .leased ? row["worker_id"] : nil, result: result,
                                    events: events[taskID] ?? []))
        }
        let firstLease = try Double.fetchOne(db, sql: "SELECT MIN(time) FROM events WHERE job_id = ? AND kind = 'leased'", arguments: [jobID])
        let commits = try Row.fetchOne(db, sql: "SELECT MIN(committed_at) AS first, MAX(committed_at) AS last FROM results WHERE job_id = ?",
                                       arguments: [jobID])
        let workers = try Row.fetchAll(db, sql: """
            SELECT worker_id, SUM(image) AS images, SUM(failure) AS failures FROM (
                SELECT worker_id, 1 AS image, 0 AS failure FROM results WHERE job_id = ?1
                UNION ALL
                SELECT worker_id, 0, 1 FROM events WHERE job_id = ?1 AND kind LIKE 'failed-%' AND worker_id IS NOT NULL)
            GROUP BY worker_id ORDER BY images DESC, worker_id
            """, arguments: [jobID]).map { WorkerContribution(workerID: $0["worker_id"], images: $0["images"], failures: $0["failures"]) }
        return JobReportData(
            jobID: jobID, state: JobState(rawValue: job["state"]) ?? .active, specYAML: job["spec_yaml"], specPath: job["spec_path"],
            priority: job["priority"], retries: job["retries"], createdAt: Date(timeIntervalSince1970: job["created_at"]),
            modelDigest: job["model_digest"], output: job["output"], spec: nil, specProblem: nil, tasks: tasks,
            firstLeaseAt: firstLease.map(Date.init(timeIntervalSince1970:)),
            firstCommitAt: (commits?["first"] as Double?).map(Date.init(timeIntervalSince1970:)),
            lastCommitAt: (commits?["last"] as Double?).map(Date.init(timeIntervalSince1970:)), workers: workers)
    }
}

extension JobReportData {
    /// This snapshot with `spec` parsed from `specYAML` (model files not required), or `specProblem` set.
    func parsingSpec() -> JobReportData {
        var parsed = self
        do {
            parsed.spec = try JobSpecFile.parse(yaml: specYAML, path: specPath ?? "<spec stored with job \(jobID)>", checkModelFiles: false).spec
        } catch {
            let shown = error.errors.prefix(3).map(\.description)
            parsed.specProblem = shown.joined(separator: "; ") + (error.errors.count > shown.count ? "; … (\(error.errors.count) problems)" : "")
        }
        return parsed
    }
}
