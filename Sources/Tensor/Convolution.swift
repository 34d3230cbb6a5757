/// Zero padding around an image, in pixels per side.
public struct Padding: Sendable, Equatable {
    public var top, left, bottom, right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        (self.top, self.left, self.bottom, self.right) = (top, left, bottom, right)
    }

    /// The same padding on every side (`padding=p` in PyTorch).
    public static func all(_ p: Int) -> Padding { Padding(top: p, left: p, bottom: p, right: p) }

    /// One extra row at the bottom and one column at the right: the LDM VAE's down-sampling,
    /// `F.pad(x, (0, 1, 0, 1))` before a stride-2 convolution without padding.
    public static let bottomRight = Padding(top: 0, left: 0, bottom: 1, right: 1)
}

extension Ops {
    /// 2-D convolution as `torch.nn.functional.conv2d`: Winograd F(2×2, 3×3) for 3×3 stride-1
    /// convolutions on large enough planes, otherwise im2col and one GEMM per block of output rows.
    /// - Parameters:
    ///   - x: `(n, cin, h, w)`.
    ///   - weight: `(cout, cin, kh, kw)`.
    ///   - bias: `(cout)` or nil.
    ///   - filterCache: where this convolution keeps its Winograd filters (always pass it the same
    ///     `weight`), so later calls skip their transform.
    /// - Returns: `(n, cout, ho, wo)` with `ho = (h + top + bottom − kh) / stride + 1`, likewise `wo`.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Padding = .all(0),
                              filterCache: WinogradFilterCache? = nil) -> Tensor {
        Profiler.measure("conv2d") {
            precondition(x.shape.count == 4 && weight.shape.count == 4 && x.shape[1] == weight.shape[1],
                         "conv2d: input \(x.shape) (n, cin, h, w) does not match weight \(weight.shape) (cout, cin, kh, kw)")
            precondition(stride >= 1, "conv2d: stride \(stride) must be ≥ 1")
            let (batch, inChannels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
            let (outChannels, kernelHeight, kernelWidth) = (weight.shape[0], weight.shape[2], weight.shape[3])
            if let bias { precondition(bias.shape == [outChannels], "conv2d: bias \(bias.shape) should be [\(outChannels)]") }
            let outHeight = (height + padding.top + padding.bottom - kernelHeight) / stride + 1
            let outWidth = (width + padding.left + padding.right - kernelWidth) / stride + 1
            precondition(outHeight >= 1 && outWidth >= 1, "conv2d: kernel \(weight.shape) is larger than padded input \(x.shape)")

            let geometry = ConvolutionGeometry(
                inChannels: inChannels, height: height, width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                stride: stride, padding: padding, outHeight: outHeight, outWidth: outWidth)
            let (y, output) = Tensor.uninitialized([batch, outChannels, outHeight, outWidth])
            if Winograd.suits(geometry, batch: batch) {
                Winograd.convolve(x, weight: weight, filters: filterCache?.filters(for: weight), bias: bias, geometry: geometry, into: output)
            } else if batch > 1 && geometry.outPlane < 1024 {
                // Small output planes (the UNet's deep levels) make GEMMs with few columns, which run far
                // below the BLAS peak: there all images share one GEMM.
                convolveBatched(x, weight: weight, bias: bias, geometry: geometry, into: output)
            } else {
                for image in 0..<batch { convolveOne(x, image: image, weight: weight, bias: bias, geometry: geometry, into: output) }
            }
            return y
        }
    }

    /// One image: im2col in blocks of output rows (near 16 MiB each), one GEMM per block writing straight
    /// into the output; a 1×1 convolution uses the input as it is.
    private static func convolveOne(_ x: Tensor, image: Int, weight: Tensor, bias: Tensor?, geometry g: ConvolutionGeometry,
                                    into output: UnsafeMutablePointer<Float>) {
        let outChannels = weight.shape[0]
        let input = x.basePointer + image * g.inChannels * g.height * g.width
        let result = output + image * outChannels * g.outPlane
        if let bias {
            for channel in 0..<outChannels { (result + channel * g.outPlane).update(repeating: bias.basePointer[channel], count: g.outPlane) }
        }
        let rowsPerBlock = g.isPointwise ? g.outHeight : max(1, min(g.outHeight, (4 << 20) / max(g.reduction * g.outWidth, 1)))
        let columns = g.isPointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: g.reduction * rowsPerBlock * g.outWidth)
        defer { columns?.deallocate() }
        var firstRow = 0
        while firstRow < g.outHeight {
            let rows = min(rowsPerBlock, g.outHeight - firstRow)
            var source = input, sourceStride = g.height * g.width
            if let columns {
                im2col(input, geometry: g, firstRow: firstRow, rows: rows, into: columns, rowStride: rows * g.outWidth)
                source = UnsafePointer(columns)
                sourceStride = rows * g.outWidth
            }
            Compute.gemm(.none, .none, m: outChannels, n: rows * g.outWidth, k: g.reduction,
                         a: weight.basePointer, lda: g.reduction, b: source, ldb: sourceStride,
                         beta: bias == nil ? 0 : 1, c: result + firstRow * g.outWidth, ldc: g.outPlane)
            firstRow += rows
        }
    }

    /// All images in one GEMM: their im2col blocks side by side, `(cout, n·ho·wo)` out, then each image's
    /// columns copied to its place in the NCHW output.
    private static func convolveBatched(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvolutionGeometry,
                                        into output: UnsafeMutablePointer<Float>) {
        let batch = x.shape[0], outChannels = weight.shape[0], width = batch * g.outPlane
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: g.reduction * width)
        let product = UnsafeMutablePointer<Float>.allocate(capacity: outChannels * width)
        defer { columns.deallocate(); product.deallocate() }
        for image in 0..<batch {
            im2col(x.basePointer + image * g.inChannels * g.height * g.width, geometry: g, firstRow: 0, rows: g.outHeight,
                   into: columns + image * g.outPlane, rowStride: width)
        }
        if let bias {
            for channel in 0..<outChannels { (product + channel * width).update(repeating: bias.basePointer[channel], count: width) }
        }
        Compute.gemm(.none, .none, m: outChannels, n: width, k: g.reduction, a: weight.basePointer, lda: g.reduction,
                     b: columns, ldb: width, beta: bias == nil ? 0 : 1, c: product, ldc: width)
        for image in 0..<batch {
            for channel in 0..<outChannels {
                (output + (image * outChannels + channel) * g.outPlane).update(from: product + channel * width + image * g.outPlane, count: g.outPlane)
            }
        }
    }

    /// Lays out, for output rows `firstRow ..< firstRow + rows`, one row of the GEMM's right operand per
    /// (input channel, kernel row, kernel column): the input pixel each output pixel sees there, or 0 in the
    /// padding. Row `k` starts at `columns + k · rowStride`.
    private static func im2col(_ input: UnsafePointer<Float>, geometry g: ConvolutionGeometry, firstRow: Int, rows: Int,
                               into columns: UnsafeMutablePointer<Float>, rowStride: Int) {
        let (kernelHeight, kernelWidth, stride, padding, width, outWidth) = (g.kernelHeight, g.kernelWidth, g.stride, g.padding, g.width, g.outWidth)
        Compute.parallelFor(g.reduction) { item in
            let channel = item / (kernelHeight * kernelWidth)
            let ky = (item / kernelWidth) % kernelHeight, kx = item % kernelWidth
            let plane = input + channel * g.height * width
            let destination = columns + item * rowStride
            for r in 0..<rows {
                let iy = (firstRow + r) * stride + ky - padding.top
                let line = destination + r * outWidth
                guard iy >= 0 && iy < g.height else {
                    line.update(repeating: 0, count: outWidth)
                    continue
                }
                let sourceRow = plane + iy * width
                if stride == 1 {
                    // Output columns whose input column ix = ox + kx − left lies inside the image.
                    let first = max(0, padding.left - kx), last = min(outWidth, width + padding.left - kx)
                    if first > 0 { line.update(repeating: 0, count: min(first, outWidth)) }
                    if last > first { (line + first).update(from: sourceRow + first + kx - padding.left, count: last - first) }
                    if last < outWidth { (line + max(last, 0)).update(repeating: 0, count: outWidth - max(last, 0)) }
                } else {
                    for ox in 0..<outWidth {
                        let ix = ox * stride + kx - padding.left
                        line[ox] = ix >= 0 && ix < width ? sourceRow[ix] : 0
                    }
                }
            }
        }
    }
}

/// The sizes one convolution works with.
struct ConvolutionGeometry {
    let inChannels, height, width, kernelHeight, kernelWidth, stride: Int
    let padding: Padding
    let outHeight, outWidth: Int

    var outPlane: Int { outHeight * outWidth }
    /// Rows of the im2col matrix: one per (input channel, kernel row, kernel column).
    var reduction: Int { inChannels * kernelHeight * kernelWidth }
    var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == .all(0) }
}
