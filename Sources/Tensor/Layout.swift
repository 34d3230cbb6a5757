extension Ops {
    /// Swaps the last two axes: `(…, m, n) → (…, n, m)`. Turns an NCHW feature map viewed as
    /// `(b, c, h·w)` into tokens `(b, h·w, c)` and back.
    public static func transposeLastTwo(_ x: Tensor) -> Tensor {
        Profiler.measure("transposeLastTwo") {
            precondition(x.shape.count >= 2, "transposeLastTwo: input \(x.shape) needs two axes")
            let m = x.shape[x.shape.count - 2], n = x.shape[x.shape.count - 1]
            let batches = x.count / max(m * n, 1)
            let (y, output) = Tensor.uninitialized(Array(x.shape.dropLast(2)) + [n, m])
            let input = x.basePointer
            // Blocks of 32 × 32 keep both the reads and the writes within a few cache lines.
            let tile = 32, rowTiles = (m + tile - 1) / tile
            Compute.parallelFor(batches * rowTiles) { item in
                let batch = item / rowTiles, firstRow = (item % rowTiles) * tile
                let source = input + batch * m * n, destination = output + batch * m * n
                var firstColumn = 0
                while firstColumn < n {
                    for i in firstRow..<min(firstRow + tile, m) {
                        for j in firstColumn..<min(firstColumn + tile, n) { destination[j * m + i] = source[i * n + j] }
                    }
                    firstColumn += tile
                }
            }
            return y
        }
    }

    /// Adds one row to every token: `x[b, t, :] + row[b, 0, :]` for `x` of shape `(b, n, c)` and `row` of
    /// shape `(b, 1, c)`.
    public static func addToEveryToken(_ x: Tensor, _ row: Tensor) -> Tensor {
        Profiler.measure("addToEveryToken") {
            precondition(x.shape.count == 3 && row.shape == [x.shape[0], 1, x.shape[2]],
                         "addToEveryToken: row \(row.shape) should be [\(x.shape[safe: 0] ?? 0), 1, \(x.shape[safe: 2] ?? 0)] for input \(x.shape)")
            let (tokens, channels) = (x.shape[1], x.shape[2])
            let (y, output) = Tensor.uninitialized(x.shape)
            let input = x.basePointer, rows = row.basePointer, add = KernelSet.active.add
            Compute.parallelFor(x.shape[0] * tokens) { item in
                let batch = item / max(tokens, 1)
                add(input + item * channels, rows + batch * channels, output + item * channels, channels)
            }
            return y
        }
    }
}

extension Ops {
    /// The elements at positions `range` of `axis`, copied (PyTorch's `narrow(axis, start, length)`,
    /// made contiguous): `(…, n, …) → (…, range.count, …)`.
    public static func narrow(_ x: Tensor, axis: Int, range: Range<Int>) -> Tensor {
        Profiler.measure("narrow") {
            precondition(axis >= 0 && axis < x.shape.count && range.lowerBound >= 0 && range.upperBound <= x.shape[axis],
                         "narrow: range \(range) of axis \(axis) is outside shape \(x.shape)")
            var shape = x.shape
            shape[axis] = range.count
            let outer = shape.prefix(axis).reduce(1, *), inner = shape.dropFirst(axis + 1).reduce(1, *)
            let (y, output) = Tensor.uninitialized(shape)
            let sourceRow = x.shape[axis] * inner, outputRow = range.count * inner
            for o in 0..<outer {
                (output + o * outputRow).update(from: x.basePointer + o * sourceRow + range.lowerBound * inner, count: outputRow)
            }
            return y
        }
    }
}
