import Foundation
import Testing
@testable import DiffusionCore

/// Damaged and malicious files are errors that name the file; none crashes, runs code or allocates
/// more than the file justifies.
struct HostileWeightFileTests {
    /// Opens `bytes` as a file and returns the error, which must name the file first.
    private func openingFails(_ bytes: [UInt8], name: String = "hostile.bin", sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let folder = try TemporaryFolder()
        let path = try folder.file(name, bytes)
        let error = #expect(throws: WeightFileError.self, sourceLocation: sourceLocation) { try WeightStore(path: path) }
        #expect(error?.path == path, sourceLocation: sourceLocation)
        #expect(error?.description.hasPrefix(path + ": ") == true, sourceLocation: sourceLocation)
        return error?.problem ?? ""
    }

    @Test(arguments: ["torch_fp32.pt", "torch_fp32_zip64.pt", "mixed.safetensors"])
    func truncatedFilesAreRefused(_ fixture: String) throws {
        let bytes = try WeightFixtures.bytes(fixture)
        for cut in [0, 1, 4, 7, 8, 9, 30, 64, 100, bytes.count / 3, bytes.count / 2, bytes.count - 60, bytes.count - 22, bytes.count - 1] {
            _ = try openingFails(Array(bytes.prefix(cut)), name: "cut-at-\(cut)")
        }
    }

    @Test func aMissingFileIsAnErrorNamingIt() {
        #expect(throws: WeightFileError(path: "/nonexistent/model.pt", problem: "cannot be opened: No such file or directory")) {
            try WeightStore(path: "/nonexistent/model.pt")
        }
    }

    // MARK: safetensors

    @Test func safetensorsHeaderLengthsBeyondTheFileOrTheCapAreRefused() throws {
        let past = withUnsafeBytes(of: UInt64(1_000).littleEndian, Array.init) + Array("{}".utf8)
        #expect(try openingFails(past) == "safetensors header: the header length 1000 runs past the end of the file (10 bytes)")
        let huge = withUnsafeBytes(of: UInt64(1 << 62).littleEndian, Array.init) + Array("{}".utf8)
        #expect(try openingFails(huge).contains("exceeds the limit of 100000000 bytes"))
    }

    @Test func safetensorsTensorsOutsideTheDataAreaOrUnlikeTheirShapeAreRefused() throws {
        let data = [UInt8](repeating: 0, count: 16)
        func header(_ description: String) -> [UInt8] { safetensorsBytes(header: "{\"w\":\(description)}", data: data) }
        #expect(try openingFails(header(#"{"dtype":"F32","shape":[4],"data_offsets":[0,1000]}"#))
            .contains("tensor w has data_offsets [0, 1000], not a range inside the 16-byte data area"))
        #expect(try openingFails(header(#"{"dtype":"F32","shape":[4],"data_offsets":[12,4]}"#)).contains("not a range"))
        #expect(try openingFails(header(#"{"dtype":"F32","shape":[3],"data_offsets":[0,16]}"#))
            .contains("tensor w has data_offsets [0, 16] (16 bytes) but shape [3] of F32 needs 12"))
        #expect(try openingFails(header(#"{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,16]}"#))
            .contains("more elements than fit in memory"))
        #expect(try openingFails(header(#"{"dtype":"F32","shape":[2305843009213693952],"data_offsets":[0,16]}"#))
            .contains("needs more than Int.max"))
        #expect(try openingFails(header(#"{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}"#)).contains("negative dimension"))
        #expect(try openingFails(header(#"{"dtype":"F64","shape":[2],"data_offsets":[0,16]}"#))
            .contains("tensor w has dtype F64; supported: F32, F16, BF16, I64"))
        #expect(try openingFails(header(#"{"dtype":"F32","shape":[4]}"#)).contains("no \"data_offsets\""))
        #expect(try openingFails(safetensorsBytes(header: "{\"w\": [", data: data)).contains("not a valid safetensors header"))
        #expect(try openingFails(safetensorsBytes(header: #"{"__metadata__":{"n":1}}"#, data: data)).contains("not a valid safetensors header"))
    }

    // MARK: torch

    @Test func aPickleCallingOsSystemIsRefusedAtItsGlobal() throws {
        var pickle = PickleBytes()
        pickle.global("os", "system"); pickle.op("("); pickle.string("touch /tmp/customnet-pwned"); pickle.op("t"); pickle.op("R"); pickle.op(".")
        let problem = try openingFails(torchArchive(pickle: pickle.bytes))
        #expect(problem.hasPrefix("archive/data.pkl: GLOBAL at byte 2: 'os system' is not allowed; a checkpoint may only name collections.OrderedDict, "))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/customnet-pwned"))

        var eval = PickleBytes()
        eval.global("builtins", "eval"); eval.op("("); eval.string("1"); eval.op("t"); eval.op("R"); eval.op(".")
        #expect(try openingFails(torchArchive(pickle: eval.bytes)).contains("'builtins eval' is not allowed"))
    }

    @Test func reduceOnlyCallsTheAllowedCallables() throws {
        var pickle = PickleBytes()
        pickle.global("torch", "FloatStorage"); pickle.op(")"); pickle.op("R"); pickle.op(".")
        #expect(try openingFails(torchArchive(pickle: pickle.bytes))
            == "archive/data.pkl: REDUCE at byte 23: torch.FloatStorage may not be called; only collections.OrderedDict, _rebuild_tensor_v2 and _rebuild_parameter may")
        var notCallable = PickleBytes()
        notCallable.string("os.system"); notCallable.op(")"); notCallable.op("R"); notCallable.op(".")
        #expect(try openingFails(torchArchive(pickle: notCallable.bytes)).contains("REDUCE at byte 17: the string \"os.system\" may not be called"))
    }

    @Test func unknownOpcodesAreRefused() throws {
        var pickle = PickleBytes()
        pickle.op("}"); pickle.raw([0x93]); pickle.op(".") // STACK_GLOBAL, which torch.save never writes
        #expect(try openingFails(torchArchive(pickle: pickle.bytes)) == "archive/data.pkl: opcode 0x93 at byte 3 is not one torch.save writes; refused")
        var inst = PickleBytes()
        inst.raw(Array("ios\nsystem\n".utf8)) // INST, the protocol-0 way to call anything
        #expect(try openingFails(torchArchive(pickle: inst.bytes)).contains("opcode 0x69 at byte 2"))
    }

    @Test func malformedPicklesAreErrorsNotCrashes() throws {
        func problem(_ bytes: [UInt8]) throws -> String { try openingFails(torchArchive(pickle: [0x80, 0x02] + bytes)) }
        #expect(try problem([0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x41]).contains("BINUNICODE at byte 2: truncated: 2147483647 bytes needed"))
        #expect(try problem([0x68, 0x07]).contains("BINGET at byte 2: memo entry 7 was never stored"))
        #expect(try problem([0x28, 0x73]).contains("SETITEM at byte 3: the stack holds fewer than 2 values"), "MARK hides what is below it")
        #expect(try problem([0x4E, 0x61]).contains("APPEND at byte 3: the stack is empty"))
        #expect(try problem([0x5D, 0x4E, 0x61, 0x2E]).contains("holds a list, not a state dict"))
        #expect(try problem([0x7D, 0x4B, 0x01]).contains("truncated: it ends at byte 5 without a STOP"))
        #expect(try problem([0x7D, 0x4B, 0x01, 0x4E, 0x73, 0x2E]).contains("has a key that is the int 1, not a string"))
        #expect(try problem([0x7D, 0x58, 0x01, 0, 0, 0, 0x77, 0x4E, 0x73, 0x2E]).contains("the state dict's w is None, not a tensor"))
        #expect(try problem([0x8A, 0x09] + [UInt8](repeating: 0, count: 9)).contains("a 9-byte integer is too large"))
        #expect(try problem([0x63] + [UInt8](repeating: 0x61, count: 5000)).contains("has no newline within 200 bytes"))
        #expect(try problem([UInt8](repeating: 0x4E, count: RestrictedUnpickler.maximumLength)) == "archive/data.pkl: the pickle has 4194306 bytes, more than the 4194304 a state dict needs")
    }

    /// Nesting 100,000 deep, or a list that contains itself, ends in an error and is freed without
    /// recursion (freeing 100,000 nested values recursively overflows a test thread's stack).
    @Test func deepNestingAndCyclesAreHarmless() throws {
        let nested = [0x29] + [UInt8](repeating: 0x85, count: 100_000) + [0x2E] // EMPTY_TUPLE, TUPLE1 × 10⁵, STOP
        #expect(try openingFails(torchArchive(pickle: [0x80, 0x02] + nested)).contains("holds a tuple of 1, not a state dict"))
        let cycle: [UInt8] = [0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E] // EMPTY_LIST, BINPUT 0, BINGET 0, APPEND, STOP
        #expect(try openingFails(torchArchive(pickle: [0x80, 0x02] + cycle)).contains("holds a list, not a state dict"))
    }

    @Test func storagesAndViewsMustFitTheirEntries() throws {
        let storage = [UInt8](repeating: 0, count: 16) // four f32 elements
        func problem(_ pickle: [UInt8]) throws -> String { try openingFails(torchArchive(pickle: pickle, storage: storage)) }
        #expect(try problem(PickleBytes.stateDict(numel: 1 << 40, size: [4], stride: [1]))
            == "tensor w: its storage holds 1099511627776 f32 elements, more than the 16 bytes of archive/data/0")
        #expect(try problem(PickleBytes.stateDict(numel: Int.max / 2, size: [4], stride: [1])).contains("more than the 16 bytes"))
        #expect(try problem(PickleBytes.stateDict(numel: 4, offset: 1, size: [4], stride: [1]))
            == "tensor w: size [4], stride [1] at offset 1 reach past its storage of 4 elements")
        #expect(try problem(PickleBytes.stateDict(numel: 4, size: [2, 2], stride: [3, 1])).contains("reach past its storage"))
        #expect(try problem(PickleBytes.stateDict(numel: 4, size: [2], stride: [Int.max])).contains("reach past its storage"))
        #expect(try problem(PickleBytes.stateDict(numel: 4, offset: Int.max, size: [0], stride: [1])).contains("storage offset"))
        #expect(try problem(PickleBytes.stateDict(numel: 4, size: [1 << 20, 1 << 20], stride: [0, 0]))
            .contains("has 1099511627776 elements, more than this"), "a stride-0 expansion may not demand terabytes")
        #expect(try problem(PickleBytes.stateDict(numel: 4, size: [1 << 32, 1 << 32, 1 << 32], stride: [0, 0, 0]))
            .contains("more elements than fit in memory"))
        #expect(try problem(PickleBytes.stateDict(numel: 2, size: [2], stride: [1], storageType: "DoubleStorage"))
            .contains("'torch DoubleStorage' is not allowed"))
        let folder = try TemporaryFolder()
        let valid = try WeightStore(path: try folder.file("ok.pt", torchArchive(pickle: PickleBytes.stateDict(numel: 4, size: [2, 2], stride: [1, 2]), storage: storage)))
        #expect(try valid.tensor("w", shape: [2, 2]).scalars == [0, 0, 0, 0], "the hand-made pickle is otherwise valid")
    }

    @Test func archivesTorchDoesNotWriteAreRefused() throws {
        let pickle = PickleBytes.stateDict(numel: 4, size: [4], stride: [1])
        #expect(try openingFails(torchArchive(pickle: pickle, method: 8))
            == "ZIP archive: entry archive/data.pkl is compressed (method 8); only stored entries can be read, as torch.save writes them")
        #expect(try openingFails(zipArchive([("archive/data/0", [1, 2, 3])])) == "a ZIP file without a data.pkl entry, so not a torch.save checkpoint")
        #expect(try openingFails(zipArchive([("archive/data.pkl", pickle)])) == "tensor w: its storage archive/data/0 is not in the archive")
        #expect(try openingFails([0x80, 0x02, 0x8A, 0x0A] + [UInt8](repeating: 0, count: 12)).contains("legacy (torch < 1.6) format"))
        #expect(try openingFails(Array("hello, world".utf8)) == "neither a torch.save checkpoint nor a safetensors file (it starts with 68 65 6C 6C 6F 2C 20 77 6F)")
        #expect(try openingFails([]) == "is empty")
        var lying = torchArchive(pickle: pickle)
        let end = lying.count - 22
        lying[end + 16] = 0xF0 // central directory offset far past the end
        #expect(try openingFails(lying).contains("ZIP archive: "))
    }
}
