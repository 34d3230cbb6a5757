// Bodies of the messages between clients (CLI, aggregator, dashboards) and the coordinator:
// SUBMIT, CONTROL, QUERY, and the REPLY to each.

/// `SUBMIT`: a job spec to run. Submitting the same spec again resumes its job.
public struct JobSubmission: WireBody, Hashable {
    /// The spec file's text, as written (YAML). The whole header is at most 64 KiB.
    public var jobYAML: String
    /// Where the spec was read from; relative paths inside it are resolved against its folder.
    public var specPath: String
    /// Overrides the spec's priority; nil keeps it.
    public var priority: Int?

    public init(jobYAML: String, specPath: String, priority: Int? = nil) {
        self.jobYAML = jobYAML
        self.specPath = specPath
        self.priority = priority
    }

    enum CodingKeys: String, CodingKey {
        case jobYAML = "job_yaml", specPath = "spec_path", priority
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.path(specPath, "spec_path", in: path)
    }
}

/// `CONTROL`: change a job's course.
public struct JobControl: WireBody, Hashable {
    public var action: ControlAction
    /// The job's name.
    public var job: String

    public init(action: ControlAction, job: String) {
        self.action = action
        self.job = job
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.identifier(job, "job", in: path)
    }
}

/// What `CONTROL` does to a job.
public enum ControlAction: String, WireEnum, Hashable {
    /// Lease no more of its tasks and cancel the running ones (uncharged).
    case pause
    case resume
    /// Stop for good; committed images stay.
    case cancel
    /// Put its failed tasks back in the queue with fresh attempt counts.
    case requeueFailed = "requeue-failed"
}

/// `QUERY`: ask for status rows.
public struct StatusQuery: WireBody, Hashable {
    public var subject: QuerySubject
    /// Only this job (for `status`); nil for all.
    public var job: String?

    public init(subject: QuerySubject, job: String? = nil) {
        self.subject = subject
        self.job = job
    }

    func validate(at path: String) throws(ProtocolError) {
        if let job { try FieldRules.identifier(job, "job", in: path) }
    }
}

/// What a `QUERY` asks about.
public enum QuerySubject: String, WireEnum, Hashable {
    /// Job rows.
    case status
    /// Worker rows.
    case workers
}

/// `REPLY`: the coordinator's answer to a `SUBMIT`, `CONTROL` or `QUERY`.
///
/// A `SUBMIT` is answered with the job's row, a `CONTROL` with the job's row after the change, a
/// `QUERY` with the rows asked for. When `ok` is false, `detail` says why (unknown job, spec errors).
/// Rows count towards the 64 KiB header: about 250 worker rows fit.
public struct StatusReply: WireBody, Hashable {
    /// The `msg_id` of the request.
    public var inReplyTo: MessageID
    /// Whether the request was carried out.
    public var ok: Bool
    /// Details in words; the spec problems when a `SUBMIT` is refused.
    public var detail: String
    /// Job rows (for `SUBMIT`, `CONTROL` and `QUERY status`).
    public var jobs: [JobStatusRow]
    /// Worker rows (for `QUERY workers`).
    public var workers: [WorkerStatusRow]

    public init(inReplyTo: MessageID, ok: Bool, detail: String = "", jobs: [JobStatusRow] = [], workers: [WorkerStatusRow] = []) {
        self.inReplyTo = inReplyTo
        self.ok = ok
        self.detail = detail
        self.jobs = jobs
        self.workers = workers
    }

    enum CodingKeys: String, CodingKey {
        case inReplyTo = "in_reply_to", ok, detail, jobs, workers
    }

    func validate(at path: String) throws(ProtocolError) {
        try jobs.validateEach("jobs", in: path)
        try workers.validateEach("workers", in: path)
    }
}

/// One job's state and task counts.
public struct JobStatusRow: WireBody, Hashable {
    /// The job's name.
    public var job: String
    public var state: JobState
    /// Scheduling priority, higher first.
    public var priority: Int
    /// Tasks in the job; the four counts below are its tasks by state.
    public var tasksTotal: UInt64
    /// Waiting for a worker (including retries).
    public var pending: UInt64
    /// Rendering now.
    public var leased: UInt64
    /// Rendered and stored.
    public var committed: UInt64
    /// Failed for good (retries used up, or a permanent failure).
    public var failed: UInt64
    /// Estimated seconds to finish; nil when unknown (nothing rendered yet, or no workers).
    public var etaSeconds: Double?
    /// Images committed per hour over the last few minutes; nil when none.
    public var imagesPerHour: Double?
    /// The job's output folder (images and report), on the coordinator's file system.
    public var output: String?

    public init(job: String, state: JobState, priority: Int, tasksTotal: UInt64, pending: UInt64, leased: UInt64,
                committed: UInt64, failed: UInt64, etaSeconds: Double? = nil, imagesPerHour: Double? = nil, output: String? = nil) {
        self.imagesPerHour = imagesPerHour
        self.output = output
        self.job = job
        self.state = state
        self.priority = priority
        self.tasksTotal = tasksTotal
        self.pending = pending
        self.leased = leased
        self.committed = committed
        self.failed = failed
        self.etaSeconds = etaSeconds
    }

    enum CodingKeys: String, CodingKey {
        case job, state, priority, tasksTotal = "tasks_total", pending, leased, committed, failed, etaSeconds = "eta_seconds"
        case imagesPerHour = "images_per_hour", output
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.identifier(job, "job", in: path)
        if let etaSeconds { try FieldRules.nonNegative(etaSeconds, "eta_seconds", in: path) }
        if let imagesPerHour { try FieldRules.nonNegative(imagesPerHour, "images_per_hour", in: path) }
        if let output { try FieldRules.path(output, "output", in: path) }
    }
}

/// Where a job stands.
public enum JobState: String, WireEnum, Hashable {
    case running
    case paused
    case cancelled
    /// Every task committed.
    case completed
    /// Finished with failed tasks, or failed as a whole.
    case failed
}

/// One worker's state and counters.
public struct WorkerStatusRow: WireBody, Hashable {
    public var workerID: String
    public var hostname: String
    public var state: WorkerState
    /// Tasks it can render at once.
    public var slots: UInt32
    /// Leases it holds now.
    public var running: UInt32
    /// Results it delivered that were committed.
    public var completed: UInt64
    /// `FAIL`s and timeouts charged to it.
    public var failed: UInt64
    /// When the coordinator last heard from it.
    public var lastSeen: Timestamp
    /// The task it is rendering (its name, `<object>/<prompt-slug>/p…_a…_s…`), if any.
    public var currentTask: String?
    /// The sampler step of `currentTask` and the steps in all, as its last heartbeat said.
    public var step: UInt32?
    public var steps: UInt32?

    public init(workerID: String, hostname: String, state: WorkerState, slots: UInt32, running: UInt32, completed: UInt64,
                failed: UInt64, lastSeen: Timestamp, currentTask: String? = nil, step: UInt32? = nil, steps: UInt32? = nil) {
        self.workerID = workerID
        self.hostname = hostname
        self.state = state
        self.slots = slots
        self.running = running
        self.completed = completed
        self.failed = failed
        self.lastSeen = lastSeen
        self.currentTask = currentTask
        self.step = step
        self.steps = steps
    }

    enum CodingKeys: String, CodingKey {
        case workerID = "worker_id", hostname, state, slots, running, completed, failed, lastSeen = "last_seen"
        case currentTask = "current_task", step, steps
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.identifier(workerID, "worker_id", in: path)
        try FieldRules.identifier(hostname, "hostname", in: path)
        if let currentTask { try FieldRules.path(currentTask, "current_task", in: path) }
    }
}

/// Where a worker stands.
public enum WorkerState: String, WireEnum, Hashable {
    case active
    /// Finishing its tasks, taking no more.
    case draining
    /// Barred after repeated failures.
    case quarantined
    /// Silent past the liveness window.
    case lost
}
