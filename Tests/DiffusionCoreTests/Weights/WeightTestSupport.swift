import Foundation
@testable import DiffusionCore

/// The weight fixtures made by ops/reference/make_weight_fixtures.py, and their manifest.
enum WeightFixtures {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/weights").path

    static func path(_ name: String) -> String { folder + "/" + name }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    /// One fixture file as the manifest describes it: its tensors in file order, values as float32.
    struct File: Decodable {
        let format: String
        let tensors: [Tensor]
    }

    struct Tensor: Decodable {
        let name: String
        let dtype: String
        let shape: [Int]
        let values: [Double]
    }

    static func manifest() throws -> [String: File] {
        try JSONDecoder().decode([String: File].self, from: Data(contentsOf: URL(fileURLWithPath: path("manifest.json"))))
    }
}

/// A folder that is deleted with everything in it when the value goes.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "customnet-weights-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to a file named `name` in the folder and returns its path.
    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let filePath = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: filePath))
        return filePath
    }
}

/// Builds a ZIP archive of the given entries, as torch.save lays them out (no data descriptors; the
/// CRC is left 0, which the reader does not check). `method` other than 0 marks entries compressed.
func zipArchive(_ entries: [(name: String, bytes: [UInt8])], method: UInt16 = 0) -> [UInt8] {
    var archive: [UInt8] = []
    var directory: [UInt8] = []
    func le16(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt16(value).littleEndian, Array.init) }
    func le32(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(value).littleEndian, Array.init) }
    for (name, bytes) in entries {
        let offset = archive.count
        let nameBytes = Array(name.utf8)
        let common = le16(20) + le16(0) + le16(Int(method)) + le16(0) + le16(0) + le32(0) + le32(bytes.count) + le32(bytes.count) + le16(nameBytes.count)
        archive += le32(0x0403_4B50) + common + le16(0) + nameBytes + bytes
        directory += le32(0x0201_4B50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + nameBytes
    }
    let directoryOffset = archive.count
    archive += directory
    archive += le32(0x0605_4B50) + le16(0) + le16(0) + le16(entries.count) + le16(entries.count) + le32(directory.count) + le32(directoryOffset) + le16(0)
    return archive
}

/// Writes pickle opcodes by hand, for checkpoints no honest torch.save would produce.
struct PickleBytes {
    var bytes: [UInt8] = [0x80, 0x02] // PROTO 2

    mutating func op(_ code: Unicode.Scalar) { bytes.append(UInt8(ascii: code)) }
    mutating func raw(_ values: [UInt8]) { bytes += values }
    mutating func global(_ module: String, _ name: String) { op("c"); bytes += Array("\(module)\n\(name)\n".utf8) }
    mutating func string(_ text: String) { op("X"); bytes += withUnsafeBytes(of: UInt32(text.utf8.count).littleEndian, Array.init) + Array(text.utf8) }
    /// LONG1 with 8 bytes, so any Int fits.
    mutating func int(_ value: Int) { raw([0x8A, 8]); bytes += withUnsafeBytes(of: Int64(value).littleEndian, Array.init) }
    mutating func tuple(_ values: [Int]) { op("("); values.forEach { int($0) }; op("t") }

    /// `OrderedDict([("w", _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()))])`,
    /// the storage being `('storage', torch.<storageType>, '0', 'cpu', numel)`.
    static func stateDict(numel: Int, offset: Int = 0, size: [Int], stride: [Int], storageType: String = "FloatStorage") -> [UInt8] {
        var pickle = PickleBytes()
        pickle.global("collections", "OrderedDict"); pickle.op(")"); pickle.op("R")
        pickle.op("("); pickle.string("w")
        pickle.global("torch._utils", "_rebuild_tensor_v2")
        pickle.op("(")
        pickle.op("("); pickle.string("storage"); pickle.global("torch", storageType); pickle.string("0"); pickle.string("cpu"); pickle.int(numel); pickle.op("t")
        pickle.op("Q")
        pickle.int(offset); pickle.tuple(size); pickle.tuple(stride)
        pickle.raw([0x89]) // NEWFALSE
        pickle.global("collections", "OrderedDict"); pickle.op(")"); pickle.op("R")
        pickle.op("t"); pickle.op("R")
        pickle.op("u"); pickle.op(".")
        return pickle.bytes
    }
}

/// A torch.save-shaped archive: `archive/data.pkl` and one storage `archive/data/0`.
func torchArchive(pickle: [UInt8], storage: [UInt8] = [UInt8](repeating: 0, count: 16), method: UInt16 = 0) -> [UInt8] {
    zipArchive([("archive/data.pkl", pickle), ("archive/data/0", storage), ("archive/version", Array("3\n".utf8))], method: method)
}

/// A safetensors file with the given JSON header (unpadded) and data.
func safetensorsBytes(header: String, data: [UInt8]) -> [UInt8] {
    let json = Array(header.utf8)
    return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + data
}
