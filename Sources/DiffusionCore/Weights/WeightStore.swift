import Tensor

/// A weight file opened for reading: a safetensors file or a `torch.save` checkpoint, told apart by
/// its first bytes. Opening maps the file and checks every tensor's description against it, so a
/// hostile or damaged file fails here, with an error naming it, and reading a tensor cannot fail.
/// Contiguous, aligned f32 tensors are views of the mapped file (no copy); the rest are converted to
/// Float32 on each read.
public struct WeightStore: Sendable {
    /// The two file formats a store reads.
    public enum Format: String, Sendable {
        /// `safetensors` (Hugging Face): a JSON header and raw data.
        case safetensors
        /// A `torch.save` ZIP checkpoint holding a state dict.
        case torch
    }

    /// The file, as the caller named it.
    public let path: String
    /// Which reader the file's first bytes chose.
    public let format: Format
    /// Every tensor, in the file's order (the state dict's for torch, the data's for safetensors).
    public let entries: [WeightEntry]
    /// A safetensors header's `__metadata__` (`customnet.weights: random, seed 0` for `model init-random`); empty for torch files.
    public let metadata: [String: String]
    private let positions: [String: Int]
    let file: MappedFile

    /// Opens and checks the file at `path`.
    public init(path: String) throws(WeightFileError) {
        file = try MappedFile(path: path)
        self.path = path
        let start = Array(file.bytes.prefix(9))
        if start.starts(with: Array("PK\u{3}\u{4}".utf8)) {
            format = .torch
            entries = try TorchCheckpointReader.entries(in: file)
            metadata = [:]
        } else if start.count == 9, start[8] == UInt8(ascii: "{") { // an 8-byte length, then a JSON object
            format = .safetensors
            (entries, metadata) = try SafetensorsReader.entries(in: file)
        } else if start.starts(with: [0x80, 0x02, 0x8A, 0x0A]) { // pickle protocol 2, then torch's legacy magic number
            throw WeightFileError(path: path, problem: "a torch checkpoint in the legacy (torch < 1.6) format; re-save it with torch.save from torch ≥ 1.6")
        } else {
            let leading = start.map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined(separator: " ")
            throw WeightFileError(path: path, problem: start.isEmpty ? "is empty"
                                  : "neither a torch.save checkpoint nor a safetensors file (it starts with \(leading))")
        }
        positions = Dictionary(entries.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { first, _ in first })
    }

    /// The tensor names, in the file's order.
    public var names: [String] { entries.map(\.name) }

    /// The number of elements of all tensors together.
    public var parameterCount: Int { entries.reduce(0) { $0 + $1.elementCount } }

    /// The bytes all tensors take in their stored types (views of a shared storage count separately).
    public var byteCount: Int { entries.reduce(0) { $0 + $1.byteCount } }

    /// The entry for `name`, or nil if the file has no such tensor.
    public func entry(named name: String) -> WeightEntry? {
        positions[name].map { entries[$0] }
    }

    /// The tensor `name`, as Float32 in row-major order.
    public func tensor(_ name: String) throws(WeightFileError) -> Tensor {
        guard let entry = entry(named: name) else { throw WeightFileError(path: path, problem: "no tensor named \(name)") }
        return entry.stored.tensor(in: file)
    }

    /// The tensor `name`, which must have `shape`.
    public func tensor(_ name: String, shape: [Int]) throws(WeightFileError) -> Tensor {
        guard let entry = entry(named: name) else { throw WeightFileError(path: path, problem: "no tensor named \(name) (expected \(shape))") }
        guard entry.shape == shape else { throw WeightFileError(path: path, problem: "\(name): expected \(shape), found \(entry.shape)") }
        return entry.stored.tensor(in: file)
    }

    /// Checks that the file holds exactly the tensors in `expected` with exactly those shapes, as a
    /// strict `load_state_dict` does; one error lists every missing, unexpected and mis-shaped name.
    public func verify(expected: [String: [Int]]) throws(WeightFileError) {
        var problems: [String] = []
        for (name, shape) in expected.sorted(by: { $0.key < $1.key }) where entry(named: name) == nil {
            problems.append("missing \(name) (expected \(shape))")
        }
        for entry in entries.sorted(by: { $0.name < $1.name }) where expected[entry.name] == nil {
            problems.append("unexpected \(entry.name) (found \(entry.shape))")
        }
        for entry in entries.sorted(by: { $0.name < $1.name }) {
            if let shape = expected[entry.name], shape != entry.shape {
                problems.append("\(entry.name): expected \(shape), found \(entry.shape)")
            }
        }
        guard problems.isEmpty else {
            throw WeightFileError(path: path, problem: "\(problems.count) problem\(problems.count == 1 ? "" : "s"): \(problems.joined(separator: "; "))")
        }
    }
}
