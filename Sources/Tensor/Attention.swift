extension Ops {
    /// Multi-head scaled dot-product attention, `softmax(q·kᵀ/√d)·v` per head, as
    /// `torch.nn.functional.scaled_dot_product_attention` on heads split from the channel axis.
    ///
    /// Work is spread over (batch, head, block of queries) items. With AVX-512 each item is one fused
    /// kernel on 64 queries (scores, softmax and the weighted sum of the values, queries in the vector
    /// lanes: `Sources/TensorKernelsX86V4/AttentionKernels.swift`); elsewhere it is two single-threaded sgemm
    /// calls around a row softmax on 256 queries. Either way at most `threadCount × block × keys` scores
    /// exist at once, never the whole `(batch, heads, queries, keys)` matrix, and results do not depend
    /// on the thread count.
    /// - Parameters:
    ///   - query: `(b, nq, heads · d)`.
    ///   - key, value: `(b, nk, heads · d)`.
    ///   - heads: number of heads; channel `h·d + i` belongs to head `h`.
    ///   - causal: mask keys after each query's position (CLIP's text tower); needs `nq == nk`.
    ///   - kernels: the kernel set; tests pass each one the CPU supports.
    /// - Returns: `(b, nq, heads · d)`, heads concatenated back on the channel axis.
    public static func attention(query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool = false,
                                 kernels: KernelSet = .active) -> Tensor {
        Profiler.measure("attention") {
            precondition(query.shape.count == 3 && key.shape.count == 3 && key.shape == value.shape
                         && query.shape[0] == key.shape[0] && query.shape[2] == key.shape[2] && heads >= 1 && query.shape[2] % heads == 0,
                         "attention: query \(query.shape), key \(key.shape), value \(value.shape) with \(heads) heads do not fit (b, n, heads·d)")
            let (batch, queries, channels) = (query.shape[0], query.shape[1], query.shape[2])
            let keys = key.shape[1], headSize = channels / heads
            precondition(!causal || queries == keys, "attention: causal masking needs as many queries as keys, got \(queries) and \(keys)")
            let fused = kernels.attentionBlock, softmax = kernels.softmax
            // The sgemm path runs best on blocks of 256 queries (measured: 64 is about 4 % slower).
            let block = fused == nil ? 256 : AttentionBlock.capacity
            let blocksPerHead = (queries + block - 1) / block
            let scale = 1 / Float(headSize).squareRoot()
            let (y, output) = Tensor.uninitialized(query.shape)
            let q = query.basePointer, k = key.basePointer, v = value.basePointer

            if fused == nil { Compute.prepareSingleThreadedBLAS() }
            Compute.parallelFor(batch * heads * blocksPerHead) { item in
                let image = item / (heads * blocksPerHead), head = (item / blocksPerHead) % heads
                let first = (item % blocksPerHead) * block, rows = min(block, queries - first)
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: fused == nil ? rows * keys : block * (keys + headSize))
                defer { scratch.deallocate() }
                let headOffset = head * headSize
                let qBlock = q + (image * queries + first) * channels + headOffset
                let kBlock = k + image * keys * channels + headOffset, vBlock = v + image * keys * channels + headOffset
                let outputBlock = output + (image * queries + first) * channels + headOffset
                if let fused {
                    fused(AttentionBlock(queries: qBlock, queryCount: rows, keys: kBlock, values: vBlock, keyCount: keys,
                                         headSize: headSize, stride: channels, scale: scale,
                                         causalFirstQuery: causal ? first : -1, output: outputBlock, scratch: scratch))
                    return
                }
                // scores = q_h · k_hᵀ (unscaled; the scale is applied inside the softmax).
                BLAS.sgemm(.none, .transposed, m: rows, n: keys, k: headSize,
                           a: qBlock, lda: channels, b: kBlock, ldb: channels, c: scratch, ldc: keys)
                for r in 0..<rows {
                    let row = scratch + r * keys
                    let visible = causal ? first + r + 1 : keys
                    softmax(row, row, visible, scale)
                    if visible < keys { (row + visible).update(repeating: 0, count: keys - visible) }
                }
                BLAS.sgemm(.none, .none, m: rows, n: headSize, k: keys,
                           a: scratch, lda: keys, b: vBlock, ldb: channels, c: outputBlock, ldc: channels)
            }
            return y
        }
    }
}

/// The arguments of one call of the fused attention kernel (`KernelSet.attentionBlock`): one head, up
/// to `capacity` queries; every row of queries, keys, values and output is `stride` floats after the
/// previous one. `scratch` holds `capacity × (keyCount + headSize)` floats.
struct AttentionBlock {
    /// Queries per block, as the kernel's four 16-lane vectors hold them.
    static let capacity = 64

    let queries: UnsafePointer<Float>
    let queryCount: Int
    let keys: UnsafePointer<Float>
    let values: UnsafePointer<Float>
    let keyCount: Int
    let headSize: Int
    let stride: Int
    let scale: Float
    /// Sequence position of the block's first query under a causal mask; -1 without one.
    let causalFirstQuery: Int
    let output: UnsafeMutablePointer<Float>
    let scratch: UnsafeMutablePointer<Float>
}
