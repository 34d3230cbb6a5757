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
    /// 2-D convolution as `torch.nn.functional.conv2d`, by im2col and one GEMM per block of output rows.
    /// - Parameters:
    ///   - x: `(n, cin, h, w)`.
    ///   - weight: `(cout, cin, kh, kw)`.
    ///   - bias: `(cout)` or nil.
    /// - Returns: `(n, cout, ho, wo)` with `ho = (h + top + bottom − kh) / stride + 1`, likewise `wo`.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Padding = .all(0)) -> Tensor {
        precondition(x.shape.count == 4 && weight.shape.count == 4 && x.shape[1] == weight.shape[1],
                     "conv2d: input \(x.shape) (n, cin, h, w) does not match weight \(weight.shape) (cout, cin, kh, kw)")
        precondition(stride >= 1, "conv2d: stride \(stride) must be ≥ 1")
        let (batch, inChannels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outChannels, kernelHeight, kernelWidth) = (weight.shape[0], weight.shape[2], weight.shape[3])
        if let bias { precondition(bias.shape == [outChannels], "conv2d: bias \(bias.shape) should be [\(outChannels)]") }
        let outHeight = (height + padding.top + padding.bottom - kernelHeight) / stride + 1
        let outWidth = (width + padding.left + padding.right - kernelWidth) / stride + 1
        precondition(outHeight >= 1 && outWidth >= 1, "conv2d: kernel \(weight.shape) is larger than padded input \(x.shape)")

        let outPlane = outHeight * outWidth, inPlane = height * width
        let reduction = inChannels * kernelHeight * kernelWidth
        let (y, output) = Tensor.uninitialized([batch, outChannels, outHeight, outWidth])
        let pointwise = kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == .all(0)
        // Output rows per GEMM, so that the im2col block stays near 16 MiB.
        let rowsPerBlock = pointwise ? outHeight : max(1, min(outHeight, (4 << 20) / max(reduction * outWidth, 1)))
        let columns = pointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: reduction * rowsPerBlock * outWidth)
        defer { columns?.deallocate() }

        Compute.exclusive {
            for image in 0..<batch {
                let input = x.basePointer + image * inChannels * inPlane
                let result = output + image * outChannels * outPlane
                if let bias {
                    for channel in 0..<outChannels { (result + channel * outPlane).update(repeating: bias.basePointer[channel], count: outPlane) }
                }
                var firstRow = 0
                while firstRow < outHeight {
                    let rows = min(rowsPerBlock, outHeight - firstRow)
                    let source: UnsafePointer<Float>
                    if let columns {
                        im2col(input, channels: inChannels, height: height, width: width,
                               kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride, padding: padding,
                               outWidth: outWidth, firstRow: firstRow, rows: rows, into: columns)
                        source = UnsafePointer(columns)
                    } else {
                        source = input
                    }
                    BLAS.sgemm(.none, .none, m: outChannels, n: rows * outWidth, k: reduction,
                               a: weight.basePointer, lda: reduction, b: source, ldb: pointwise ? inPlane : rows * outWidth,
                               beta: bias == nil ? 0 : 1, c: result + firstRow * outWidth, ldc: outPlane)
                    firstRow += rows
                }
            }
        }
        return y
    }

    /// Lays out, for output rows `firstRow ..< firstRow + rows`, one row of the GEMM's right operand per
    /// (input channel, kernel row, kernel column): the input pixel each output pixel sees there, or 0 in the padding.
    private static func im2col(
        _ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
        kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Padding,
        outWidth: Int, firstRow: Int, rows: Int, into columns: UnsafeMutablePointer<Float>
    ) {
        let rowLength = rows * outWidth
        Compute.parallelFor(channels * kernelHeight * kernelWidth) { item in
            let channel = item / (kernelHeight * kernelWidth)
            let ky = (item / kernelWidth) % kernelHeight, kx = item % kernelWidth
            let plane = input + channel * height * width
            let destination = columns + item * rowLength
            for r in 0..<rows {
                let iy = (firstRow + r) * stride + ky - padding.top
                let line = destination + r * outWidth
                guard iy >= 0 && iy < height else {
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
