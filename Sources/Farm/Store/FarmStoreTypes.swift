import Foundation

/// A job's lifecycle in the store. Only `active` jobs hand out leases.
public enum JobState: String, Codable, Sendable, CaseIterable {
    case active, paused, cancelled, done
}

/// A task's lifecycle: `pending → leased → committed | failed`, or back to `pending` with the next lease.
public enum TaskState: String, Codable, Sendable, CaseIterable {
    case pending, leased, committed, failed
}

/// What went wrong in a worker's `FAIL` report, and so who is charged for it (farm-notes §2.8, "Failure handling").
public enum FailureClass: String, Codable, Sendable, CaseIterable {
    /// A blip (storage, a shortage): the task is requeued and nobody is charged.
    case transient
    /// The task failed: it is charged, and fails for good once its failures exceed the job's `retries`.
    case task
    /// The task can never succeed (bad prompt, missing asset): it fails at once.
    case permanent
    /// The worker failed (OOM, GPU, disk): the (job, worker) pair is charged and the task requeued uncharged.
    case worker
}

/// What `FarmStore.submit` did: how many of the plan's tasks it added and how many it already held.
public struct SubmitSummary: Sendable, Equatable {
    /// The job's id, its spec's name.
    public var jobID: String
    /// Tasks added by this call.
    public var newTasks: Int
    /// Tasks this job already held, left untouched.
    public var existingTasks: Int
    /// Tasks with the same id (the same pixels) already held by another job; they stay with that job.
    public var heldByOtherJobs: Int
}

/// A lease handed to a worker: what the coordinator puts in `ASSIGN`.
public struct LeaseGrant: Sendable, Equatable {
    public var jobID: String
    public var taskID: String
    /// The fencing token: larger than every lease id handed out before, also across restarts.
    public var leaseID: Int64
    /// 1 for the first lease of the task, then one more per lease.
    public var attempt: Int
    /// When the lease expires unless renewed.
    public var deadline: Date
    /// The task's parameters.
    public var task: TaskSpec
}

/// A lease the store took back (expiry, pause, cancel, or superseded by a commit); the coordinator
/// sends `CANCEL` for it if its worker is still connected.
public struct RevokedLease: Sendable, Equatable {
    public var taskID: String
    public var leaseID: Int64
    public var workerID: String
}

/// The `ACK` disposition of a `RESULT`.
public enum CommitDisposition: String, Sendable, Equatable {
    /// This result is now the task's result.
    case committed
    /// The task already had a result (first valid result wins); this one is dropped.
    case duplicate
    /// The result cannot change anything (its job was cancelled); it is dropped.
    case staleIgnored = "stale-ignored"
}

/// What `FarmStore.commit` did.
public struct CommitOutcome: Sendable, Equatable {
    public var disposition: CommitDisposition
    /// The newer lease that a result from a superseded lease made pointless, to be cancelled.
    public var supersededLease: RevokedLease?
}

/// What `FarmStore.fail` did with a `FAIL` report.
public enum FailureDisposition: String, Sendable, Equatable {
    /// The task went back to pending for another lease.
    case requeued
    /// The task is failed for good (retries used up, or a permanent failure).
    case failed
    /// The report came from a lease that no longer holds the task; nothing changed.
    case staleIgnored = "stale-ignored"
}

/// What `FarmStore.fail` did, and whether the worker is now blocklisted for the job.
public struct FailureOutcome: Sendable, Equatable {
    public var disposition: FailureDisposition
    /// True when this report brought the (job, worker) failure count to the blocklist threshold or past it.
    public var workerBlocklisted: Bool
}

/// A job's tasks counted by state.
public struct JobStatus: Sendable, Equatable {
    public var jobID: String
    public var state: JobState
    public var priority: Int
    public var pending: Int
    public var leased: Int
    public var committed: Int
    public var failed: Int
    /// Every task of the job, counted independently of the states.
    public var total: Int

    /// The ledger invariant `pending + leased + committed + failed = total`.
    public var countsAddUp: Bool { pending + leased + committed + failed == total }
}
