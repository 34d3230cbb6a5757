import Foundation
import Tensor

/// Writes safetensors files the `safetensors` library reads: tensors in sorted name order, the JSON
/// header padded with spaces to a multiple of 8 bytes, data little-endian. The file appears complete
/// or not at all (written beside the target, flushed, then renamed over it).
public enum SafetensorsWriter {
    /// Writes `tensors` to `path` in `dtype` (narrowing rounds to nearest, ties to even).
    public static func write(_ tensors: [String: Tensor], to path: String, dtype: WeightDType = .f32,
                             metadata: [String: String] = [:]) throws(WeightFileError) {
        let shapes = tensors.map { (name: $0.key, shape: $0.value.shape) }
        try write(shapes: shapes, to: path, dtype: dtype, metadata: metadata) { name throws(WeightFileError) in
            guard let tensor = tensors[name] else { throw WeightFileError(path: path, problem: "no tensor named \(name)") }
            return tensor
        }
    }

    /// Writes the tensors named in `shapes` to `path` in `dtype`, asking `tensor` for each one in turn
    /// (so a large model never has to be in memory at once, e.g. when converting a file).
    /// - Parameters:
    ///   - metadata: the header's `__metadata__` (left out when empty).
    ///   - tensor: the tensor with a given name; it must have the shape given for that name.
    public static func write(shapes: [(name: String, shape: [Int])], to path: String, dtype: WeightDType = .f32,
                             metadata: [String: String] = [:],
                             tensor: (String) throws(WeightFileError) -> Tensor) throws(WeightFileError) {
        guard dtype != .i64 else { throw WeightFileError(path: path, problem: "safetensors output can be f32, f16 or bf16, not i64") }
        let ordered = shapes.sorted { $0.name < $1.name }
        if let duplicate = zip(ordered, ordered.dropFirst()).first(where: { $0.0.name == $0.1.name }) {
            throw WeightFileError(path: path, problem: "tensor \(duplicate.0.name) is given twice")
        }
        let output = try AtomicFileOutput(path: path)
        try output.append(header(for: ordered, dtype: dtype, metadata: metadata))
        for (name, shape) in ordered {
            let values = try tensor(name)
            guard values.shape == shape else {
                throw WeightFileError(path: path, problem: "tensor \(name) has shape \(values.shape), not the \(shape) announced")
            }
            try output.append(values, as: dtype)
        }
        try output.commit()
    }

    /// The length-prefixed JSON header, padded with spaces so the data starts at a multiple of 8.
    static func header(for ordered: [(name: String, shape: [Int])], dtype: WeightDType, metadata: [String: String]) -> [UInt8] {
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, shape) in ordered {
            let end = offset + shape.reduce(1, *) * dtype.byteCount
            let shapeList = shape.map(String.init).joined(separator: ",")
            fields.append("\(jsonString(name)):{\"dtype\":\"\(dtype.safetensorsName)\",\"shape\":[\(shapeList)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var json = Array("{\(fields.joined(separator: ","))}".utf8)
        json += [UInt8](repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8)
        return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json
    }

    /// `text` as a JSON string literal.
    private static func jsonString(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where scalar.value < 0x20: escaped += String(format: "\\u%04x", scalar.value)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }
}

/// A file written under a temporary name beside its target and renamed over the target on `commit()`;
/// removed instead if it is abandoned (an error, or never committed).
private struct AtomicFileOutput: ~Copyable {
    let path: String
    private let temporaryPath: String
    private var descriptor: Int32

    init(path: String) throws(WeightFileError) {
        self.path = path
        temporaryPath = "\(path).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.failure(path, "cannot be created (\(temporaryPath))") }
    }

    func append(_ bytes: [UInt8]) throws(WeightFileError) {
        try bytes.withUnsafeBytes { raw in Result { () throws(WeightFileError) in try append(raw) } }.get()
    }

    /// Writes `tensor`'s values in `dtype`, a bounded chunk at a time.
    func append(_ tensor: Tensor, as dtype: WeightDType) throws(WeightFileError) {
        let chunkElements = 1 << 20
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkElements * dtype.byteCount, alignment: 8)
        defer { chunk.deallocate() }
        try tensor.withUnsafeBufferPointer { values in
            Result { () throws(WeightFileError) in
                var start = 0
                while start < values.count {
                    let part = UnsafeBufferPointer(rebasing: values[start..<min(start + chunkElements, values.count)])
                    if let destination = chunk.baseAddress { dtype.encode(part, into: destination) }
                    try append(UnsafeRawBufferPointer(rebasing: chunk[0..<part.count * dtype.byteCount]))
                    start += part.count
                }
            }
        }.get()
    }

    private func append(_ bytes: UnsafeRawBufferPointer) throws(WeightFileError) {
        var written = 0
        while written < bytes.count, let base = bytes.baseAddress {
            let result = write(descriptor, base + written, bytes.count - written)
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { throw Self.failure(path, "cannot be written") }
            written += result
        }
    }

    /// Flushes the data to disk and renames the file over the target.
    consuming func commit() throws(WeightFileError) {
        guard fsync(descriptor) == 0 else { throw Self.failure(path, "cannot be flushed to disk") }
        let closed = close(descriptor)
        descriptor = -1
        guard closed == 0 else { throw Self.failure(path, "cannot be closed") }
        guard rename(temporaryPath, path) == 0 else {
            let error = Self.failure(path, "cannot be renamed into place from \(temporaryPath)")
            unlink(temporaryPath)
            throw error
        }
    }

    deinit {
        if descriptor >= 0 {
            close(descriptor)
            unlink(temporaryPath)
        }
    }

    private static func failure(_ path: String, _ what: String) -> WeightFileError {
        WeightFileError(path: path, problem: "\(what): \(String(cString: strerror(errno)))")
    }
}
