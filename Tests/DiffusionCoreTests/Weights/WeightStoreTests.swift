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
}
