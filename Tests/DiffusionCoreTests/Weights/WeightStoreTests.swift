import Foundation
import Tensor
import Testing
@testable import DiffusionCore

struct WeightStoreTests {
    @Test func verifyReportsEveryMissingUnexpectedAndMisshapedKeyInOneError() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/model.safetensors"
        try SafetensorsWriter.write(["model.y.bias": Tensor(zeros: [9]), "model.z": Tensor(zeros: [2]), "model.ok": Tensor(zeros: [1, 2])], to: path)
        let store = try WeightStore(path: path)
        let expected = ["model.x.weight": [4, 3], "model.y.bias": [8], "model.ok": [1, 2]]
        #expect(throws: WeightFileError(path: path, problem: "3 problems: missing model.x.weight (expected [4, 3]); unexpected model.z (found [2]); model.y.bias: expected [8], found [9]")) {
            try store.verify(expected: expected)
        }
        try store.verify(expected: ["model.y.bias": [9], "model.z": [2], "model.ok": [1, 2]])
    }

    @Test func verifyAcceptsTheFixtureCheckpointsOwnKeys() throws {
        let store = try WeightStore(path: WeightFixtures.path("torch_fp16.pt"))
        try store.verify(expected: Dictionary(uniqueKeysWithValues: store.entries.map { ($0.name, $0.shape) }))
        #expect(throws: WeightFileError(path: store.path, problem: "1 problem: logit_scale: expected [1], found []")) {
            try store.verify(expected: Dictionary(uniqueKeysWithValues: store.entries.map { ($0.name, $0.name == "logit_scale" ? [1] : $0.shape) }))
        }
    }

    @Test func tensorLookupsNameTheFileTheTensorAndTheShapes() throws {
        let store = try WeightStore(path: WeightFixtures.path("mixed.safetensors"))
        #expect(throws: WeightFileError(path: store.path, problem: "no tensor named nope")) { try store.tensor("nope") }
        #expect(throws: WeightFileError(path: store.path, problem: "encoder.weight: expected [3, 4], found [4, 3]")) {
            try store.tensor("encoder.weight", shape: [3, 4])
        }
        #expect(store.byteCount == 4 * 3 * 4 + 4 * 2 + 8 * 2 + 5 * 8 + 4)
        #expect(store.parameterCount == 12 + 4 + 8 + 5 + 1)
    }

    @Test func aTensorOutlivesItsStoreAndWritesDoNotReachTheFile() throws {
        var tensor = try WeightStore(path: WeightFixtures.path("torch_fp32.pt")).tensor("linear.bias")
        let original = tensor.scalars
        tensor.withUnsafeMutableBufferPointer { $0[0] = 42 }
        #expect(tensor.scalars[0] == 42)
        #expect(try WeightStore(path: WeightFixtures.path("torch_fp32.pt")).tensor("linear.bias").scalars == original)
    }

    /// A converted tensor has memory of its own, so its 16-bit bytes leave the process's resident set
    /// (the whole checkpoint would otherwise stay resident beside its f32 copy); f32 views still work.
    @Test func convertingATensorReleasesItsPagesOfTheMapping() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/half.safetensors"
        let count = 1 << 21
        let values = Tensor(shape: [count], scalars: (0..<count).map { Float($0 % 2048) / 8 })
        try SafetensorsWriter.write(["half": values], to: path, dtype: .f16)
        let store = try WeightStore(path: path)
        let base = try #require(store.file.bytes.baseAddress)

        let first = try store.tensor("half")
        #expect(first.scalars == values.scalars, "f16 holds these values exactly")
        let resident = try Self.residentKilobytes(ofMappingAt: base)
        #expect(resident < 64, "\(resident) kB of the 4 MB f16 data still resident after conversion")
        #expect(try store.tensor("half").scalars == values.scalars, "released pages are read back from the file")
    }

    /// `Rss` of the mapping starting at `address`, from /proc/self/smaps.
    static func residentKilobytes(ofMappingAt address: UnsafeRawPointer) throws -> Int {
        // Read to the end: procfs files report size 0.
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/smaps"))
        defer { try? handle.close() }
        let smaps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        let start = String(UInt(bitPattern: address), radix: 16) + "-"
        var inMapping = false
        for line in smaps.split(separator: "\n") {
            if line.first?.isHexDigit == true && line.contains("-") {
                inMapping = line.hasPrefix(start) || line.hasPrefix("0" + start)
            } else if inMapping, line.hasPrefix("Rss:") {
                return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])!
            }
        }
        throw CocoaError(.fileReadNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "no mapping at \(start) in /proc/self/smaps"])
    }
}
