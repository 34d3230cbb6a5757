extension RasterImage {
    /// The centre `width × height` of this image, byte for byte what torchvision's
    /// `transforms.CenterCrop((height, width))` gives for a PIL image: the offset along each axis is
    /// `int(round((size − crop) / 2.0))` with Python's round-half-to-even, and an axis shorter than the
    /// crop is first padded with zero bytes, `⌊(crop − size) / 2⌋` of them before the image.
    /// - Precondition: `width, height ≥ 1`.
    public func centreCropped(width: Int, height: Int) -> RasterImage {
        precondition(width >= 1 && height >= 1, "centreCropped: size must be positive, got \(width)×\(height)")
        return cropped(left: Self.centreCropOffset(size: self.width, crop: width),
                       top: Self.centreCropOffset(size: self.height, crop: height),
                       width: width, height: height)
    }

    /// This image with its shorter side resized to `size` and the aspect ratio kept, byte for byte what
    /// torchvision's `transforms.Resize(size, interpolation)` (an int size, no `max_size`) gives for a PIL
    /// image: the longer side becomes `int(size · long / short)` and the resize is Pillow's `Image.resize`.
    /// An image already of that size comes back unchanged.
    /// - Precondition: `size ≥ 1`.
    public func resizedShorterSide(to size: Int, filter: ResamplingFilter) -> RasterImage {
        precondition(size >= 1, "resizedShorterSide: size must be positive, got \(size)")
        let (short, long) = width <= height ? (width, height) : (height, width)
        let longSide = Int(Double(size * long) / Double(short))
        return width <= height
            ? resized(width: size, height: longSide, filter: filter)
            : resized(width: longSide, height: size, filter: filter)
    }

    /// The largest copy of this image that fits in `bounds` with the aspect ratio kept, never enlarged,
    /// byte for byte what Pillow 9.5–12 give for `Image.thumbnail(bounds, resample=filter)` on an image
    /// that is not a JPEG being read (so `draft` does nothing): Pillow's size rule (each side the floor or
    /// the ceiling of the exact value, whichever keeps the aspect ratio closer, at least 1), then
    /// `Image.resize` with `reducing_gap=2.0`.
    /// - Precondition: `bounds.width, bounds.height ≥ 1`.
    public func thumbnail(fitting bounds: (width: Int, height: Int), filter: ResamplingFilter) -> RasterImage {
        precondition(bounds.width >= 1 && bounds.height >= 1,
                     "thumbnail: bounds must be positive, got \(bounds.width)×\(bounds.height)")
        guard let size = thumbnailSize(fitting: bounds) else { return self }
        return resized(width: size.width, height: size.height, filter: filter, reducingGap: 2)
    }

    /// `preserve_aspect_ratio` inside `Image.thumbnail`; `nil` when the image already fits.
    private func thumbnailSize(fitting bounds: (width: Int, height: Int)) -> (width: Int, height: Int)? {
        let (boundWidth, boundHeight) = bounds
        if boundWidth >= width && boundHeight >= height { return nil }
        let aspect = Double(width) / Double(height)
        if Double(boundWidth) / Double(boundHeight) >= aspect {
            let fittedWidth = Self.closestToAspect(Double(boundHeight) * aspect) { abs(aspect - Double($0) / Double(boundHeight)) }
            return (fittedWidth, boundHeight)
        }
        let fittedHeight = Self.closestToAspect(Double(boundWidth) / aspect) { $0 == 0 ? 0 : abs(aspect - Double(boundWidth) / Double($0)) }
        return (boundWidth, fittedHeight)
    }

    /// `round_aspect`: the floor or the ceiling of `value`, whichever has the smaller aspect error (the
    /// floor on a tie, as Python's `min` keeps the first), but at least 1.
    private static func closestToAspect(_ value: Double, error: (Int) -> Double) -> Int {
        let floor = Int(value.rounded(.down)), ceiling = Int(value.rounded(.up))
        return max(error(ceiling) < error(floor) ? ceiling : floor, 1)
    }

    /// Where `CenterCrop` starts along an axis; negative when it pads.
    private static func centreCropOffset(size: Int, crop: Int) -> Int {
        if crop > size { return -((crop - size) / 2) }
        return Int((Double(size - crop) / 2).rounded(.toNearestOrEven))
    }

    /// The `width × height` window whose top-left corner is at (`left`, `top`), zero where it leaves the image.
    private func cropped(left: Int, top: Int, width: Int, height: Int) -> RasterImage {
        let channels = layout.channelCount
        var output = [UInt8](repeating: 0, count: width * height * channels)
        let columns = max(left, 0)..<min(left + width, self.width)
        for y in max(top, 0)..<min(top + height, self.height) {
            let from = (y * self.width + columns.lowerBound) * channels
            let to = ((y - top) * width + columns.lowerBound - left) * channels
            output[to..<(to + columns.count * channels)] = pixels[from..<(from + columns.count * channels)]
        }
        return RasterImage(width: width, height: height, layout: layout, pixels: output)
    }
}
