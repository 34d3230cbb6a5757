import Foundation
import Tensor
import Testing
@testable import DiffusionCore

struct SafetensorsTests {
    static let tensors: [String: Tensor] = [
        "b.weight": Tensor(shape: [2, 3], scalars: [1, -2.5, 0.1, 65504, -0.0, 3e-6]),
        "a.bias": Tensor(shape: [3], scalars: [0.5, 1 + 0x1p-11, -(1 + 0x1p-8)]),
        "scale": Tensor(shape: [], scalars: [0.25]),
        "empty": Tensor(zeros: [0, 4]),
    ]

    @Test(arguments: [WeightDType.f32, .f16, .bf16])
    func writeThenReadGivesTheValuesRoundedToTheType(_ dtype: WeightDType) throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/round-trip.safetensors"
        try SafetensorsWriter.write(Self.tensors, to: path, dtype: dtype, metadata: ["format": "pt"])
        let store = try WeightStore(path: path)
        #expect(store.format == .safetensors)
        #expect(store.names == ["a.bias", "b.weight", "empty", "scale"], "data in sorted name order")
        for (name, tensor) in Self.tensors {
            let expected = tensor.scalars.map { value -> UInt32 in
                switch dtype {
                case .f16: ReducedPrecision.float(fromHalfBits: ReducedPrecision.halfBits(from: value)).bitPattern
                case .bf16: ReducedPrecision.float(fromBFloat16Bits: ReducedPrecision.bfloat16Bits(from: value)).bitPattern
                default: value.bitPattern
                }
            }
            #expect(try store.tensor(name, shape: tensor.shape).scalars.map(\.bitPattern) == expected, "\(name)")
            #expect(store.entry(named: name)?.dtype == dtype)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(leftovers == ["round-trip.safetensors"], "no temporary file is left behind")
    }

    @Test func theHeaderIsSpacePaddedToEightBytesAsTheLibraryWritesIt() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/header.safetensors"
        try SafetensorsWriter.write(["x": Tensor(shape: [2], scalars: [1, 2])], to: path, dtype: .f16, metadata: ["format": "pt"])
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        let header = String(decoding: bytes[8..<8 + length], as: UTF8.self)
        #expect(length % 8 == 0)
        #expect(header == #"{"__metadata__":{"format":"pt"},"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"# + "   ")
        #expect(Array(bytes[(8 + length)...]) == [0x00, 0x3C, 0x00, 0x40], "1.0 and 2.0 in binary16, little-endian")
    }

    @Test func aWriteReplacesTheFileAtomicallyAndRefusesWhatItCannotWrite() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/model.safetensors"
        try SafetensorsWriter.write(["x": Tensor(shape: [1], scalars: [1])], to: path)
        try SafetensorsWriter.write(["y": Tensor(shape: [2], scalars: [2, 3])], to: path)
        #expect(try WeightStore(path: path).names == ["y"])
        #expect(throws: WeightFileError(path: path, problem: "safetensors output can be f32, f16 or bf16, not i64")) {
            try SafetensorsWriter.write(["x": Tensor(shape: [1], scalars: [1])], to: path, dtype: .i64)
        }
        #expect(throws: WeightFileError(path: path, problem: "tensor x has shape [1], not the [2] announced")) {
            try SafetensorsWriter.write(shapes: [("x", [2])], to: path) { _ in Tensor(shape: [1], scalars: [1]) }
        }
        #expect(try WeightStore(path: path).names == ["y"], "a failed write leaves the old file as it was")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])
    }

    @Test func aFloat32TensorAtAnUnalignedOffsetIsCopied() throws {
        let folder = try TemporaryFolder()
        let header = #"{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"f":{"dtype":"F32","shape":[2],"data_offsets":[2,10]}}"#
        let data: [UInt8] = [0x00, 0x3C] + withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian, Array.init)
            + withUnsafeBytes(of: Float(-7).bitPattern.littleEndian, Array.init)
        let path = try folder.file("unaligned.safetensors", safetensorsBytes(header: header, data: data))
        let store = try WeightStore(path: path)
        #expect(store.names == ["h", "f"], "in data order")
        #expect(try store.tensor("f").scalars == [1.5, -7])
        #expect(try store.tensor("h").scalars == [1])
    }

    @Test func i64TensorsReadAsFloats() throws {
        let folder = try TemporaryFolder()
        let values: [Int64] = [0, 76, -3, 1 << 40]
        let data = values.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
        let header = #"{"__metadata__":{"format":"pt"},"ids":{"dtype":"I64","shape":[4],"data_offsets":[0,32]}}"#
        let store = try WeightStore(path: try folder.file("ids.safetensors", safetensorsBytes(header: header, data: data)))
        #expect(try store.tensor("ids").scalars == [0, 76, -3, 0x1p40])
    }
}

struct ReducedPrecisionTests {
    #if !(os(macOS) && arch(x86_64)) // Float16 is unavailable there
    @Test func everyHalfWidensExactly() {
        for bits in UInt16.min...UInt16.max {
            let reference = Float(Float16(bitPattern: bits))
            let widened = ReducedPrecision.float(fromHalfBits: bits)
            #expect(widened.bitPattern == reference.bitPattern || (widened.isNaN && reference.isNaN), "0x\(String(bits, radix: 16))")
        }
    }

    /// The standard library's Float → Float16 conversion rounds to nearest even; so must ours, for
    /// every exponent (normals, subnormals, overflow) and mantissas around the rounding points.
    @Test func narrowingToHalfRoundsToNearestEven() {
        var mismatches: [Float] = []
        for exponent in UInt32(0)...255 {
            for low in [0, 1, 0xFFF, 0x1000, 0x1001, 0x1FFF, 0x2000, 0x3000, 0x5000, 0x7F_E000, 0x7F_EFFF, 0x7F_F000, 0x7F_FFFF, 0x12_3456] as [UInt32] {
                for sign in [0, 0x8000_0000] as [UInt32] {
                    let value = Float(bitPattern: sign | exponent << 23 | low)
                    let expected = Float16(value)
                    let half = ReducedPrecision.halfBits(from: value)
                    if value.isNaN ? half & 0x7E00 != 0x7E00 : half != expected.bitPattern { mismatches.append(value) }
                }
            }
        }
        #expect(mismatches.isEmpty)
    }
    #endif

    @Test func bfloat16RoundsToNearestEvenAndOverflowsToInfinity() {
        #expect(ReducedPrecision.bfloat16Bits(from: 1 + 0x1p-8) == 0x3F80, "a tie rounds to the even neighbour below")
        #expect(ReducedPrecision.bfloat16Bits(from: 1 + 3 * 0x1p-8) == 0x3F82, "a tie rounds to the even neighbour above")
        #expect(ReducedPrecision.bfloat16Bits(from: 1 + 0x1p-8 + 0x1p-20) == 0x3F81)
        #expect(ReducedPrecision.bfloat16Bits(from: .greatestFiniteMagnitude) == 0x7F80)
        #expect(ReducedPrecision.bfloat16Bits(from: -.infinity) == 0xFF80)
        #expect(ReducedPrecision.bfloat16Bits(from: .nan) == 0x7FC0)
        #expect(ReducedPrecision.float(fromBFloat16Bits: 0xC0A0) == -5)
    }
}
