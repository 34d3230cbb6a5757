import Foundation

/// Everything a job's evaluation report is made from, read from the store in one read transaction
/// (`FarmStore.reportSnapshot(job:)`, or `ReportStoreReader` beside a running coordinator).
public struct JobReportData: Codable, Sendable {
    /// The job's id, its spec's name.
    public var jobID: String
    public var state: JobState
    /// The spec text as submitted.
    public var specYAML: String
    /// Where the spec was submitted from, if the submitter said.
    public var specPath: String?
    public var priority: Int
    public var retries: Int
    public var createdAt: Date
    /// Lowercase hex SHA-256 of the checkpoint the job renders with.
    public var modelDigest: String?
    /// The job's output folder (absolute): images are `images/<task name>.png` under it.
    public var output: String?
    /// `specYAML` parsed (model files not required); nil when it could not be, and then `specProblem`
    /// says why and the report is built from the tasks' own parameters.
    public var spec: JobSpec?
    /// Why `spec` is nil.
    public var specProblem: String?
    /// Every task of the job, in submission (`ordinal`) order.
    public var tasks: [ReportTask]
    /// When the job's first lease was handed out (its start of work).
    public var firstLeaseAt: Date?
    public var firstCommitAt: Date?
    public var lastCommitAt: Date?
    /// Every worker that committed a result or was charged a failure for this job, most images first.
    public var workers: [WorkerContribution]

    public init(jobID: String, state: JobState, specYAML: String, specPath: String?, priority: Int, retries: Int, createdAt: Date,
                modelDigest: String?, output: String?, spec: JobSpec?, specProblem: String?, tasks: [ReportTask],
                firstLeaseAt: Date?, firstCommitAt: Date?, lastCommitAt: Date?, workers: [WorkerContribution]) {
        self.jobID = jobID
        self.state = state
        self.specYAML = specYAML
        self.specPath = specPath
        self.priority = priority
        self.retries = retries
        self.createdAt = createdAt
        self.modelDigest = modelDigest
        self.output = output
        self.spec = spec
        self.specProblem = specProblem
        self.tasks = tasks
        self.firstLeaseAt = firstLeaseAt
        self.firstCommitAt = firstCommitAt
        self.lastCommitAt = lastCommitAt
        self.workers = workers
    }

    /// Everything but `spec` and `specProblem`, which are derived from `specYAML` (`parsingSpec()`).
    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", state, specYAML = "spec_yaml", specPath = "spec_path", priority, retries, createdAt = "created_at"
        case modelDigest = "model_digest", output, tasks, firstLeaseAt = "first_lease_at", firstCommitAt = "first_commit_at"
        case lastCommitAt = "last_commit_at", workers
    }

    /// Tasks not finished yet (pending or leased).
    public var unfinishedCount: Int { tasks.count { $0.state == .pending || $0.state == .leased } }
}

/// One task as the report sees it: its parameters, where it stands, and what happened to it.
public struct ReportTask: Codable, Sendable {
    public var taskID: String
    /// `<object>/<prompt-slug>/p<polar>_a<azimuth>_s<seed>`.
    public var name: String
    public var spec: TaskSpec
    public var state: TaskState
    /// Leases handed out for it so far.
    public var attempts: Int
    /// Failures charged to it (cleared when failed tasks are requeued by hand).
    public var failures: Int
    /// The worker holding its lease, while leased.
    public var workerID: String?
    /// Its `results` row, once committed with details.
    public var result: CommittedResult?
    /// Its failures and expired leases, oldest first.
    public var events: [TaskEvent]

    public init(taskID: String, name: String, spec: TaskSpec, state: TaskState, attempts: Int, failures: Int, workerID: String?,
                result: CommittedResult?, events: [TaskEvent]) {
        self.taskID = taskID
        self.name = name
        self.spec = spec
        self.state = state
        self.attempts = attempts
        self.failures = failures
        self.workerID = workerID
        self.result = result
        self.events = events
    }

    /// Where its image is (or will be), relative to the job's output folder.
    public var imagePath: String { result?.details.imagePath ?? ImageTree.relativePath(ofTaskNamed: name) }

    /// Whether it took more than one lease, or failed at least once.
    public var wasRetried: Bool { attempts > 1 || !events.isEmpty }
}

/// A committed result: where the image is, its scores and timings, and which lease delivered it.
public struct CommittedResult: Codable, Sendable, Equatable {
    public var leaseID: Int64
    /// Lowercase hex SHA-256 of the PNG.
    public var sha256: String
    public var size: Int64
    public var committedAt: Date
    /// Worker, image path (relative to the output folder), DINO-I, CLIP-I, CLIP-T and timings.
    public var details: ResultDetails

    public init(leaseID: Int64, sha256: String, size: Int64, committedAt: Date, details: ResultDetails) {
        self.leaseID = leaseID
        self.sha256 = sha256
        self.size = size
        self.committedAt = committedAt
        self.details = details
    }
}

/// One line of the event log about a task: a failure report (`failed-transient`, `failed-task`,
/// `failed-permanent`, `failed-worker`) or `lease-expired`.
public struct TaskEvent: Codable, Sendable, Equatable {
    public var time: Date
    public var kind: String
    public var workerID: String?
    /// `lease N: requeued|failed, task failures K[: message]` for failures, `lease N` for expiries.
    public var detail: String

    public init(time: Date, kind: String, workerID: String?, detail: String) {
        self.time = time
        self.kind = kind
        self.workerID = workerID
        self.detail = detail
    }
}

/// What one worker did for a job.
public struct WorkerContribution: Codable, Sendable, Equatable {
    public var workerID: String
    /// Results of this job it committed.
    public var images: Int
    /// Failures of this job's tasks reported from its leases.
    public var failures: Int

    public init(workerID: String, images: Int, failures: Int) {
        self.workerID = workerID
        self.images = images
        self.failures = failures
    }
}
