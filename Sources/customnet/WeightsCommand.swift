import ArgumentParser
import DiffusionCore
import Foundation

/// `customnet weights`: look inside weight files and convert them to safetensors.
struct Weights: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect weight files (safetensors or torch.save checkpoints) and convert them to safetensors.",
        subcommands: [Inspect.self, Convert.self])

    /// `customnet weights inspect FILE [--json]`: every tensor's name, dtype and shape, and the totals.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every tensor of a weight file with its dtype and shape.")

        @Argument(help: "A .safetensors file or a torch.save checkpoint (.pt, .pth, .ckpt).")
        var file: String

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            let store = try WeightStore(path: file)
            if json {
                print(try WeightFileSummary(store).json())
                return
            }
            let nameWidth = store.entries.map(\.name.count).max() ?? 0
            for entry in store.entries {
                print("\(entry.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0))  \(entry.dtype.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0))  \(entry.shape)")
            }
            print("\(store.path): \(store.format.rawValue), \(store.entries.count) tensors, \(store.parameterCount) parameters, \(store.byteCount) bytes")
        }
    }

    /// `customnet weights convert IN OUT.safetensors [--dtype f32|f16|bf16]`.
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every tensor of a weight file to a safetensors file, names and values kept (narrowing rounds to nearest even).")

        @Argument(help: "A .safetensors file or a torch.save checkpoint.")
        var input: String

        @Argument(help: "The safetensors file to write (replaced atomically).")
        var output: String

        @Option(help: "The element type to write: f32, f16 or bf16 (int64 tensors such as position_ids become floats too).")
        var dtype: WeightDType = .f32

        func validate() throws {
            guard output.hasSuffix(".safetensors") else { throw ValidationError("the output file must end in .safetensors") }
            guard dtype != .i64 else { throw ValidationError("--dtype must be f32, f16 or bf16") }
        }

        func run() throws {
            let store = try WeightStore(path: input)
            try SafetensorsWriter.write(shapes: store.entries.map { ($0.name, $0.shape) }, to: output, dtype: dtype,
                                        metadata: ["format": "pt"], tensor: store.tensor)
            print("\(output): \(store.entries.count) tensors, \(store.parameterCount) parameters as \(dtype.rawValue), from \(input)")
        }
    }
}

extension WeightDType: ExpressibleByArgument {}

/// What `weights inspect --json` prints.
private struct WeightFileSummary: Encodable {
    struct Tensor: Encodable {
        let name: String
        let dtype: WeightDType
        let shape: [Int]
    }

    let path: String
    let format: String
    let tensors: [Tensor]
    let tensorCount: Int
    let parameterCount: Int
    let byteCount: Int

    init(_ store: WeightStore) {
        path = store.path
        format = store.format.rawValue
        tensors = store.entries.map { Tensor(name: $0.name, dtype: $0.dtype, shape: $0.shape) }
        tensorCount = store.entries.count
        parameterCount = store.parameterCount
        byteCount = store.byteCount
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
