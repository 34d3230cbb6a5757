import Foundation

/// Reads the tensor table of a safetensors file: an 8-byte little-endian header length, a JSON header
/// mapping each name to `{"dtype", "shape", "data_offsets": [begin, end]}` (plus an optional
/// `"__metadata__"` of strings), then the data area the offsets count from.
///
/// Everything is checked before anything is allocated: the header length against the file and a
/// 100 MB cap, each dtype against the supported ones, each shape for negative dimensions and overflow,
/// and each tensor's byte range against the data area and against its shape.
enum SafetensorsReader {
    /// The largest header accepted (the `safetensors` library's own limit).
    static let maximumHeaderLength = 100_000_000

    /// The file's tensors, in the order of their data, and the header's `__metadata__` (empty when absent).
    static func entries(in file: MappedFile) throws(WeightFileError) -> (entries: [WeightEntry], metadata: [String: String]) {
        let whole = ByteView(path: file.path, part: "safetensors header", bytes: file.bytes)
        guard whole.count >= 8 else {
            throw whole.failure("the file has \(whole.count) bytes, fewer than the 8 of the header length")
        }
        let headerLength = try whole.uint64(at: 0)
        guard headerLength <= UInt64(maximumHeaderLength) else {
            throw whole.failure("the header length \(headerLength) exceeds the limit of \(maximumHeaderLength) bytes")
        }
        guard headerLength <= UInt64(whole.count - 8) else {
            throw whole.failure("the header length \(headerLength) runs past the end of the file (\(whole.count) bytes)")
        }
        let header = try whole.slice(at: 8, length: Int(headerLength))
        let dataStart = 8 + Int(headerLength)
        let dataLength = whole.count - dataStart
        let table = try decodeTable(header)
        var entries: [(begin: Int, entry: WeightEntry)] = []
        for (name, description) in table.tensors {
            let stored = try storedTensor(name: name, description, dataStart: dataStart, dataLength: dataLength, header: header)
            entries.append((stored.byteOffset, WeightEntry(name: name, stored: stored)))
        }
        return (entries.sorted { ($0.begin, $0.entry.name) < ($1.begin, $1.entry.name) }.map(\.entry), table.metadata)
    }

    private static func storedTensor(name: String, _ description: TensorDescription, dataStart: Int, dataLength: Int,
                                     header: ByteView) throws(WeightFileError) -> StoredTensor {
        guard let dtype = WeightDType(safetensorsName: description.dtype) else {
            let supported = WeightDType.allCases.map(\.safetensorsName).joined(separator: ", ")
            throw header.failure("tensor \(name) has dtype \(description.dtype); supported: \(supported)")
        }
        guard let elementCount = StoredTensor.elementCount(of: description.shape) else {
            throw header.failure("tensor \(name) has shape \(description.shape), with a negative dimension or more elements than fit in memory")
        }
        let (byteLength, overflow) = elementCount.multipliedReportingOverflow(by: dtype.byteCount)
        let offsets = description.dataOffsets
        guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataLength else {
            throw header.failure("tensor \(name) has data_offsets \(offsets), not a range inside the \(dataLength)-byte data area")
        }
        guard !overflow, offsets[1] - offsets[0] == byteLength else {
            throw header.failure("tensor \(name) has data_offsets \(offsets) (\(offsets[1] - offsets[0]) bytes) but shape \(description.shape) of \(dtype.safetensorsName) needs \(overflow ? "more than Int.max" : String(byteLength))")
        }
        return StoredTensor(dtype: dtype, shape: description.shape, strides: StoredTensor.rowMajorStrides(of: description.shape),
                            byteOffset: dataStart + offsets[0], elementCount: elementCount)
    }

    private static func decodeTable(_ header: ByteView) throws(WeightFileError) -> HeaderTable {
        do {
            return try JSONDecoder().decode(HeaderTable.self, from: Data(header.bytes))
        } catch let error as DecodingError {
            throw header.failure("not a valid safetensors header: \(explain(error))")
        } catch {
            throw header.failure("not a valid safetensors header: \(error)")
        }
    }

    private static func explain(_ error: DecodingError) -> String {
        func at(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "top level" : path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(at(context.codingPath)): no \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(at(context.codingPath)): \(context.debugDescription)"
        case .dataCorrupted(let context): return "\(at(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

/// One tensor's header entry as written.
private struct TensorDescription: Decodable {
    let dtype: String
    let shape: [Int]
    let dataOffsets: [Int]

    enum CodingKeys: String, CodingKey {
        case dtype, shape
        case dataOffsets = "data_offsets"
    }
}

/// The header object: every key but `__metadata__` is a tensor; `__metadata__` must map strings to strings.
private struct HeaderTable: Decodable {
    let tensors: [(String, TensorDescription)]
    let metadata: [String: String]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: NameKey.self)
        var tensors: [(String, TensorDescription)] = []
        var metadata: [String: String] = [:]
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                tensors.append((key.stringValue, try container.decode(TensorDescription.self, forKey: key)))
            }
        }
        self.tensors = tensors
        self.metadata = metadata
    }
}

private struct NameKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
