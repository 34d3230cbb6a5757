extension Ops {
    /// Multi-head scaled dot-product attention, `softmax(q·kᵀ/√d)·v` per head, as
    /// `torch.nn.functional.scaled_dot_product_attention` on heads split from the channel axis.
    ///
    /// Queries are processed in chunks, so at most `threadCount × queryChunk × keys` scores exist at
    /// once, never the whole `(batch, heads, queries, keys)` matrix. Work is spread over (batch, head,
    /// chunk) items, each making its own single-threaded BLAS calls.
    /// - Parameters:
    ///   - query: `(b, nq, heads · d)`.
    ///   - key, value: `(b, nk, heads · d)`.
    ///   - heads: number of heads; channel `h·d + i` belongs to head `h`.
    ///   - causal: mask keys after each query's position (CLIP's text tower); needs `nq == nk`.
    /// - Returns: `(b, nq, heads · d)`, heads concatenated back on the channel axis.
    public static func attention(query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool = false, queryChunk: Int = 256) -> Tensor {
        Profiler.measure("attention") {
            precondition(query.shape.count == 3 && key.shape.count == 3 && key.shape == value.shape
                         && query.shape[0] == key.shape[0] && query.shape[2] == key.shape[2] && heads >= 1 && query.shape[2] % heads == 0,
                         "attention: query \(query.shape), key \(key.shape), value \(value.shape) with \(heads) heads do not fit (b, n, heads·d)")
            let (batch, queries, channels) = (query.shape[0], query.shape[1], query.shape[2])
            let keys = key.shape[1], headSize = channels / heads
            precondition(!causal || queries == keys, "attention: causal masking needs as many queries as keys, got \(queries) and \(keys)")
            let chunk = max(1, min(queryChunk, queries))
            let chunksPerHead = (queries + chunk - 1) / chunk
            let scale = 1 / Float(headSize).squareRoot()
            let (y, output) = Tensor.uninitialized(query.shape)
            let q = query.basePointer, k = key.basePointer, v = value.basePointer, softmax = KernelSet.active.softmax

            Compute.prepareSingleThreadedBLAS()
            Compute.parallelFor(batch * heads * chunksPerHead) { item in
                let image = item / (heads * chunksPerHead), head = (item / chunksPerHead) % heads
                let first = (item % chunksPerHead) * chunk, rows = min(chunk, queries - first)
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: rows * keys)
                defer { scores.deallocate() }
                let headOffset = head * headSize
                let qBlock = q + (image * queries + first) * channels + headOffset
                let kBlock = k + image * keys * channels + headOffset
                let vBlock = v + image * keys * channels + headOffset
                // scores = q_h · k_hᵀ (unscaled; the scale is applied inside the softmax).
                BLAS.sgemm(.none, .transposed, m: rows, n: keys, k: headSize,
                           a: qBlock, lda: channels, b: kBlock, ldb: channels, c: scores, ldc: keys)
                for r in 0..<rows {
                    let row = scores + r * keys
                    let visible = causal ? first + r + 1 : keys
                    softmax(row, row, visible, scale)
                    if visible < keys { (row + visible).update(repeating: 0, count: keys - visible) }
                }
                BLAS.sgemm(.none, .none, m: rows, n: headSize, k: keys,
                           a: scores, lda: keys, b: vBlock, ldb: channels,
                           c: output + (image * queries + first) * channels + headOffset, ldc: channels)
            }
            return y
        }
    }
}
