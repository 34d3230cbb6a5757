import FarmProtocol

/// One valid envelope of every message type, with fixed ids and times, and the directions it travels.
struct Sample: Sendable, CustomStringConvertible {
    let name: String
    let envelope: Envelope
    let direction: Direction

    var description: String { name }
}

enum Samples {
    static let taskID = String(repeating: "ab", count: 32)
    static let otherTaskID = String(repeating: "0123456789abcdef", count: 4)
    static let modelDigest = String(repeating: "5e", count: 32)
    static let imageDigest = String(repeating: "c0", count: 32)
    static let sentAt = Timestamp(millisecondsSince1970: 1_700_000_000_123)

    /// A message id ending in `n`.
    static func id(_ n: Int) -> MessageID {
        let digits = String(n)
        return MessageID("00000000-0000-4000-8000-" + String(repeating: "0", count: 12 - digits.count) + digits) ?? MessageID.random()
    }

    /// Bytes that pass for a PNG on the wire: the signature, then `count` arbitrary bytes.
    static func pngLike(count: Int = 64) -> [UInt8] {
        [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] + (0 ..< count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    }

    static let task = TaskAssignment(
        jobID: "dreambench-sweep", outputName: "mug/on-a-wooden-table/p15_a-30_s1234", objectID: "mug",
        imagePath: "/data/objects/mug.png", imageDigest: imageDigest, references: ["/data/objects/mug-side.png", "/data/objects/mug-top.jpg"],
        box: WireBox(x0: 48, y0: 48, x1: 208, y1: 208), polar: 15, azimuth: -30,
        prompt: "on a \"wooden\" table\\ 🌅\nmorning light\u{1}", promptSlug: "on-a-wooden-table",
        seed: UInt64.max, steps: 50, guidance: 7.5)

    static let all: [Sample] = [
        Sample(name: "HELLO", envelope: Envelope(.hello(WorkerHello(
            workerID: "node-a/0", incarnation: "3f0c7a52-9d1e-4d8b-a1b2-c3d4e5f60718", engineVersion: "0.4.0", modelDigest: modelDigest,
            host: HostFacts(hostname: "node-a", cpuCores: 64, memoryBytes: 270_582_939_648, accelerator: "NVIDIA H100 80GB HBM3"),
            slots: 2, heldLeases: [LeaseRef(taskID: taskID, leaseID: 41)], unackedResults: [LeaseRef(taskID: otherTaskID, leaseID: 40)])),
            id: id(1), sentAt: sentAt), direction: .workerToCoordinator),
        Sample(name: "HELLO, CPU only, nothing held", envelope: Envelope(.hello(WorkerHello(
            workerID: "laptop", incarnation: "1", engineVersion: "0.4.0", modelDigest: modelDigest,
            host: HostFacts(hostname: "laptop.local", cpuCores: 2, memoryBytes: 8 << 30), slots: 1)),
            id: id(2), sentAt: sentAt), direction: .workerToCoordinator),
        Sample(name: "READY", envelope: Envelope(.ready(Ready(credits: 2)), id: id(3), sentAt: sentAt), direction: .workerToCoordinator),
        Sample(name: "HEARTBEAT from a worker", envelope: Envelope(.workerHeartbeat(WorkerHeartbeat(
            active: [LeaseProgress(taskID: taskID, leaseID: UInt64.max, step: 17, steps: 50, elapsedSeconds: 21.25),
                     LeaseProgress(taskID: otherTaskID, leaseID: 7, step: 0, steps: 50, elapsedSeconds: 0)],
            rssBytes: 9_876_543_210)), id: id(4), sentAt: sentAt), direction: .workerToCoordinator),
        Sample(name: "RESULT with scores", envelope: Envelope(.result(ResultReport(
            taskID: taskID, leaseID: 41, attempt: 2, scores: ImageScores(dinoI: 0.6123, clipI: 0.81, clipT: 0.3125),
            timings: RenderTimings(renderSeconds: 58.5, encodeSeconds: 0.012)), image: Blob(pngLike())),
            id: id(5), sentAt: sentAt), direction: .workerToCoordinator),
        Sample(name: "RESULT without scores", envelope: Envelope(.result(ResultReport(
            taskID: taskID, leaseID: 1, attempt: 1, timings: RenderTimings(renderSeconds: 0, encodeSeconds: 0)), image: Blob(pngLike(count: 0))),
            id: id(6), sentAt: sentAt), direction: .workerToCoordinator),
        Sample(name: "FAIL", envelope: Envelope(.fail(FailureReport(
            taskID: taskID, leaseID: 41, failureClass: .worker, message: "out of memory allocating 4 GiB",
            logTail: "step 17/50\nstep 18/50\nfatal: cannot allocate\n")), id: id(7), sentAt: sentAt), direction: .workerToCoordinator),
        Sample(name: "BYE", envelope: Envelope(.bye(Bye(reason: "SIGTERM")), id: id(8), sentAt: sentAt), direction: .workerToCoordinator),
        Sample(name: "WELCOME", envelope: Envelope(.welcome(Welcome(epoch: 12, heartbeatIntervalSeconds: 5, liveness: 3)),
                                                   id: id(9), sentAt: sentAt), direction: .coordinatorToWorker),
        Sample(name: "REJECT to a worker", envelope: Envelope(.reject(Reject(
            reason: .modelMismatch, detail: "worker has model 5e5e…, the farm renders with c0c0…", inReplyTo: id(1))),
            id: id(10), sentAt: sentAt), direction: .coordinatorToWorker),
        Sample(name: "REJECT to a client", envelope: Envelope(.reject(Reject(reason: .unsupportedVersion, detail: "RFP2")),
                                                              id: id(11), sentAt: sentAt), direction: .coordinatorToClient),
        Sample(name: "ASSIGN", envelope: Envelope(.assign(Assignment(
            taskID: taskID, leaseID: 41, attempt: 2, deadlineSeconds: 600, noProgressTimeoutSeconds: 180, task: task)),
            id: id(12), sentAt: sentAt), direction: .coordinatorToWorker),
        Sample(name: "ASSIGN, whole frame, no references", envelope: Envelope(.assign(Assignment(
            taskID: otherTaskID, leaseID: 1, attempt: 1, deadlineSeconds: 0.5, noProgressTimeoutSeconds: 1e-3,
            task: TaskAssignment(jobID: "smoke", outputName: "cat/prompt/p0_a0_s0", objectID: "cat", imagePath: "/tmp/cat.jpg",
                                 imageDigest: imageDigest, box: nil, polar: -0.0, azimuth: 1e-300, prompt: "", promptSlug: "prompt",
                                 seed: 0, steps: 1, guidance: 0.1))),
            id: id(13), sentAt: sentAt), direction: .coordinatorToWorker),
        Sample(name: "HEARTBEAT from the coordinator", envelope: Envelope(.coordinatorHeartbeat(LeaseVerdicts(
            renewed: [LeaseRef(taskID: taskID, leaseID: 41)], revoked: [LeaseRef(taskID: otherTaskID, leaseID: 40)])),
            id: id(14), sentAt: sentAt), direction: .coordinatorToWorker),
        Sample(name: "ACK", envelope: Envelope(.ack(ResultAck(taskID: taskID, leaseID: 41, disposition: .staleIgnored)),
                                               id: id(15), sentAt: sentAt), direction: .coordinatorToWorker),
        Sample(name: "CANCEL", envelope: Envelope(.cancel(CancelLease(taskID: taskID, leaseID: 41, reason: .noProgress)),
                                                  id: id(16), sentAt: sentAt), direction: .coordinatorToWorker),
        Sample(name: "DRAIN", envelope: Envelope(.drain(Drain(reason: "coordinator shutting down")), id: id(17), sentAt: sentAt),
               direction: .coordinatorToWorker),
        Sample(name: "SUBMIT", envelope: Envelope(.submit(JobSubmission(
            jobYAML: "name: smoke\nmodel:\n  checkpoint: random.safetensors\n  preset: tiny\n", specPath: "jobs/smoke.yaml", priority: -5)),
            id: id(18), sentAt: sentAt), direction: .clientToCoordinator),
        Sample(name: "CONTROL", envelope: Envelope(.control(JobControl(action: .requeueFailed, job: "smoke")), id: id(19), sentAt: sentAt),
               direction: .clientToCoordinator),
        Sample(name: "QUERY", envelope: Envelope(.query(StatusQuery(subject: .status, job: "smoke")), id: id(20), sentAt: sentAt),
               direction: .clientToCoordinator),
        Sample(name: "REPLY", envelope: Envelope(.reply(StatusReply(
            inReplyTo: id(20), ok: true, detail: "",
            jobs: [JobStatusRow(job: "smoke", state: .running, priority: 0, tasksTotal: 96, pending: 50, leased: 2, committed: 40,
                                failed: 4, etaSeconds: 312.5)],
            workers: [WorkerStatusRow(workerID: "node-a/0", hostname: "node-a", state: .draining, slots: 2, running: 1, completed: 40,
                                      failed: 0, lastSeen: Timestamp(millisecondsSince1970: 1_699_999_999_000))])),
            id: id(21), sentAt: sentAt), direction: .coordinatorToClient),
        Sample(name: "REPLY, refused", envelope: Envelope(.reply(StatusReply(inReplyTo: id(18), ok: false, detail: "jobs/x.yaml:3:5: seeds: must not be empty")),
                                                          id: id(22), sentAt: sentAt), direction: .coordinatorToClient),
    ]

    /// The sample named `name`.
    static func named(_ name: String) -> Sample? {
        all.first { $0.name == name }
    }
}
