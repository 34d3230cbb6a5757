import Foundation

/// A problem reading or writing a `.npy` file; the description starts with the path.
public struct NumPyFileError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}

/// The NumPy `.npy` format (versions 1–3), for fixtures, injected noise and saved latents.
/// Reads little-endian `float32` and `float64` arrays in C order; writes `float32`, version 1.
public enum NumPyFile {
    /// Reads the array in the file at `path` as a Float32 tensor of the same shape.
    public static func read(path: String) throws(NumPyFileError) -> Tensor {
        guard let data = FileManager.default.contents(atPath: path) else { throw NumPyFileError(path: path, problem: "cannot be read") }
        let bytes = [UInt8](data)
        func fail(_ problem: String) -> NumPyFileError { NumPyFileError(path: path, problem: problem) }
        guard bytes.count >= 10, bytes.starts(with: [0x93] + Array("NUMPY".utf8)) else { throw fail("not a .npy file (bad magic)") }
        let major = bytes[6]
        let headerLengthSize = major == 1 ? 2 : 4
        guard (1...3).contains(major), bytes.count >= 8 + headerLengthSize else { throw fail("unsupported .npy version \(major)") }
        var headerLength = 0
        for i in 0..<headerLengthSize { headerLength |= Int(bytes[8 + i]) << (8 * i) }
        let dataStart = 8 + headerLengthSize + headerLength
        guard dataStart <= bytes.count else { throw fail("header runs past the end of the file") }
        let header = String(decoding: bytes[(8 + headerLengthSize)..<dataStart], as: UTF8.self)

        guard let descr = field("descr", in: header) else { throw fail("header has no 'descr'") }
        guard field("fortran_order", in: header) == "False" else { throw fail("Fortran-ordered arrays are not supported") }
        guard let shapeText = field("shape", in: header) else { throw fail("header has no 'shape'") }
        let shape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "()"))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.compactMap { Int($0) }
        let elementSize: Int
        switch descr {
        case "'<f4'": elementSize = 4
        case "'<f8'": elementSize = 8
        default: throw fail("dtype \(descr) is not supported (float32 or float64 only)")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("bad shape \(shapeText)") }
        let (count, overflow) = shape.reduce((1, false)) { acc, d in
            let (product, o) = acc.0.multipliedReportingOverflow(by: d)
            return (product, acc.1 || o)
        }
        guard !overflow, count <= (bytes.count - dataStart) / elementSize else {
            throw fail("shape \(shape) needs more data than the file holds")
        }
        var tensor = Tensor(zeros: shape)
        tensor.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    out[i] = elementSize == 4
                        ? Float(bitPattern: raw.loadUnaligned(fromByteOffset: dataStart + 4 * i, as: UInt32.self).littleEndian)
                        : Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: dataStart + 8 * i, as: UInt64.self).littleEndian))
                }
            }
        }
        return tensor
    }

    /// Writes `tensor` as a float32 `.npy` file (version 1, C order), atomically.
    public static func write(_ tensor: Tensor, to path: String) throws(NumPyFileError) {
        let shapeText = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad with spaces so the data starts on a 64-byte boundary, ending with a newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        tensor.withUnsafeBufferPointer { values in
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        }
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw NumPyFileError(path: path, problem: "cannot be written: \(error.localizedDescription)")
        }
    }

    /// The raw text of a `'key': value` entry of the header dictionary.
    private static func field(_ key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)':") else { return nil }
        let rest = header[keyRange.upperBound...].trimmingCharacters(in: .whitespaces)
        if rest.hasPrefix("(") {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        return rest.split(separator: ",", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
