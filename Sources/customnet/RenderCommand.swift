import ArgumentParser
import DiffusionCore
import Foundation
import ImageIO
import Tensor

/// `customnet render`: one CustomNet image from a checkpoint, an object image, a pose and a prompt.
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render one image: the object, seen from a new viewpoint, placed in a scene described by the prompt.")

    @Option(help: "Checkpoint in the official layout: customnet_v1.pt (torch zip) or a .safetensors file.")
    var model: String

    @Option(help: "Architecture preset (customnet-v1, tiny); inferred from the checkpoint when left out.")
    var preset: String?

    @Option(help: "Object image, PNG or JPEG, any size; RGBA is composited onto white.")
    var object: String

    @Option(help: "Where the object goes, x0,y0,x1,y1 in pixels of the output frame (default: the whole frame).")
    var box: String?

    @Option(parsing: .unconditional, help: "Polar (elevation) change in degrees (negative values welcome: --polar -15).")
    var polar: Double = 0

    @Option(parsing: .unconditional, help: "Azimuth change in degrees (negative values welcome: --azimuth -30).")
    var azimuth: Double = 0

    @Option(help: "Background / scene prompt.")
    var prompt: String = ""

    @Option(help: "Seed of the initial noise (torch.Generator().manual_seed compatible).")
    var seed: UInt64 = 1234

    @Option(help: "DDIM grid points (the official sampler runs one fewer).")
    var steps: Int = 50

    @Option(help: "Classifier-free guidance scale.")
    var guidance: Float = 3.0

    @Option(help: "Initial latent x_T as a float32 .npy of shape (1, 4, L, L), instead of the seeded noise.")
    var noise: String?

    @Option(help: "Threads for the tensor ops and OpenBLAS (default: all cores).")
    var threads: Int?

    @OptionGroup var winogradFilters: WinogradFilterOption

    @Option(help: "Folder to write each step's latent as .npy, for debugging.")
    var saveLatents: String?

    @Option(help: "Output PNG.")
    var out: String

    func run() throws {
        if let threads { Compute.threadCount = threads }
        winogradFilters.apply()
        let request = try makeRequest()
        let tokenizer = try ClipTokenizer(openCLIPMergesFileAt: ClipVocabularyFile.locate())
        let store = try WeightStore(path: model)
        let chosenPreset = try preset.map { name in
            guard let found = CustomNetPreset.named(name) else {
                throw ValidationError("unknown preset '\(name)'; known: \(CustomNetPreset.all.map(\.name).joined(separator: ", "))")
            }
            return found
        }
        let generator = try CustomNetGenerator(checkpoint: store, preset: chosenPreset, tokenizer: tokenizer)
        if let saveLatents { try FileManager.default.createDirectory(atPath: saveLatents, withIntermediateDirectories: true) }
        let progress = ProgressBar(label: "sampling")
        let image = try generator.render(request) { index, count, latent in
            progress.update(done: index + 1, total: count)
            if let saveLatents { try NumPyFile.write(latent, to: "\(saveLatents)/step\(String(format: "%02d", index)).npy") }
        }
        progress.finish()
        try createParentFolder(of: out)
        try PNG.write(image, to: out)
        print("wrote \(out) (\(image.width)×\(image.height), preset \(generator.preset.name))")
    }

    private func makeRequest() throws -> RenderRequest {
        var parsedBox: Box?
        if let box {
            guard let value = Box(parsing: box) else { throw ValidationError("--box must be x0,y0,x1,y1 in pixels, got '\(box)'") }
            parsedBox = value
        }
        guard polar.isFinite, azimuth.isFinite else { throw ValidationError("--polar and --azimuth must be finite numbers") }
        guard guidance.isFinite else { throw ValidationError("--guidance must be a finite number") }
        let objectImage = try ImageFile.read(path: object)
        let initial = try noise.map { try NumPyFile.read(path: $0) }
        return RenderRequest(object: objectImage, box: parsedBox, pose: Pose(polar: polar, azimuth: azimuth), prompt: prompt,
                             seed: seed, steps: steps, guidance: guidance, noise: initial)
    }
}

/// Progress on standard error: on a terminal a bar redrawn in place,
/// `sampling [#######-----] 20/49  3.1 s/step  ETA 1:30`; in a log, the same text as a line every tenth.
final class ProgressBar {
    private let label: String
    private let start = ContinuousClock.now
    private let isTerminal = isatty(2) == 1

    init(label: String) { self.label = label }

    func update(done: Int, total: Int) {
        guard isTerminal || done == total || done % max(1, total / 10) == 0 else { return }
        let elapsed = (ContinuousClock.now - start) / .seconds(1)
        let width = 30, filled = total > 0 ? width * done / total : width
        let perStep = elapsed / Double(max(done, 1))
        let remaining = Int(perStep * Double(total - done))
        let text = "\(label) [\(String(repeating: "#", count: filled))\(String(repeating: "-", count: width - filled))] \(done)/\(total)  "
            + String(format: "%.2f s/step  ETA %d:%02d", perStep, remaining / 60, remaining % 60)
        FileHandle.standardError.write(Data((isTerminal ? "\r" + text : text + "\n").utf8))
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
