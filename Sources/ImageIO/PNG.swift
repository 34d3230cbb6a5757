import CPNG
import Foundation

/// PNG encoding and decoding through libpng's simplified API (`png_image_*`), which reports errors as
/// return values, so a corrupt file becomes an `ImageIOError` and never a crash.
public enum PNG {
    /// Encodes `image` as an 8-bit RGB or RGBA PNG.
    public static func encode(_ image: RasterImage) throws(ImageIOError) -> [UInt8] {
        var header = makeHeader(width: image.width, height: image.height, layout: image.layout)
        var size = 0
        let rowStride = Int32(image.width * image.layout.channelCount)
        let sized = image.pixels.withUnsafeBytes {
            png_image_write_to_memory(&header, nil, &size, 0, $0.baseAddress, rowStride, nil)
        }
        guard sized != 0 else { throw ImageIOError(source: "<memory>", problem: "PNG encode failed: \(message(of: header))") }
        var output = [UInt8](repeating: 0, count: size)
        let written = output.withUnsafeMutableBytes { out in
            image.pixels.withUnsafeBytes {
                png_image_write_to_memory(&header, out.baseAddress, &size, 0, $0.baseAddress, rowStride, nil)
            }
        }
        guard written != 0 else { throw ImageIOError(source: "<memory>", problem: "PNG encode failed: \(message(of: header))") }
        return Array(output.prefix(size))
    }

    /// Decodes PNG bytes. Grey, palette and 16-bit files are converted to 8-bit RGB, or RGBA when the
    /// file has an alpha channel or a transparency chunk.
    /// - Parameter source: names the bytes' origin in errors, usually the file path.
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws(ImageIOError) -> RasterImage {
        var header = png_image()
        header.version = UInt32(PNG_IMAGE_VERSION)
        let began = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&header, $0.baseAddress, $0.count) }
        guard began != 0 else { throw ImageIOError(source: source, problem: "not a readable PNG: \(message(of: header))") }
        defer { png_image_free(&header) }

        let hasAlpha = header.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
        let layout: RasterImage.Layout = hasAlpha ? .rgba : .rgb
        header.format = UInt32(hasAlpha ? PNG_FORMAT_RGB | PNG_FORMAT_FLAG_ALPHA : PNG_FORMAT_RGB)
        let width = Int(header.width), height = Int(header.height)
        guard width > 0, height > 0, width <= maximumSide, height <= maximumSide else {
            throw ImageIOError(source: source, problem: "PNG size \(width)×\(height) is outside 1…\(maximumSide) pixels per side")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * layout.channelCount)
        let finished = pixels.withUnsafeMutableBytes {
            png_image_finish_read(&header, nil, $0.baseAddress, Int32(width * layout.channelCount), nil)
        }
        guard finished != 0 else { throw ImageIOError(source: source, problem: "corrupt PNG: \(message(of: header))") }
        return RasterImage(width: width, height: height, layout: layout, pixels: pixels)
    }

    /// Reads and decodes the PNG file at `path`.
    public static func read(path: String) throws(ImageIOError) -> RasterImage {
        try decode(FileBytes.read(path: path), source: path)
    }

    /// Encodes `image` and writes it to `path` atomically: a reader sees the old file or the whole new one.
    public static func write(_ image: RasterImage, to path: String) throws(ImageIOError) {
        let bytes: [UInt8]
        do { bytes = try encode(image) } catch { throw ImageIOError(source: path, problem: error.problem) }
        try FileBytes.writeAtomically(bytes, to: path)
    }

    /// The largest width or height accepted when decoding; a hostile header cannot ask for gigabytes.
    public static let maximumSide = 16_384

    private static func makeHeader(width: Int, height: Int, layout: RasterImage.Layout) -> png_image {
        var header = png_image()
        header.version = UInt32(PNG_IMAGE_VERSION)
        header.width = UInt32(width)
        header.height = UInt32(height)
        header.format = UInt32(layout == .rgba ? PNG_FORMAT_RGB | PNG_FORMAT_FLAG_ALPHA : PNG_FORMAT_RGB)
        return header
    }

    private static func message(of header: png_image) -> String {
        withUnsafeBytes(of: header.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
