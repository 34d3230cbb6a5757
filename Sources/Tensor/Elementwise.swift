extension Ops {
    /// `a + b`, elementwise. - Precondition: equal shapes.
    public static func add(_ a: Tensor, _ b: Tensor) -> Tensor {
        Profiler.measure("add") {
            precondition(a.shape == b.shape, "add: shapes \(a.shape) and \(b.shape) differ")
            return zipMap(a, b, KernelSet.active.add)
        }
    }

    /// `a · b`, elementwise. - Precondition: equal shapes.
    public static func multiply(_ a: Tensor, _ b: Tensor) -> Tensor {
        Profiler.measure("multiply") {
            precondition(a.shape == b.shape, "multiply: shapes \(a.shape) and \(b.shape) differ")
            return zipMap(a, b, KernelSet.active.multiply)
        }
    }

    /// `x · factor + offset`, elementwise.
    public static func scale(_ x: Tensor, by factor: Float, adding offset: Float = 0) -> Tensor {
        Profiler.measure("scale") {
            let (y, output) = Tensor.uninitialized(x.shape)
            let input = x.basePointer, affine = KernelSet.active.affine, blockSize = 16 * 1024
            Compute.parallelFor((x.count + blockSize - 1) / blockSize) { block in
                let start = block * blockSize
                affine(input + start, output + start, min(blockSize, x.count - start), factor, offset)
            }
            return y
        }
    }

    /// Adds one value per (image, channel) to every position: `x[n, c, …] + values[n, c]`, as the
    /// ResBlock adds its projected time embedding (`h + emb[:, :, None, None]`).
    /// - Parameters: x: `(n, c, …)`; values: `(n, c)`.
    public static func addPerChannel(_ x: Tensor, _ values: Tensor) -> Tensor {
        Profiler.measure("addPerChannel") {
            precondition(x.shape.count >= 2 && values.shape == Array(x.shape.prefix(2)),
                         "addPerChannel: values \(values.shape) should be \(Array(x.shape.prefix(2))) for input \(x.shape)")
            let plane = x.shape.dropFirst(2).reduce(1, *)
            let (y, output) = Tensor.uninitialized(x.shape)
            let input = x.basePointer, offsets = values.basePointer, affine = KernelSet.active.affine
            Compute.parallelFor(values.count) { item in
                affine(input + item * plane, output + item * plane, plane, 1, offsets[item])
            }
            return y
        }
    }

    /// Joins tensors along `axis` (1 is the channel axis of NCHW and the token axis of `(b, n, c)`).
    /// - Precondition: all shapes agree except on `axis`.
    public static func concatenate(_ parts: [Tensor], axis: Int) -> Tensor {
        Profiler.measure("concatenate") {
            precondition(!parts.isEmpty, "concatenate: nothing to join")
            let rank = parts[0].shape.count
            precondition(axis >= 0 && axis < rank, "concatenate: axis \(axis) is outside shape \(parts[0].shape)")
            for part in parts {
                precondition(part.shape.count == rank && part.shape.enumerated().allSatisfy { $0.offset == axis || $0.element == parts[0].shape[$0.offset] },
                             "concatenate: shapes \(parts.map(\.shape)) differ outside axis \(axis)")
            }
            var shape = parts[0].shape
            shape[axis] = parts.map { $0.shape[axis] }.reduce(0, +)
            let outer = shape.prefix(axis).reduce(1, *), inner = shape.dropFirst(axis + 1).reduce(1, *)
            let (y, output) = Tensor.uninitialized(shape)
            let outputRow = shape[axis] * inner
            var position = 0
            for part in parts {
                let partRow = part.shape[axis] * inner
                for o in 0..<outer { (output + o * outputRow + position).update(from: part.basePointer + o * partRow, count: partRow) }
                position += partRow
            }
            return y
        }
    }

    private static func zipMap(_ a: Tensor, _ b: Tensor, _ kernel: KernelSet.Binary) -> Tensor {
        let (y, output) = Tensor.uninitialized(a.shape)
        let left = a.basePointer, right = b.basePointer, blockSize = 16 * 1024
        Compute.parallelFor((a.count + blockSize - 1) / blockSize) { block in
            let start = block * blockSize
            kernel(left + start, right + start, output + start, min(blockSize, a.count - start))
        }
        return y
    }
}
