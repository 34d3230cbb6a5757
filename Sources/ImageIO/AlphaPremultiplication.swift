extension RasterImage {
    /// Pillow's RGBA → RGBa conversion (`rgbA2rgba`, Convert.c): each colour byte times alpha / 255,
    /// rounded by `MULDIV255`. Pillow resizes RGBA images in this form.
    func premultipliedByAlpha() -> RasterImage {
        var output = pixels
        for pixel in stride(from: 0, to: output.count, by: 4) {
            let alpha = UInt32(output[pixel + 3])
            for channel in pixel..<(pixel + 3) {
                let product = UInt32(output[channel]) * alpha + 128
                output[channel] = UInt8(((product >> 8) + product) >> 8)
            }
        }
        return RasterImage(width: width, height: height, layout: layout, pixels: output)
    }

    /// Pillow's RGBa → RGBA conversion (`rgba2rgbA`): each colour byte times 255 / alpha, truncated and
    /// clipped to 255; pixels with alpha 0 or 255 are left as they are.
    func dividedByAlpha() -> RasterImage {
        var output = pixels
        for pixel in stride(from: 0, to: output.count, by: 4) {
            let alpha = UInt32(output[pixel + 3])
            guard alpha != 0 && alpha != 255 else { continue }
            for channel in pixel..<(pixel + 3) {
                output[channel] = UInt8(min(255 * UInt32(output[channel]) / alpha, 255))
            }
        }
        return RasterImage(width: width, height: height, layout: layout, pixels: output)
    }
}
