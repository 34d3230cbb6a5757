extension Ops {
    /// `y = x · Wᵀ + b` over the last axis, as `torch.nn.Linear`.
    /// - Parameters:
    ///   - x: `(…, in)`.
    ///   - weight: `(out, in)`.
    ///   - bias: `(out)` or nil.
    /// - Returns: `(…, out)`.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
        Profiler.measure("linear") {
            precondition(weight.shape.count == 2 && x.lastDimension == weight.shape[1],
                         "linear: input \(x.shape) does not match weight \(weight.shape) (out, in)")
            let outFeatures = weight.shape[0], inFeatures = weight.shape[1]
            if let bias { precondition(bias.shape == [outFeatures], "linear: bias \(bias.shape) should be [\(outFeatures)]") }
            let rows = x.count / max(inFeatures, 1)
            let (y, output) = Tensor.uninitialized(Array(x.shape.dropLast()) + [outFeatures])
            if let bias {
                for row in 0..<rows { (output + row * outFeatures).update(from: bias.basePointer, count: outFeatures) }
            }
            Compute.gemm(.none, .transposed, m: rows, n: outFeatures, k: inFeatures,
                         a: x.basePointer, lda: max(inFeatures, 1), b: weight.basePointer, ldb: max(inFeatures, 1),
                         beta: bias == nil ? 0 : 1, c: output, ldc: outFeatures)
            return y
        }
    }

    /// Batched matrix product `a · b` over the last two axes: `(…, m, k) · (…, k, n) → (…, m, n)`,
    /// with the same leading axes on both sides.
    public static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
        Profiler.measure("matmul") {
            precondition(a.shape.count >= 2 && b.shape.count == a.shape.count && a.shape.dropLast(2) == b.shape.dropLast(2)
                         && a.shape[a.shape.count - 1] == b.shape[b.shape.count - 2],
                         "matmul: shapes \(a.shape) and \(b.shape) do not chain")
            let m = a.shape[a.shape.count - 2], k = a.shape.last!, n = b.shape.last!
            let batches = a.shape.dropLast(2).reduce(1, *)
            let (c, output) = Tensor.uninitialized(Array(a.shape.dropLast()) + [n])
            for batch in 0..<batches {
                Compute.gemm(.none, .none, m: m, n: n, k: k,
                             a: a.basePointer + batch * m * k, lda: max(k, 1), b: b.basePointer + batch * k * n, ldb: max(n, 1),
                             c: output + batch * m * n, ldc: max(n, 1))
            }
            return c
        }
    }
}
