import Foundation
import Testing
@testable import ImageIO

struct PNGTests {
    @Test(arguments: [RasterImage.Layout.rgb, .rgba])
    func roundTripThroughAFileKeepsEveryByte(_ layout: RasterImage.Layout) throws {
        let folder = try TemporaryFolder()
        let image = gradient(width: 37, height: 23, layout: layout)
        let path = folder.path + "/image.png"
        try PNG.write(image, to: path)
        let read = try PNG.read(path: path)
        #expect(read == image)
        #expect(try ImageFile.read(path: path) == image)
    }

    @Test func truncatedFileIsAnErrorNamingIt() throws {
        let folder = try TemporaryFolder()
        let bytes = try PNG.encode(gradient(width: 64, height: 64, layout: .rgb))
        let path = folder.path + "/truncated.png"
        try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: ImageIOError.self) { try PNG.read(path: path) }
        #expect(error?.source == path)
        #expect(error?.description.hasPrefix(path + ": ") == true)
    }

    @Test func corruptedDataIsAnError() throws {
        var bytes = try PNG.encode(gradient(width: 64, height: 64, layout: .rgba))
        // Flip bits inside the image data (past the 8-byte signature and the 25-byte IHDR chunk):
        // the chunk checksum or the zlib stream no longer matches.
        for index in stride(from: 60, to: bytes.count - 20, by: 7) { bytes[index] ^= 0x5A }
        let error = #expect(throws: ImageIOError.self) { try PNG.decode(bytes, source: "corrupt.png") }
        #expect(error?.source == "corrupt.png")
    }

    @Test func garbageAndMissingFilesAreErrorsNamingThem() throws {
        let folder = try TemporaryFolder()
        let garbage = folder.path + "/garbage.png"
        try Data("not an image at all".utf8).write(to: URL(fileURLWithPath: garbage))
        #expect(throws: ImageIOError(source: garbage, problem: "neither a PNG nor a JPEG file (it starts with 6E 6F 74 20)")) {
            try ImageFile.read(path: garbage)
        }
        let missing = folder.path + "/missing.png"
        #expect(throws: ImageIOError(source: missing, problem: "no such file")) { try ImageFile.read(path: missing) }
    }

    @Test func compositingOntoWhiteUsesAlpha() {
        let image = RasterImage(width: 3, height: 1, layout: .rgba,
                                pixels: [10, 20, 30, 255, 10, 20, 30, 0, 0, 100, 200, 128])
        let rgb = image.compositedOnWhite()
        #expect(rgb.layout == .rgb)
        // Opaque keeps its colour, transparent becomes white, half-transparent is the rounded blend.
        #expect(rgb.pixels == [10, 20, 30, 255, 255, 255, 127, 177, 227])
    }
}

struct JPEGTests {
    /// A JPEG made by libjpeg-turbo's `cjpeg` tool (not by our own encoder) decodes to the right size
    /// and close pixels.
    @Test func decodesAFileMadeByCjpeg() throws {
        let folder = try TemporaryFolder()
        let image = gradient(width: 48, height: 40, layout: .rgb)
        let ppm = folder.path + "/image.ppm", jpeg = folder.path + "/image.jpg"
        var header = Array("P6\n\(image.width) \(image.height)\n255\n".utf8)
        header += image.pixels
        try Data(header).write(to: URL(fileURLWithPath: ppm))
        try runTool("cjpeg", ["-quality", "95", "-outfile", jpeg, ppm])

        let decoded = try ImageFile.read(path: jpeg)
        #expect(decoded.width == 48 && decoded.height == 40 && decoded.layout == .rgb)
        let errors = zip(image.pixels, decoded.pixels).map { abs(Int($0) - Int($1)) }
        let mean = Double(errors.reduce(0, +)) / Double(errors.count)
        #expect(mean < 3, "mean abs pixel error \(mean)")
        #expect(errors.max()! < 40)
    }

    @Test func truncatedJPEGIsAnErrorNamingTheSource() throws {
        let bytes = try JPEG.encode(gradient(width: 64, height: 64, layout: .rgb), quality: 90)
        let error = #expect(throws: ImageIOError.self) { try JPEG.decode(Array(bytes.prefix(bytes.count * 2 / 3)), source: "cut.jpg") }
        #expect(error?.source == "cut.jpg")
        #expect(throws: ImageIOError.self) { try JPEG.decode([0xFF, 0xD8, 0xFF, 0, 1, 2], source: "tiny.jpg") }
    }

    @Test func encodeDecodeIsClose() throws {
        let image = gradient(width: 50, height: 30, layout: .rgb)
        let decoded = try JPEG.decode(try JPEG.encode(image, quality: 100))
        let worst = zip(image.pixels, decoded.pixels).map { abs(Int($0) - Int($1)) }.max()!
        #expect(worst < 24)
    }
}

/// Smooth colour ramps (and a varying alpha) so lossy codecs stay close and lossless ones must be exact.
func gradient(width: Int, height: Int, layout: RasterImage.Layout) -> RasterImage {
    var image = RasterImage(width: width, height: height, layout: layout, filledWith: 0)
    for y in 0..<height {
        for x in 0..<width {
            image[x, y, 0] = UInt8(x * 255 / max(width - 1, 1))
            image[x, y, 1] = UInt8(y * 255 / max(height - 1, 1))
            image[x, y, 2] = UInt8((x + y) * 127 / max(width + height - 2, 1))
            if layout == .rgba { image[x, y, 3] = UInt8(255 - (x * 200 / max(width - 1, 1))) }
        }
    }
    return image
}

func runTool(_ name: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [name] + arguments
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "\(name) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus); is it installed (ops/setup)?")
}

/// A fresh folder under the system temporary directory, removed when the value goes away.
final class TemporaryFolder {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "customnet-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
