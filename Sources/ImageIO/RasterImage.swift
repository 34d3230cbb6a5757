/// An 8-bit image: interleaved channels, rows top to bottom, no padding between rows.
public struct RasterImage: Sendable, Equatable {
    /// The channel layout of one pixel.
    public enum Layout: Int, Sendable {
        case rgb = 3
        case rgba = 4

        /// Bytes per pixel.
        public var channelCount: Int { rawValue }
    }

    public let width: Int
    public let height: Int
    public let layout: Layout
    /// `height × width × layout.channelCount` bytes.
    public var pixels: [UInt8]

    /// Wraps pixel bytes.
    /// - Precondition: `width, height ≥ 1` and `pixels.count == width × height × channels`.
    public init(width: Int, height: Int, layout: Layout, pixels: [UInt8]) {
        precondition(width >= 1 && height >= 1, "RasterImage: size must be positive, got \(width)×\(height)")
        precondition(
            pixels.count == width * height * layout.channelCount,
            "RasterImage: \(width)×\(height) \(layout) needs \(width * height * layout.channelCount) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.layout = layout
        self.pixels = pixels
    }

    /// A `width × height` image of one colour.
    public init(width: Int, height: Int, layout: Layout, filledWith value: UInt8) {
        self.init(width: width, height: height, layout: layout,
                  pixels: [UInt8](repeating: value, count: width * height * layout.channelCount))
    }

    /// The byte of channel `channel` of the pixel at column `x`, row `y`.
    public subscript(x: Int, y: Int, channel: Int) -> UInt8 {
        get { pixels[(y * width + x) * layout.channelCount + channel] }
        set { pixels[(y * width + x) * layout.channelCount + channel] = newValue }
    }

    /// This image as RGB. RGBA is composited onto white (`out = a·c + (255 − a)·255`, rounded), the
    /// convention CustomNet and the metric recipes use for object images with transparency.
    public func compositedOnWhite() -> RasterImage {
        guard layout == .rgba else { return self }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for p in 0..<(width * height) {
            let alpha = UInt32(pixels[p * 4 + 3])
            for c in 0..<3 {
                let value = UInt32(pixels[p * 4 + c]) * alpha + 255 * (255 - alpha)
                rgb[p * 3 + c] = UInt8((value + 127) / 255)
            }
        }
        return RasterImage(width: width, height: height, layout: .rgb, pixels: rgb)
    }
}
