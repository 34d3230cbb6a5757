import Foundation
import Testing
@testable import Tensor

struct TensorTests {
    @Test func viewsShareMemoryUntilOneIsWritten() {
        let original = Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        let rows = original.slice(1..<3)
        #expect(rows.shape == [2, 2] && rows.scalars == [3, 4, 5, 6])
        var flat = rows.reshaped([-1])
        #expect(flat.shape == [4])
        flat.withUnsafeMutableBufferPointer { $0[0] = 99 }
        #expect(flat.scalars == [99, 4, 5, 6])
        #expect(original.scalars == [1, 2, 3, 4, 5, 6], "writing a view must not change the tensor it came from")
        #expect(original[2, 1] == 6)
    }

    @Test func borrowedMemoryIsCopiedBeforeWriting() {
        final class Owner {
            let values: UnsafeMutablePointer<Float>
            init() { values = .allocate(capacity: 4); values.initialize(from: [1, 2, 3, 4], count: 4) }
            deinit { values.deallocate() }
        }
        let owner = Owner()
        var tensor = Tensor(shape: [2, 2], storage: TensorStorage(borrowing: owner.values, count: 4, owner: owner))
        tensor.withUnsafeMutableBufferPointer { $0[3] = 0 }
        #expect(tensor.scalars == [1, 2, 3, 0])
        #expect(owner.values[3] == 4)
    }

    @Test func numPyFilesRoundTrip() throws {
        let path = NSTemporaryDirectory() + "customnet-\(UUID().uuidString).npy"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tensor = Tensor(shape: [2, 3, 1], scalars: [0, -1.5, .pi, 1e-30, 3e38, -0])
        try NumPyFile.write(tensor, to: path)
        let read = try NumPyFile.read(path: path)
        #expect(read.shape == [2, 3, 1])
        #expect(read.scalars.map(\.bitPattern) == tensor.scalars.map(\.bitPattern))
    }

    @Test func badNumPyFilesAreErrorsNamingThePath() throws {
        let path = NSTemporaryDirectory() + "customnet-\(UUID().uuidString).npy"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try NumPyFile.write(Tensor(zeros: [64]), to: path)
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        try whole.prefix(whole.count - 4).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: NumPyFileError.self) { try NumPyFile.read(path: path) }
        #expect(error?.description.hasPrefix(path + ": ") == true)
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: NumPyFileError.self) { try NumPyFile.read(path: path) }
    }
}
