import Foundation
import Tensor

/// A Hugging Face model folder as `save_pretrained` writes it and the hub serves it: `config.json` and
/// the weights, `model.safetensors` or else `pytorch_model.bin` (a torch.save zip). Sharded weights
/// (`*.index.json`) are not read.
struct HuggingFaceModelFolder {
    static let configFileName = "config.json"
    /// The weight files looked for, in order of preference.
    static let weightFileNames = ["model.safetensors", "pytorch_model.bin"]

    /// The folder, as the caller named it.
    let path: String
    /// The model it should hold, for messages ("DINO ViT", "CLIP").
    let model: String

    /// The folder at `path`, which must exist and be a folder.
    init(path: String, model: String) throws(MetricError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw MetricError(path: path, problem: "no such folder (expected a \(model) model folder)")
        }
        guard isFolder.boolValue else {
            throw MetricError(path: path, problem: "not a folder (a \(model) model folder holds \(Self.configFileName) and "
                              + Self.weightFileNames.joined(separator: " or ") + ")")
        }
        self.path = path
        self.model = model
    }

    /// Whether `path` is a folder (as opposed to a file or nothing).
    static func isFolder(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
    }

    var configPath: String { path + "/" + Self.configFileName }

    /// config.json, decoded; a missing file, bad JSON or a field of the wrong type is an error naming
    /// the file and the field.
    func config<Config: Decodable>(_ type: Config.Type) throws(MetricError) -> Config {
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw MetricError(path: path, problem: "not a Hugging Face \(model) model folder: it has no readable \(Self.configFileName)")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw MetricError(path: configPath, problem: "not a \(model) config: \(Self.describe(error))")
        } catch {
            throw MetricError(path: configPath, problem: "not a \(model) config: \(error)")
        }
    }

    /// The weight file, opened and checked (`WeightStore`).
    func weights() throws(MetricError) -> WeightStore {
        guard let name = Self.weightFileNames.first(where: { FileManager.default.fileExists(atPath: path + "/" + $0) }) else {
            throw MetricError(path: path, problem: "not a Hugging Face \(model) model folder: it holds neither "
                              + Self.weightFileNames.joined(separator: " nor "))
        }
        do {
            return try WeightStore(path: path + "/" + name)
        } catch {
            throw MetricError(path: error.path, problem: error.problem)
        }
    }

    /// Writes `config` as config.json (pretty, keys sorted) and the tensors of `layout` as
    /// model.safetensors into `folder`, which is created if missing.
    static func write(config: some Encodable, layout: [(name: String, shape: [Int])], to folder: String, dtype: WeightDType,
                      metadata: [String: String], tensor: (String) -> Tensor) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try (encoder.encode(config) + Data("\n".utf8)).write(to: URL(fileURLWithPath: folder + "/" + configFileName), options: .atomic)
        try SafetensorsWriter.write(shapes: layout, to: folder + "/" + weightFileNames[0], dtype: dtype, metadata: metadata) { name in
            tensor(name)
        }
    }

    /// A decoding error as one line: the field's dotted path and what was wrong with it.
    private static func describe(_ error: DecodingError) -> String {
        func dotted(_ path: [any CodingKey]) -> String { path.isEmpty ? "(the whole file)" : path.map(\.stringValue).joined(separator: ".") }
        switch error {
        case .keyNotFound(let key, let context): return "missing field \(dotted(context.codingPath + [key]))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "field \(dotted(context.codingPath)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "field \(dotted(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

extension KeyedDecodingContainer {
    /// The value under `key`, or `defaultValue` when the key is absent: transformers' `to_json_file`
    /// leaves out the fields that equal the config class's defaults.
    func value<Value: Decodable>(_ key: Key, default defaultValue: Value) throws -> Value {
        try decodeIfPresent(Value.self, forKey: key) ?? defaultValue
    }
}
