extension RasterImage {
    /// Pillow's `Image.reduce((factorX, factorY))` on the whole image (`ImagingReduce`, Reduce.c): each
    /// output pixel is the rounded mean of a `factorX × factorY` block, and of the partial blocks along the
    /// right and bottom edges, so the size rounds up. The division is Pillow's: `(sum + n/2) · m >> 24`
    /// with `m = ⌊2³² / (256 n)⌋` computed in single precision.
    func boxReduced(factorX: Int, factorY: Int) -> RasterImage {
        let channels = layout.channelCount
        let outputWidth = (width + factorX - 1) / factorX, outputHeight = (height + factorY - 1) / factorY
        var output = [UInt8](repeating: 0, count: outputWidth * outputHeight * channels)
        pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { output in
                for outputY in 0..<outputHeight {
                    let rows = (outputY * factorY)..<min((outputY + 1) * factorY, height)
                    for outputX in 0..<outputWidth {
                        let columns = (outputX * factorX)..<min((outputX + 1) * factorX, width)
                        let count = rows.count * columns.count
                        let multiplier = Self.reductionMultiplier(pixelCount: count)
                        for channel in 0..<channels {
                            var sum = UInt32(count / 2)
                            for y in rows {
                                for x in columns { sum &+= UInt32(source[(y * width + x) * channels + channel]) }
                            }
                            output[(outputY * outputWidth + outputX) * channels + channel] = UInt8((sum &* multiplier) >> 24)
                        }
                    }
                }
            }
        }
        return RasterImage(width: outputWidth, height: outputHeight, layout: layout, pixels: output)
    }

    /// `division_UINT32(pixelCount, 8)` in Reduce.c.
    private static func reductionMultiplier(pixelCount: Int) -> UInt32 {
        let maxDividend = UInt32(256 * pixelCount)
        return UInt32(Float(4_294_967_296.0) / Float(maxDividend))
    }
}
