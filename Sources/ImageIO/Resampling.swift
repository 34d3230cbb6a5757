/// A resampling filter of Pillow's `Image.resize`, with Pillow's kernels (`Image.Resampling.*`).
public enum ResamplingFilter: String, Sendable, CaseIterable {
    /// `Image.Resampling.NEAREST`: the source pixel under each output pixel's centre.
    case nearest
    /// `Image.Resampling.BILINEAR`: a triangle of radius 1, widened when shrinking.
    case bilinear
    /// `Image.Resampling.BICUBIC`: Keys' cubic with a = −0.5, radius 2, widened when shrinking (Pillow's default).
    case bicubic
    /// `Image.Resampling.LANCZOS`: sinc windowed by sinc, radius 3, widened when shrinking.
    case lanczos

    /// The convolution Pillow runs for this filter; `nil` for nearest, which Pillow does as an affine scale.
    var kernel: ConvolutionKernel? {
        switch self {
        case .nearest: nil
        case .bilinear: .bilinear
        case .bicubic: .bicubic
        case .lanczos: .lanczos
        }
    }
}

extension RasterImage {
    /// This image at `width × height`, byte for byte what Pillow 9.5–12 give for
    /// `Image.resize((width, height), resample=filter)` (no box, `reducing_gap=None`). RGBA is resized in
    /// premultiplied form (RGBa) and converted back, as Pillow does for every filter but nearest.
    /// - Precondition: `width, height ≥ 1`.
    public func resized(width: Int, height: Int, filter: ResamplingFilter) -> RasterImage {
        precondition(width >= 1 && height >= 1, "resized: size must be positive, got \(width)×\(height)")
        return resized(width: width, height: height, filter: filter, reducingGap: nil)
    }

    /// `Image.resize` with a `reducing_gap`: when the image is at least `2 × gap` times the output along
    /// an axis, it is first box-reduced by `⌊scale / gap⌋` (`Image.reduce`), then resampled from that.
    /// Pillow 9.5–12 drop the gap for RGBA (it is not passed on through the RGBa conversion), and so does this.
    func resized(width: Int, height: Int, filter: ResamplingFilter, reducingGap: Double?) -> RasterImage {
        if width == self.width && height == self.height { return self }
        guard let kernel = filter.kernel else { return nearestNeighbourResized(width: width, height: height) }
        if layout == .rgba {
            return premultipliedByAlpha().convolved(width: width, height: height, kernel: kernel, reducingGap: nil)
                .dividedByAlpha()
        }
        return convolved(width: width, height: height, kernel: kernel, reducingGap: reducingGap)
    }

    /// The Python half of `Image.resize` for convolution filters: the optional `reduce` step, then the
    /// resample of the (fractional) box it leaves. The box `reduce` works on is always the whole image
    /// here: `_get_safe_box` widens a whole-image box and then clamps it back to the image.
    private func convolved(width: Int, height: Int, kernel: ConvolutionKernel, reducingGap: Double?) -> RasterImage {
        let factorX = reducingGap.map { max(Int(Double(self.width) / Double(width) / $0), 1) } ?? 1
        let factorY = reducingGap.map { max(Int(Double(self.height) / Double(height) / $0), 1) } ?? 1
        guard factorX > 1 || factorY > 1 else {
            return convolved(width: width, height: height, kernel: kernel,
                             spanX: SourceSpan(wholeAxisOf: self.width), spanY: SourceSpan(wholeAxisOf: self.height))
        }
        return boxReduced(factorX: factorX, factorY: factorY).convolved(
            width: width, height: height, kernel: kernel,
            spanX: SourceSpan(start: 0, end: Float(Double(self.width) / Double(factorX))),
            spanY: SourceSpan(start: 0, end: Float(Double(self.height) / Double(factorY))))
    }

    /// Pillow's `ImagingResampleInner` for 8-bit images: a horizontal pass over only the source rows the
    /// vertical pass will read, then the vertical pass, each skipped when its axis is unchanged (as in
    /// Pillow, a span's end is compared with the output size). The horizontal pass always comes first,
    /// as in Pillow up to 12; the intermediate image is rounded to bytes, so the order shows in the output.
    private func convolved(width: Int, height: Int, kernel: ConvolutionKernel,
                           spanX: SourceSpan, spanY: SourceSpan) -> RasterImage {
        let needsHorizontal = width != self.width || spanX.start != 0 || spanX.end != Float(width)
        let needsVertical = height != self.height || spanY.start != 0 || spanY.end != Float(height)
        let vertical = ResamplingWindows(inputSize: self.height, span: spanY, outputSize: height, kernel: kernel)
        guard needsHorizontal else {
            return needsVertical ? resampledVertically(vertical, firstSourceRow: 0) : self
        }
        let horizontal = ResamplingWindows(inputSize: self.width, span: spanX, outputSize: width, kernel: kernel)
        let rows = vertical.sourceRange
        let wide = resampledHorizontally(horizontal, rows: rows)
        return needsVertical ? wide.resampledVertically(vertical, firstSourceRow: rows.lowerBound) : wide
    }

    /// `ImagingResampleHorizontal_8bpc`: each output pixel is the fixed-point weighted sum of a run of
    /// source pixels in the same row, for source rows `rows` only. The channels of a pixel are summed
    /// side by side in one vector (the fourth lane idles for RGB).
    private func resampledHorizontally(_ windows: ResamplingWindows, rows: Range<Int>) -> RasterImage {
        let channels = layout.channelCount, outputWidth = windows.starts.count
        var output = [UInt8](repeating: 0, count: outputWidth * rows.count * channels)
        pixels.withUnsafeBufferPointer { source in
            windows.weights.withUnsafeBufferPointer { weights in
                output.withUnsafeMutableBufferPointer { output in
                    for (outputRow, row) in rows.enumerated() {
                        let sourceRow = row * width * channels, outputRowStart = outputRow * outputWidth * channels
                        for x in 0..<outputWidth {
                            var sums = SIMD4<Int32>(repeating: ResamplingWindows.half)
                            var pixel = sourceRow + windows.starts[x] * channels
                            for weight in weights[(x * windows.stride)..<(x * windows.stride + windows.lengths[x])] {
                                sums &+= Self.channelVector(source, at: pixel, channels: channels) &* weight
                                pixel += channels
                            }
                            for channel in 0..<channels {
                                output[outputRowStart + x * channels + channel] = ResamplingWindows.clippedByte(sums[channel])
                            }
                        }
                    }
                }
            }
        }
        return RasterImage(width: outputWidth, height: rows.count, layout: layout, pixels: output)
    }

    /// The 3 or 4 channel bytes of the pixel starting at `index`, widened; lane 3 is 0 for RGB.
    @inline(__always)
    private static func channelVector(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, channels: Int) -> SIMD4<Int32> {
        SIMD4(Int32(bytes[index]), Int32(bytes[index + 1]), Int32(bytes[index + 2]), channels == 4 ? Int32(bytes[index + 3]) : 0)
    }

    /// `ImagingResampleVertical_8bpc`: each output row is the fixed-point weighted sum of a run of source
    /// rows; this image's row 0 is source row `firstSourceRow` of the windows.
    private func resampledVertically(_ windows: ResamplingWindows, firstSourceRow: Int) -> RasterImage {
        let rowLength = width * layout.channelCount, outputHeight = windows.starts.count
        var output = [UInt8](repeating: 0, count: rowLength * outputHeight)
        var sums = [Int32](repeating: 0, count: rowLength)
        pixels.withUnsafeBufferPointer { source in
            sums.withUnsafeMutableBufferPointer { sums in
                output.withUnsafeMutableBufferPointer { output in
                    for y in 0..<outputHeight {
                        let first = windows.starts[y] - firstSourceRow
                        sums.update(repeating: ResamplingWindows.half)
                        for tap in 0..<windows.lengths[y] {
                            let weight = windows.weights[y * windows.stride + tap]
                            let row = UnsafeBufferPointer(rebasing: source[((first + tap) * rowLength)...].prefix(rowLength))
                            for index in 0..<rowLength { sums[index] &+= Int32(row[index]) &* weight }
                        }
                        for index in 0..<rowLength {
                            output[y * rowLength + index] = ResamplingWindows.clippedByte(sums[index])
                        }
                    }
                }
            }
        }
        return RasterImage(width: width, height: outputHeight, layout: layout, pixels: output)
    }

    /// Pillow's NEAREST resize (`ImagingScaleAffine`): output pixel `x` copies source column
    /// `⌊x₀ + x·step⌋` with the position accumulated in double precision as Pillow does, `x₀ = step / 2`.
    private func nearestNeighbourResized(width: Int, height: Int) -> RasterImage {
        let channels = layout.channelCount
        let columns = Self.nearestSourceIndices(count: width, sourceCount: self.width)
        let rows = Self.nearestSourceIndices(count: height, sourceCount: self.height)
        var output = [UInt8](repeating: 0, count: width * height * channels)
        for (y, row) in rows.enumerated() where row >= 0 {
            for (x, column) in columns.enumerated() where column >= 0 {
                let from = (row * self.width + column) * channels, to = (y * width + x) * channels
                for channel in 0..<channels { output[to + channel] = pixels[from + channel] }
            }
        }
        return RasterImage(width: width, height: height, layout: layout, pixels: output)
    }

    /// The source index for each of `count` outputs, −1 where it falls outside (left black, as Pillow fills).
    private static func nearestSourceIndices(count: Int, sourceCount: Int) -> [Int] {
        let step = Double(Float(sourceCount)) / Double(count)
        var position = step * 0.5
        var indices = [Int](repeating: -1, count: count)
        for index in 0..<count {
            let source = position < 0 ? -1 : Int(position)
            if source < sourceCount { indices[index] = source }
            position += step
        }
        return indices
    }
}
