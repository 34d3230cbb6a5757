// Bodies of the messages the coordinator sends to workers: WELCOME, REJECT, ASSIGN, HEARTBEAT, ACK,
// CANCEL, DRAIN. (REJECT also goes to clients.)

/// `WELCOME`: the coordinator accepts a worker's `HELLO`.
public struct Welcome: WireBody, Hashable {
    /// Bumped on every coordinator start; a worker seeing a new epoch knows its leases were re-adopted
    /// or requeued.
    public var epoch: UInt64
    /// Seconds between heartbeats, both ways.
    public var heartbeatIntervalSeconds: Double
    /// Heartbeats missed before a peer is declared lost.
    public var liveness: UInt32

    public init(epoch: UInt64, heartbeatIntervalSeconds: Double, liveness: UInt32) {
        self.epoch = epoch
        self.heartbeatIntervalSeconds = heartbeatIntervalSeconds
        self.liveness = liveness
    }

    enum CodingKeys: String, CodingKey {
        case epoch, heartbeatIntervalSeconds = "heartbeat_interval_seconds", liveness
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.positive(heartbeatIntervalSeconds, "heartbeat_interval_seconds", in: path)
        try FieldRules.require(liveness >= 1, "liveness", in: path, "must be ≥ 1")
    }
}

/// `REJECT`: the coordinator refuses a peer or one of its messages.
public struct Reject: WireBody, Hashable {
    public var reason: RejectReason
    /// Details in words.
    public var detail: String
    /// The refused message, when its id could be read.
    public var inReplyTo: MessageID?

    public init(reason: RejectReason, detail: String, inReplyTo: MessageID? = nil) {
        self.reason = reason
        self.detail = detail
        self.inReplyTo = inReplyTo
    }

    /// The answer to a message that failed to decode with `error`.
    public init(answering error: ProtocolError) {
        self.init(reason: RejectReason(for: error), detail: error.description)
    }

    enum CodingKeys: String, CodingKey {
        case reason, detail, inReplyTo = "in_reply_to"
    }

    func validate(at path: String) throws(ProtocolError) {}
}

/// Why the coordinator refused.
public enum RejectReason: String, WireEnum, Hashable {
    /// The peer speaks another protocol version.
    case unsupportedVersion = "unsupported-version"
    /// The message could not be decoded.
    case malformed
    /// A message type that does not travel this way, or not now (a `READY` before `HELLO`).
    case unexpectedMessage = "unexpected-message"
    /// The worker's model digest is not the one the farm renders with.
    case modelMismatch = "model-mismatch"
    /// The worker's engine version is not accepted.
    case engineMismatch = "engine-mismatch"
    /// The worker is quarantined after repeated failures.
    case quarantined
    /// The coordinator is shutting down.
    case shuttingDown = "shutting-down"

    /// The reason to give for a message that failed to decode with `error`.
    public init(for error: ProtocolError) {
        switch error {
        case .unsupportedVersion: self = .unsupportedVersion
        case .unexpectedMessageType: self = .unexpectedMessage
        default: self = .malformed
        }
    }
}

/// `ASSIGN`: a lease on one task for a worker.
///
/// `leaseID` is the fencing token: reports carrying an older lease for the task cannot change its
/// state (except a first valid result, which still commits). Deadlines are durations counted from
/// when the worker receives the message, so the two clocks need not agree.
public struct Assignment: WireBody, Hashable {
    public var taskID: String
    /// Monotonic across coordinator restarts; ≥ 1.
    public var leaseID: UInt64
    /// From 1; grows each time the task is leased again.
    public var attempt: UInt32
    /// Hard limit for the whole task, seconds from receipt.
    public var deadlineSeconds: Double
    /// The task is cancelled when its sampler step has not changed for this long, seconds.
    public var noProgressTimeoutSeconds: Double
    /// What to render.
    public var task: TaskAssignment

    public init(taskID: String, leaseID: UInt64, attempt: UInt32, deadlineSeconds: Double, noProgressTimeoutSeconds: Double,
                task: TaskAssignment) {
        self.taskID = taskID
        self.leaseID = leaseID
        self.attempt = attempt
        self.deadlineSeconds = deadlineSeconds
        self.noProgressTimeoutSeconds = noProgressTimeoutSeconds
        self.task = task
    }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", leaseID = "lease_id", attempt, deadlineSeconds = "deadline_seconds"
        case noProgressTimeoutSeconds = "no_progress_timeout_seconds", task
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.digest(taskID, "task_id", in: path)
        try FieldRules.leaseID(leaseID, "lease_id", in: path)
        try FieldRules.require(attempt >= 1, "attempt", in: path, "attempts count from 1")
        try FieldRules.positive(deadlineSeconds, "deadline_seconds", in: path)
        try FieldRules.positive(noProgressTimeoutSeconds, "no_progress_timeout_seconds", in: path)
        try task.validate(at: FieldPath.appending("task", to: path))
    }
}

/// The image to render, in plain numbers and strings: Farm's `TaskSpec` (less its id, which is the
/// assignment's `taskID`) plus the job it belongs to. Farm converts between the two; Render maps it
/// to the engine's request.
public struct TaskAssignment: WireBody, Hashable {
    /// The job's name (its identity).
    public var jobID: String
    /// `<object>/<prompt-slug>/p<polar>_a<azimuth>_s<seed>`; the image is stored as `<outputName>.png`.
    public var outputName: String
    /// The object's id within the job.
    public var objectID: String
    /// The object image, an absolute path the worker can read.
    public var imagePath: String
    /// Lowercase hex SHA-256 of the object image; the worker checks the file against it.
    public var imageDigest: String
    /// Extra reference images for the identity metrics, absolute paths.
    public var references: [String]
    /// Where the object goes; nil for the whole frame.
    public var box: WireBox?
    /// Polar (elevation) change, degrees.
    public var polar: Double
    /// Azimuth change, degrees.
    public var azimuth: Double
    /// The background / scene prompt.
    public var prompt: String
    /// The prompt's folder name within the job.
    public var promptSlug: String
    /// Seed of the initial noise (the same seed gives the same x_T as `torch.randn`).
    public var seed: UInt64
    /// DDIM grid points, as the job spec's `sampler.steps` (the official sampler runs one fewer); ≥ 1.
    public var steps: UInt32
    /// Classifier-free guidance scale.
    public var guidance: Float

    public init(jobID: String, outputName: String, objectID: String, imagePath: String, imageDigest: String,
                references: [String] = [], box: WireBox?, polar: Double, azimuth: Double, prompt: String, promptSlug: String,
                seed: UInt64, steps: UInt32, guidance: Float) {
        self.jobID = jobID
        self.outputName = outputName
        self.objectID = objectID
        self.imagePath = imagePath
        self.imageDigest = imageDigest
        self.references = references
        self.box = box
        self.polar = polar
        self.azimuth = azimuth
        self.prompt = prompt
        self.promptSlug = promptSlug
        self.seed = seed
        self.steps = steps
        self.guidance = guidance
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", outputName = "output_name", objectID = "object_id", imagePath = "image_path"
        case imageDigest = "image_digest", references, box, polar, azimuth, prompt, promptSlug = "prompt_slug", seed, steps, guidance
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.identifier(jobID, "job_id", in: path)
        try FieldRules.path(outputName, "output_name", in: path)
        try FieldRules.identifier(objectID, "object_id", in: path)
        try FieldRules.path(imagePath, "image_path", in: path)
        try FieldRules.digest(imageDigest, "image_digest", in: path)
        for (index, reference) in references.enumerated() {
            try FieldRules.path(reference, "references[\(index)]", in: path)
        }
        try box?.validate(at: FieldPath.appending("box", to: path))
        try FieldRules.identifier(promptSlug, "prompt_slug", in: path)
        try FieldRules.require(steps >= 1, "steps", in: path, "must be ≥ 1")
    }
}

/// A box in pixels of the model's square frame: columns `x0 ..< x1`, rows `y0 ..< y1`, corners
/// sorted (`0 ≤ x0 ≤ x1`, `0 ≤ y0 ≤ y1`), as Farm's `PixelBox`.
public struct WireBox: WireBody, Hashable {
    public var x0, y0, x1, y1: Int

    public init(x0: Int, y0: Int, x1: Int, y1: Int) {
        (self.x0, self.y0, self.x1, self.y1) = (x0, y0, x1, y1)
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.require(x0 >= 0, "x0", in: path, "must be ≥ 0")
        try FieldRules.require(y0 >= 0, "y0", in: path, "must be ≥ 0")
        try FieldRules.require(x1 >= x0, "x1", in: path, "must be ≥ x0 (corners sorted)")
        try FieldRules.require(y1 >= y0, "y1", in: path, "must be ≥ y0 (corners sorted)")
    }
}

/// `HEARTBEAT` from the coordinator: proof of life, and what became of the leases the worker listed.
public struct LeaseVerdicts: WireBody, Hashable {
    /// Leases that stay valid.
    public var renewed: [LeaseRef]
    /// Leases the worker must stop (each also gets a `CANCEL` with the reason).
    public var revoked: [LeaseRef]

    public init(renewed: [LeaseRef] = [], revoked: [LeaseRef] = []) {
        self.renewed = renewed
        self.revoked = revoked
    }

    func validate(at path: String) throws(ProtocolError) {
        try renewed.validateEach("renewed", in: path)
        try revoked.validateEach("revoked", in: path)
    }
}

/// `ACK`: the coordinator has dealt with a `RESULT`; the worker may drop its copy.
public struct ResultAck: WireBody, Hashable {
    public var taskID: String
    public var leaseID: UInt64
    public var disposition: AckDisposition

    public init(taskID: String, leaseID: UInt64, disposition: AckDisposition) {
        self.taskID = taskID
        self.leaseID = leaseID
        self.disposition = disposition
    }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", leaseID = "lease_id", disposition
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.digest(taskID, "task_id", in: path)
        try FieldRules.leaseID(leaseID, "lease_id", in: path)
    }
}

/// What the coordinator did with a `RESULT`.
public enum AckDisposition: String, WireEnum, Hashable {
    /// This result is the task's committed one.
    case committed
    /// The task was already committed (an earlier copy or another lease's result).
    case duplicate
    /// From a lease that can no longer change the task (fenced off), and not needed.
    case staleIgnored = "stale-ignored"
}

/// `CANCEL`: stop a lease's task now.
public struct CancelLease: WireBody, Hashable {
    public var taskID: String
    public var leaseID: UInt64
    public var reason: CancelReason

    public init(taskID: String, leaseID: UInt64, reason: CancelReason) {
        self.taskID = taskID
        self.leaseID = leaseID
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", leaseID = "lease_id", reason
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.digest(taskID, "task_id", in: path)
        try FieldRules.leaseID(leaseID, "lease_id", in: path)
    }
}

/// Why a lease was cancelled.
public enum CancelReason: String, WireEnum, Hashable {
    case jobPaused = "job-paused"
    case jobCancelled = "job-cancelled"
    /// The lease was superseded (its task committed from another lease, or re-leased).
    case leaseRevoked = "lease-revoked"
    /// The hard deadline passed.
    case deadlinePassed = "deadline-passed"
    /// The sampler step did not change within the no-progress timeout.
    case noProgress = "no-progress"
}

/// `DRAIN`: finish the current tasks, take no more (send no `READY`), then `BYE`.
public struct Drain: WireBody, Hashable {
    /// Why, in words (`coordinator shutting down`, `operator request`).
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    func validate(at path: String) throws(ProtocolError) {}
}
