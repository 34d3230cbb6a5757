import CTurboJPEG

/// JPEG decoding (and encoding, for tests and tools) through the TurboJPEG API. Unlike the classic
/// libjpeg API it returns errors instead of calling `exit()`, so a corrupt file is an `ImageIOError`.
public enum JPEG {
    /// Decodes JPEG bytes to 8-bit RGB. Greyscale and CMYK files are converted by libjpeg-turbo.
    /// A truncated file is an error, not a partly grey image.
    /// - Parameter source: names the bytes' origin in errors, usually the file path.
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws(ImageIOError) -> RasterImage {
        guard let handle = tjInitDecompress() else {
            throw ImageIOError(source: source, problem: "TurboJPEG decompressor could not be created")
        }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let headerStatus = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt(bytes.count), &width, &height, &subsampling, &colorspace)
        }
        guard headerStatus == 0 else { throw ImageIOError(source: source, problem: "not a readable JPEG: \(errorText(handle))") }
        guard width > 0, height > 0, Int(width) <= PNG.maximumSide, Int(height) <= PNG.maximumSide else {
            throw ImageIOError(source: source, problem: "JPEG size \(width)×\(height) is outside 1…\(PNG.maximumSide) pixels per side")
        }
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
        let status = pixels.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer {
                tjDecompress2(handle, $0.baseAddress, UInt(bytes.count), out.baseAddress,
                              width, 0, height, Int32(TJPF_RGB.rawValue), Int32(TJFLAG_STOPONWARNING))
            }
        }
        guard status == 0 else { throw ImageIOError(source: source, problem: "corrupt JPEG: \(errorText(handle))") }
        return RasterImage(width: Int(width), height: Int(height), layout: .rgb, pixels: pixels)
    }

    /// Encodes an image as a baseline JPEG with 4:2:0 chroma subsampling. Alpha, if any, is dropped
    /// after compositing onto white.
    public static func encode(_ image: RasterImage, quality: Int = 90) throws(ImageIOError) -> [UInt8] {
        precondition((1...100).contains(quality), "JPEG quality must be 1…100, got \(quality)")
        let rgb = image.compositedOnWhite()
        guard let handle = tjInitCompress() else {
            throw ImageIOError(source: "<memory>", problem: "TurboJPEG compressor could not be created")
        }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = rgb.pixels.withUnsafeBufferPointer {
            tjCompress2(handle, $0.baseAddress, Int32(rgb.width), 0, Int32(rgb.height), Int32(TJPF_RGB.rawValue),
                        &output, &size, Int32(TJSAMP_420.rawValue), Int32(quality), 0)
        }
        defer { tjFree(output) }
        guard status == 0, let output else { throw ImageIOError(source: "<memory>", problem: "JPEG encode failed: \(errorText(handle))") }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    /// Reads and decodes the JPEG file at `path`.
    public static func read(path: String) throws(ImageIOError) -> RasterImage {
        try decode(FileBytes.read(path: path), source: path)
    }

    private static func errorText(_ handle: tjhandle) -> String {
        String(cString: tjGetErrorStr2(handle))
    }
}
