// Bodies of the messages a worker sends to the coordinator: HELLO, READY, HEARTBEAT, RESULT, FAIL, BYE.

/// `HELLO`: a worker introduces itself, on every (re)connect and as its first message.
///
/// The coordinator maps `workerID` to the connection's current routing id, replacing any earlier
/// mapping, answers `WELCOME` or `REJECT`, re-adopts `heldLeases`, and expects a resend of each of
/// `unackedResults`.
public struct WorkerHello: WireBody, Hashable {
    /// Stable name of the worker (e.g. `host-a/0`), the same across restarts.
    public var workerID: String
    /// Random per process start, so the coordinator can tell a restart from a reconnect.
    public var incarnation: String
    /// Version of the worker's `customnet` build.
    public var engineVersion: String
    /// Lowercase hex SHA-256 of the checkpoint the worker has loaded.
    public var modelDigest: String
    public var host: HostFacts
    /// Tasks the worker can render at once, ≥ 1.
    public var slots: UInt32
    /// Leases still rendering (after a reconnect).
    public var heldLeases: [LeaseRef]
    /// Leases whose `RESULT` was sent but not yet acknowledged; the worker resends them.
    public var unackedResults: [LeaseRef]

    public init(workerID: String, incarnation: String, engineVersion: String, modelDigest: String, host: HostFacts,
                slots: UInt32, heldLeases: [LeaseRef] = [], unackedResults: [LeaseRef] = []) {
        self.workerID = workerID
        self.incarnation = incarnation
        self.engineVersion = engineVersion
        self.modelDigest = modelDigest
        self.host = host
        self.slots = slots
        self.heldLeases = heldLeases
        self.unackedResults = unackedResults
    }

    enum CodingKeys: String, CodingKey {
        case workerID = "worker_id", incarnation, engineVersion = "engine_version", modelDigest = "model_digest", host, slots
        case heldLeases = "held_leases", unackedResults = "unacked_results"
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.identifier(workerID, "worker_id", in: path)
        try FieldRules.identifier(incarnation, "incarnation", in: path)
        try FieldRules.identifier(engineVersion, "engine_version", in: path)
        try FieldRules.digest(modelDigest, "model_digest", in: path)
        try host.validate(at: FieldPath.appending("host", to: path))
        try FieldRules.require(slots >= 1, "slots", in: path, "must be ≥ 1")
        try heldLeases.validateEach("held_leases", in: path)
        try unackedResults.validateEach("unacked_results", in: path)
    }
}

/// What a worker's machine offers, for scheduling and the workers table.
public struct HostFacts: WireBody, Hashable {
    public var hostname: String
    /// Logical CPU cores.
    public var cpuCores: UInt32
    /// Physical memory, bytes.
    public var memoryBytes: UInt64
    /// The accelerator, if any (`NVIDIA H100 80GB`); nil for CPU-only.
    public var accelerator: String?

    public init(hostname: String, cpuCores: UInt32, memoryBytes: UInt64, accelerator: String? = nil) {
        self.hostname = hostname
        self.cpuCores = cpuCores
        self.memoryBytes = memoryBytes
        self.accelerator = accelerator
    }

    enum CodingKeys: String, CodingKey {
        case hostname, cpuCores = "cpu_cores", memoryBytes = "memory_bytes", accelerator
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.identifier(hostname, "hostname", in: path)
        if let accelerator { try FieldRules.identifier(accelerator, "accelerator", in: path) }
    }
}

/// `READY`: the worker has `credits` free slots; the coordinator sends at most that many `ASSIGN`s
/// until the next `READY` (credit-based flow control, not ZeroMQ high-water marks).
public struct Ready: WireBody, Hashable {
    public var credits: UInt32

    public init(credits: UInt32) {
        self.credits = credits
    }

    func validate(at path: String) throws(ProtocolError) {}
}

/// `HEARTBEAT` from a worker: proof of life, and the progress of each lease it holds. Listing a
/// lease renews it.
public struct WorkerHeartbeat: WireBody, Hashable {
    /// Every lease the worker holds, with its progress.
    public var active: [LeaseProgress]
    /// Resident memory of the worker process, bytes.
    public var rssBytes: UInt64

    public init(active: [LeaseProgress], rssBytes: UInt64) {
        self.active = active
        self.rssBytes = rssBytes
    }

    enum CodingKeys: String, CodingKey {
        case active, rssBytes = "rss_bytes"
    }

    func validate(at path: String) throws(ProtocolError) {
        try active.validateEach("active", in: path)
    }
}

/// How far one leased task has come: sampler step `step` of `steps`.
public struct LeaseProgress: WireBody, Hashable {
    public var taskID: String
    public var leaseID: UInt64
    /// Sampler steps done, 0…`steps`; the coordinator's no-progress timeout watches it change.
    public var step: UInt32
    /// The sampler steps this task runs; `step` reaches it when sampling ends.
    public var steps: UInt32
    /// Seconds since the worker started the task.
    public var elapsedSeconds: Double

    public init(taskID: String, leaseID: UInt64, step: UInt32, steps: UInt32, elapsedSeconds: Double) {
        self.taskID = taskID
        self.leaseID = leaseID
        self.step = step
        self.steps = steps
        self.elapsedSeconds = elapsedSeconds
    }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", leaseID = "lease_id", step, steps, elapsedSeconds = "elapsed_seconds"
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.digest(taskID, "task_id", in: path)
        try FieldRules.leaseID(leaseID, "lease_id", in: path)
        try FieldRules.require(step <= steps, "step", in: path, "step \(step) is past steps \(steps)")
        try FieldRules.nonNegative(elapsedSeconds, "elapsed_seconds", in: path)
    }
}

/// `RESULT`: a rendered image for a lease. The PNG travels as the message's one blob (`image`,
/// `image/png`), not in this header; see `Message.result`.
///
/// The worker resends the same envelope (same `msg_id`) until it gets an `ACK`, across reconnects.
public struct ResultReport: WireBody, Hashable {
    public var taskID: String
    public var leaseID: UInt64
    /// The attempt the lease was for, from 1.
    public var attempt: UInt32
    /// Per-image metrics the worker computed; all nil when the job computes none.
    public var scores: ImageScores
    /// Where the worker's time went.
    public var timings: RenderTimings

    public init(taskID: String, leaseID: UInt64, attempt: UInt32, scores: ImageScores = ImageScores(), timings: RenderTimings) {
        self.taskID = taskID
        self.leaseID = leaseID
        self.attempt = attempt
        self.scores = scores
        self.timings = timings
    }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", leaseID = "lease_id", attempt, scores, timings
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.digest(taskID, "task_id", in: path)
        try FieldRules.leaseID(leaseID, "lease_id", in: path)
        try FieldRules.require(attempt >= 1, "attempt", in: path, "attempts count from 1")
        try scores.validate(at: FieldPath.appending("scores", to: path))
        try timings.validate(at: FieldPath.appending("timings", to: path))
    }
}

/// The identity and prompt metrics of one image (cosine similarities; see DiffusionCore's
/// `SimilarityScores`). Each is nil when not computed.
public struct ImageScores: WireBody, Hashable {
    /// DINO ViT-S/16 similarity to the object's reference images.
    public var dinoI: Double?
    /// CLIP ViT-B/32 image similarity to the reference images.
    public var clipI: Double?
    /// CLIP ViT-B/32 image–prompt similarity.
    public var clipT: Double?

    public init(dinoI: Double? = nil, clipI: Double? = nil, clipT: Double? = nil) {
        self.dinoI = dinoI
        self.clipI = clipI
        self.clipT = clipT
    }

    enum CodingKeys: String, CodingKey {
        case dinoI = "dino_i", clipI = "clip_i", clipT = "clip_t"
    }

    func validate(at path: String) throws(ProtocolError) {}
}

/// Where a task's time went on the worker, seconds.
public struct RenderTimings: WireBody, Hashable {
    /// Model work: encoders, sampler, decoder (and metrics, when computed).
    public var renderSeconds: Double
    /// PNG encoding.
    public var encodeSeconds: Double

    public init(renderSeconds: Double, encodeSeconds: Double) {
        self.renderSeconds = renderSeconds
        self.encodeSeconds = encodeSeconds
    }

    enum CodingKeys: String, CodingKey {
        case renderSeconds = "render_seconds", encodeSeconds = "encode_seconds"
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.nonNegative(renderSeconds, "render_seconds", in: path)
        try FieldRules.nonNegative(encodeSeconds, "encode_seconds", in: path)
    }
}

/// `FAIL`: a lease's task could not be rendered.
public struct FailureReport: WireBody, Hashable {
    /// The most UTF-8 bytes of `logTail`; `FailureReport.tail(of:)` cuts a log to fit.
    public static let maxLogTailBytes = 16 * 1024

    public var taskID: String
    public var leaseID: UInt64
    /// Who is to blame, which decides what is charged (`class` on the wire).
    public var failureClass: FailureClass
    /// One line saying what went wrong.
    public var message: String
    /// The end of the task's log, at most `maxLogTailBytes`.
    public var logTail: String

    public init(taskID: String, leaseID: UInt64, failureClass: FailureClass, message: String, logTail: String) {
        self.taskID = taskID
        self.leaseID = leaseID
        self.failureClass = failureClass
        self.message = message
        self.logTail = logTail
    }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", leaseID = "lease_id", failureClass = "class", message, logTail = "log_tail"
    }

    /// The last `maxLogTailBytes` (or fewer) UTF-8 bytes of `log`, cut at a Unicode scalar boundary.
    public static func tail(of log: String) -> String {
        let utf8 = log.utf8
        guard utf8.count > maxLogTailBytes else { return log }
        var start = utf8.index(utf8.endIndex, offsetBy: -maxLogTailBytes)
        while start < utf8.endIndex, start.samePosition(in: log.unicodeScalars) == nil { start = utf8.index(after: start) }
        return String(log.unicodeScalars[start...])
    }

    func validate(at path: String) throws(ProtocolError) {
        try FieldRules.digest(taskID, "task_id", in: path)
        try FieldRules.leaseID(leaseID, "lease_id", in: path)
        try FieldRules.require(logTail.utf8.count <= Self.maxLogTailBytes, "log_tail", in: path,
                               "longer than \(Self.maxLogTailBytes) bytes (use FailureReport.tail(of:))")
    }
}

/// Who is to blame for a failure, which decides what the coordinator charges.
public enum FailureClass: String, WireEnum, Hashable {
    /// Retry later, charge nobody (a storage blip).
    case transient
    /// The task itself is bad (missing asset, bad prompt): charge the task.
    case task
    /// The worker is unwell (out of memory, disk full): charge (job, worker).
    case worker
}

/// `BYE`: the worker is leaving (SIGTERM, wall-time); its leases go back to the queue uncharged.
public struct Bye: WireBody, Hashable {
    /// Why, in words (`SIGTERM`).
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    func validate(at path: String) throws(ProtocolError) {}
}
