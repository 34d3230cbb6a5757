extension Ops {
    /// Nearest-neighbour ×2 up-sampling of `(n, c, h, w)` to `(n, c, 2h, 2w)`, as
    /// `F.interpolate(x, scale_factor=2, mode="nearest")`.
    public static func upsampleNearest2x(_ x: Tensor) -> Tensor {
        Profiler.measure("upsampleNearest2x") {
            precondition(x.shape.count == 4, "upsampleNearest2x: input \(x.shape) should be (n, c, h, w)")
            let (height, width) = (x.shape[2], x.shape[3])
            let (y, output) = Tensor.uninitialized([x.shape[0], x.shape[1], height * 2, width * 2])
            let input = x.basePointer
            Compute.parallelFor(x.shape[0] * x.shape[1]) { plane in
                let source = input + plane * height * width, destination = output + plane * height * width * 4
                for row in 0..<height {
                    let line = destination + row * 2 * width * 2
                    for column in 0..<width {
                        line[2 * column] = source[row * width + column]
                        line[2 * column + 1] = source[row * width + column]
                    }
                    (line + 2 * width).update(from: line, count: 2 * width)
                }
            }
            return y
        }
    }

    /// Bilinear resize of `(n, c, h, w)` as `F.interpolate(mode="bilinear", align_corners=False,
    /// antialias=False)`: pixel centres line up, and shrinking samples without filtering.
    public static func resizeBilinear(_ x: Tensor, height: Int, width: Int) -> Tensor {
        Profiler.measure("resizeBilinear") {
            precondition(x.shape.count == 4 && height >= 1 && width >= 1, "resizeBilinear: input \(x.shape) to \(height)×\(width)")
            let rows = bilinearTaps(input: x.shape[2], output: height), columns = bilinearTaps(input: x.shape[3], output: width)
            return separable(x, height: height, width: width) { source, row, column in
                let r = rows[row], c = columns[column]
                let top = source(r.0, c.0) * c.2 + source(r.0, c.1) * c.3
                let bottom = source(r.1, c.0) * c.2 + source(r.1, c.1) * c.3
                return top * r.2 + bottom * r.3
            }
        }
    }

    /// Bicubic resize of `(n, c, h, w)` as `F.interpolate(mode="bicubic", align_corners=True,
    /// antialias=False)`: Keys' cubic with a = −0.75, corner pixels aligned, indices clamped at the borders.
    public static func resizeBicubic(_ x: Tensor, height: Int, width: Int) -> Tensor {
        Profiler.measure("resizeBicubic") {
            precondition(x.shape.count == 4 && height >= 1 && width >= 1, "resizeBicubic: input \(x.shape) to \(height)×\(width)")
            let rows = bicubicTaps(input: x.shape[2], output: height), columns = bicubicTaps(input: x.shape[3], output: width)
            return separable(x, height: height, width: width) { source, row, column in
                let r = rows[row], c = columns[column]
                var total: Float = 0
                for i in 0..<4 {
                    var line: Float = 0
                    for j in 0..<4 { line += source(r.indices[i], c.indices[j]) * c.weights[j] }
                    total += line * r.weights[i]
                }
                return total
            }
        }
    }

    /// For each output index: the two input indices and their weights (as PyTorch computes them, in Float).
    private static func bilinearTaps(input: Int, output: Int) -> [(Int, Int, Float, Float)] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { o in
            let real = max(0, scale * (Float(o) + 0.5) - 0.5)
            let lower = min(Int(real), input - 1)
            let upper = lower + (lower < input - 1 ? 1 : 0)
            let upperWeight = real - Float(lower)
            return (lower, upper, 1 - upperWeight, upperWeight)
        }
    }

    /// For each output index: four clamped input indices and Keys' cubic weights (a = −0.75).
    private static func bicubicTaps(input: Int, output: Int) -> [(indices: [Int], weights: [Float])] {
        let scale: Float = output > 1 ? Float(input - 1) / Float(output - 1) : 0
        let a: Float = -0.75
        func near(_ t: Float) -> Float { ((a + 2) * t - (a + 3)) * t * t + 1 }
        func far(_ t: Float) -> Float { ((a * t - 5 * a) * t + 8 * a) * t - 4 * a }
        return (0..<output).map { o in
            let real = scale * Float(o)
            let base = Int(real.rounded(.down))
            let t = real - Float(base)
            let indices = (-1...2).map { min(max(base + $0, 0), input - 1) }
            return (indices, [far(t + 1), near(t), near(1 - t), far(2 - t)])
        }
    }

    /// Fills each output pixel of every plane from a sampler that reads the input plane by (row, column).
    private static func separable(_ x: Tensor, height: Int, width: Int,
                                  sample: @escaping ((Int, Int) -> Float, Int, Int) -> Float) -> Tensor {
        let (inHeight, inWidth) = (x.shape[2], x.shape[3])
        let (y, output) = Tensor.uninitialized([x.shape[0], x.shape[1], height, width])
        let input = x.basePointer
        Compute.parallelFor(x.shape[0] * x.shape[1]) { plane in
            let source = input + plane * inHeight * inWidth, destination = output + plane * height * width
            let read = { (row: Int, column: Int) in source[row * inWidth + column] }
            for row in 0..<height {
                for column in 0..<width { destination[row * width + column] = sample(read, row, column) }
            }
        }
        return y
    }
}
