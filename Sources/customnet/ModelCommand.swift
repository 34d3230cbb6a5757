import ArgumentParser
import DiffusionCore
import Foundation
import Tensor

/// `customnet model …`: model files.
struct Model: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Model files: write random weights in the official layouts.",
        subcommands: [InitRandom.self])
}

/// `customnet model init-random`: a checkpoint with random weights in the official layout, for tests,
/// demos and benchmarks on machines without the real weights.
struct InitRandom: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init-random",
        abstract: "Write random weights in the official key layout (safetensors).",
        discussion: "The result loads like the real checkpoint (customnet_v1.pt) but renders noise-like images. Presets: "
            + CustomNetPreset.all.map(\.name).joined(separator: ", ") + ". Metric encoder presets ("
            + MetricModelPreset.all.map(\.name).joined(separator: ", ")
            + ") write a Hugging Face model folder instead: --out names the folder, which gets config.json and model.safetensors.")

    @Option(help: "Architecture preset.")
    var preset: String

    @Option(help: "Seed of the random values (same seed, same file).")
    var seed: UInt64 = 0

    @Option(help: "Stored precision: f32, f16 or bf16.")
    var dtype: String = "f32"

    @Option(help: "Output file (.safetensors), or folder for a metric encoder preset.")
    var out: String

    func validate() throws {
        guard CustomNetPreset.named(preset) != nil || MetricModelPreset.named(preset) != nil else {
            let known = CustomNetPreset.all.map(\.name) + MetricModelPreset.all.map(\.name)
            throw ValidationError("unknown preset '\(preset)'; known: \(known.joined(separator: ", "))")
        }
        guard WeightDType(rawValue: dtype).map({ $0 != .i64 }) == true else { throw ValidationError("--dtype must be f32, f16 or bf16") }
    }

    func run() throws {
        if let metricPreset = MetricModelPreset.named(preset) {
            try metricPreset.writeRandomFolder(out, seed: seed, dtype: WeightDType(rawValue: dtype)!)
            let layout = metricPreset.layout
            let parameters = layout.reduce(0) { $0 + $1.shape.reduce(1, *) }
            print("wrote \(out): preset \(metricPreset.name), config.json and model.safetensors, \(layout.count) tensors, "
                  + "\(parameters) parameters, random (seed \(seed)), \(dtype)")
            return
        }
        let preset = CustomNetPreset.named(preset)!
        try createParentFolder(of: out)
        let layout = CustomNetCheckpoint.layout(of: preset)
        let shapes = Dictionary(layout.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
        try SafetensorsWriter.write(shapes: layout, to: out, dtype: WeightDType(rawValue: dtype)!,
                                    metadata: ["customnet.preset": preset.name, "customnet.weights": "random, seed \(seed)"]) { name in
            CustomNetCheckpoint.initialValue(named: name, shape: shapes[name] ?? [], seed: seed)
        }
        let parameters = layout.reduce(0) { $0 + $1.shape.reduce(1, *) }
        print("wrote \(out): preset \(preset.name), \(layout.count) tensors, \(parameters) parameters, random (seed \(seed)), \(dtype)")
    }
}

/// Creates the folder a file is about to be written to, if it is missing.
func createParentFolder(of path: String) throws {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
}
