import Foundation
import Testing

/// `customnet render` as a user runs it: a real process on the tiny pipeline fixture. Bad input must give
/// a clear error naming what and where, a non-zero exit code, and no output file.
@Suite(.serialized)
struct RenderCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/pipeline").standardized.path
    static let checkpoint = fixtures + "/customnet_tiny.pt"
    static let object = fixtures + "/object.png"

    let folder = NSTemporaryDirectory() + "customnet-render-\(UUID().uuidString)"

    init() throws { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }

    func render(_ extra: [String], model: String = checkpoint, object: String = object) throws -> (status: Int32, output: String, out: String) {
        let out = folder + "/out.png"
        let result = try runCustomNet(["render", "--model", model, "--object", object, "--steps", "3", "--out", out] + extra)
        return (result.status, result.output, out)
    }

    @Test func rendersAPNG() throws {
        let result = try render(["--prompt", "a toy on a beach", "--polar", "10", "--azimuth", "-20", "--box", "4,4,60,60"])
        #expect(result.status == 0, "\(result.output)")
        let bytes = try #require(FileManager.default.contents(atPath: result.out))
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(result.output.contains("wrote \(result.out) (64×64, preset tiny)"))
    }

    @Test func keptWinogradFiltersGiveTheSameImage() throws {
        let plain = try render(["--prompt", "a toy"])
        #expect(plain.status == 0, "\(plain.output)")
        let plainBytes = try #require(FileManager.default.contents(atPath: plain.out))
        let kept = try render(["--prompt", "a toy", "--keep-winograd-filters"])
        #expect(kept.status == 0, "\(kept.output)")
        let keptBytes = try #require(FileManager.default.contents(atPath: kept.out))
        #expect(keptBytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(keptBytes == plainBytes, "the same convolutions with filters transformed once or per call")
    }

    @Test(arguments: [
        (["--box", "0,0,100,100"], "box 0,0,100,100 is outside the 64×64 frame"),
        (["--box", "5,5,5,40"], "box 5,5,5,40 is empty"),
        (["--box", "1,2,3"], "--box must be x0,y0,x1,y1"),
        (["--polar", "nan"], "--polar and --azimuth must be finite"),
        (["--guidance", "inf"], "--guidance must be a finite number"),
        (["--preset", "huge"], "unknown preset 'huge'"),
        (["--steps", "1"], "steps must be 2…1000"),
    ])
    func badOptionsAreClearErrors(_ options: [String], _ message: String) throws {
        let result = try render(options)
        #expect(result.status != 0)
        #expect(result.output.contains(message), "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: result.out))
    }

    @Test func aMissingOrCorruptObjectImageIsNamed() throws {
        let missing = folder + "/nope.png"
        var result = try render([], object: missing)
        #expect(result.status != 0 && result.output.contains("\(missing): no such file"), "\(result.output)")
        let corrupt = folder + "/corrupt.png"
        var bytes = try #require(FileManager.default.contents(atPath: Self.object))
        bytes = bytes.prefix(bytes.count / 2)
        try bytes.write(to: URL(fileURLWithPath: corrupt))
        result = try render([], object: corrupt)
        #expect(result.status != 0 && result.output.contains(corrupt), "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: result.out))
    }

    /// A Stable Diffusion 1.5 UNet has 4 input channels: not a CustomNet checkpoint.
    @Test func aWrongCheckpointIsRefusedWithItsKey() throws {
        let path = folder + "/sd15.safetensors"
        try writeSafetensors(path, name: "model.diffusion_model.input_blocks.0.0.weight", shape: [320, 4, 3, 3])
        let result = try render([], model: path)
        #expect(result.status != 0)
        #expect(result.output.contains("\(path): not a CustomNet checkpoint"), "\(result.output)")
        #expect(result.output.contains("[320, 4, 3, 3]"))
    }

    @Test func aCheckpointWithMissingPartsListsThem() throws {
        let unetOnly = Self.fixtures + "/../unet/unet_tiny.safetensors"
        let result = try render([], model: unetOnly)
        #expect(result.status != 0)
        #expect(result.output.contains("missing 2 keys under cc_projection.* (first: cc_projection.weight, expected [32, 36])"), "\(result.output)")
        #expect(result.output.contains("keys under first_stage_model.encoder.* (first: first_stage_model.encoder.conv_in.weight"))
    }

    @Test func noiseOfTheWrongShapeIsRefused() throws {
        let noise = folder + "/noise.npy"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4, 4, 4), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        bytes += [UInt8](repeating: 0, count: 64 * 4)
        try Data(bytes).write(to: URL(fileURLWithPath: noise))
        let result = try render(["--noise", noise])
        #expect(result.status != 0)
        #expect(result.output.contains("noise has shape [1, 4, 4, 4]; this model needs [1, 4, 8, 8]"), "\(result.output)")
    }
}

/// A one-tensor safetensors file of zeros, written by hand (the test must not trust our own writer).
func writeSafetensors(_ path: String, name: String, shape: [Int]) throws {
    let count = shape.reduce(1, *)
    var header = "{\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[0,\(count * 4)]}}"
    header += String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)
    var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian, Array.init)
    bytes += Array(header.utf8) + [UInt8](repeating: 0, count: count * 4)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Runs the `customnet` built beside the test bundle; returns its exit status and its output
/// (standard output and standard error together).
func runCustomNet(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = customNetBinary()
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The `customnet` built beside the test bundle (the test target depends on it).
func customNetBinary() -> URL {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("customnet")
    return FileManager.default.fileExists(atPath: binary.path) ? binary
        : URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/customnet").standardized
}
