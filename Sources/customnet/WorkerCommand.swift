import ArgumentParser
import Farm
import FarmProtocol
import Foundation
import Logging
import Render
import Tensor

/// `customnet worker`: a worker daemon — loads the model once and renders what the coordinator assigns.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a worker: connect to a coordinator, load the model once, render assigned tasks until stopped.",
        discussion: """
            The worker serves jobs made for its checkpoint (matched by SHA-256) and scores images when given both \
            metric encoders. Finished images wait in the outbox folder until the coordinator acknowledges them, so a \
            coordinator restart loses nothing. SIGTERM or Ctrl-C: finish the current task, report it, leave \
            (a second signal cancels the task). Object images are read from the paths in the job spec, so workers \
            need the same file system paths as the coordinator (a shared mount).
            """)

    @Option(help: "The coordinator's worker endpoint.")
    var coordinator = "tcp://127.0.0.1:5555"

    @Option(help: "Checkpoint in the official layout (customnet_v1.pt or .safetensors).")
    var model: String?

    @Option(help: "Architecture preset (inferred from the checkpoint when left out).")
    var preset: String?

    @Option(help: "DINO ViT-S/16 for DINO-I (with --clip).")
    var dino: String?

    @Option(help: "CLIP ViT-B/32 model folder for CLIP-I and CLIP-T (with --dino).")
    var clip: String?

    @Option(name: .customLong("worker-id"), help: "This worker's stable name (default <hostname>-<pid>).")
    var workerID: String?

    @Option(help: "Folder keeping finished results until acknowledged (default: outbox-<worker id> here).")
    var outbox: String?

    @Option(help: "Threads for the tensor ops (default: all cores).")
    var threads: Int?

    @OptionGroup var winogradFilters: WinogradFilterOption

    @Option(name: .customLong("drain-timeout"), help: "On SIGTERM, seconds the running task may take to finish before it is cancelled (a full-size image takes minutes).")
    var drainTimeout: Double = 600

    @Flag(help: "Serve with the echo executor (tiny synthetic PNGs, no model) to measure the farm itself; --model names the file whose digest jobs must match.")
    var echo = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard model != nil else { throw ValidationError("--model is required (the checkpoint; with --echo, the file jobs name)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be ≥ 1") }
        guard drainTimeout >= 0, drainTimeout.isFinite else { throw ValidationError("--drain-timeout must be ≥ 0 seconds") }
    }

    func run() throws {
        try FarmLogging.bootstrap(level: logLevel)
        let log = Logger(label: "customnet.worker")
        if let threads { Compute.threadCount = threads }
        winogradFilters.apply()
        let checkpoint = model!
        let digest = try FileDigests().sha256(ofFileAt: checkpoint)
        let executor: any TaskExecutor
        if echo {
            executor = EchoExecutor(modelDigest: digest)
        } else {
            let started = Date()
            executor = try GeneratorExecutor.load(checkpoint: checkpoint, preset: preset, modelDigest: digest, dino: dino, clip: clip,
                                                  logger: Logger(label: "customnet.render"))
            log.info("model loaded", metadata: ["checkpoint": "\(checkpoint)", "seconds": "\(String(format: "%.1f", Date().timeIntervalSince(started)))",
                                                "metrics": "\(dino != nil && clip != nil)"])
        }
        let id = workerID ?? LocalHost.defaultWorkerID
        let configuration = WorkerConfiguration(endpoint: coordinator, engineVersion: EngineVersion.current,
                                                outboxPath: outbox ?? "outbox-\(id)", workerID: id, drainTimeoutSeconds: drainTimeout)
        let daemon = WorkerDaemon(configuration: configuration, executor: executor, logger: log)
        let signals = SignalWatch(action: { daemon.requestStop() }, again: { daemon.requestStop() })
        let outcome = try daemon.run()
        withExtendedLifetime(signals) {}
        log.info("worker finished: \(outcome)")
    }
}

/// The engine version workers announce in `HELLO`.
enum EngineVersion {
    static let current = "customnet-0.1"
}
