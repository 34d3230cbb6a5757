import Foundation
import Tensor
import Testing
@testable import DiffusionCore

/// Every file written by PyTorch and the safetensors package reads back with every value exact.
struct WeightFixtureTests {
    static let fixtureNames = ["torch_fp32.pt", "torch_fp16.pt", "torch_bf16.pt", "torch_fp32_zip64.pt", "torch_wrapped.pt", "mixed.safetensors"]

    @Test(arguments: fixtureNames)
    func everyTensorMatchesTheManifest(_ fileName: String) throws {
        let expected = try #require(try WeightFixtures.manifest()[fileName])
        let store = try WeightStore(path: WeightFixtures.path(fileName))
        #expect(store.format.rawValue == expected.format)
        if store.format == .torch {
            #expect(store.names == expected.tensors.map(\.name), "a torch state dict keeps its order")
        } else {
            #expect(store.names.sorted() == expected.tensors.map(\.name))
        }
        for tensor in expected.tensors {
            let entry = try #require(store.entry(named: tensor.name))
            #expect(entry.dtype.rawValue == tensor.dtype, "\(tensor.name)")
            #expect(entry.shape == tensor.shape, "\(tensor.name)")
            let read = try store.tensor(tensor.name, shape: tensor.shape)
            let bits = read.scalars.map(\.bitPattern)
            #expect(bits == tensor.values.map { Float($0).bitPattern }, "\(fileName): \(tensor.name)")
        }
        #expect(store.parameterCount == expected.tensors.reduce(0) { $0 + $1.values.count })
    }

    @Test func contiguousFloat32TensorsAreViewsOfTheFileAndStridedOnesAreCopies() throws {
        let store = try WeightStore(path: WeightFixtures.path("torch_fp32.pt"))
        func address(_ tensor: Tensor) -> UnsafePointer<Float>? { tensor.withUnsafeBufferPointer(\.baseAddress) }
        let (first, second) = (try store.tensor("linear.weight"), try store.tensor("linear.weight"))
        #expect(address(first) == address(second), "two reads of a mapped tensor share the file's memory")
        let (base, row) = (try store.tensor("shared.base"), try store.tensor("shared.row2"))
        #expect(address(row) == address(base).map { $0 + 12 }, "a view with a storage offset points into its storage")
        let (transposed, again) = (try store.tensor("proj.weight_t"), try store.tensor("proj.weight_t"))
        #expect(address(transposed) != address(again), "a transposed tensor is gathered into new memory on each read")
    }

    @Test func stridedLayoutsAreMaterialisedRowMajor() throws {
        let store = try WeightStore(path: WeightFixtures.path("torch_fp32.pt"))
        let base = try store.tensor("shared.base", shape: [4, 6])
        let block = try store.tensor("shared.block", shape: [2, 3])
        #expect(block.scalars == [base[1, 2], base[1, 3], base[1, 4], base[2, 2], base[2, 3], base[2, 4]])
        let broadcast = try store.tensor("bias.broadcast", shape: [2, 3])
        #expect(broadcast.scalars == [0.25, -1.5, 3.0, 0.25, -1.5, 3.0])
        #expect(try store.tensor("text.position_ids", shape: [1, 77]).scalars == (0..<77).map(Float.init))
        #expect(store.entry(named: "logit_scale")?.shape == [])
    }

    @Test func writingTheFp32CheckpointAsF16OrBf16GivesTorchsOwnRounding() throws {
        let folder = try TemporaryFolder()
        let source = try WeightStore(path: WeightFixtures.path("torch_fp32.pt"))
        let manifest = try WeightFixtures.manifest()
        for (dtype, torchFile) in [(WeightDType.f16, "torch_fp16.pt"), (.bf16, "torch_bf16.pt")] {
            let path = folder.path + "/converted-\(dtype.rawValue).safetensors"
            try SafetensorsWriter.write(shapes: source.entries.map { ($0.name, $0.shape) }, to: path, dtype: dtype, tensor: source.tensor)
            let converted = try WeightStore(path: path)
            for tensor in try #require(manifest[torchFile]).tensors {
                let values = try converted.tensor(tensor.name, shape: tensor.shape).scalars
                #expect(values.map(\.bitPattern) == tensor.values.map { Float($0).bitPattern }, "\(dtype.rawValue): \(tensor.name)")
                #expect(converted.entry(named: tensor.name)?.dtype == dtype)
            }
        }
    }
}
