// Fused scaled dot-product attention for one head and a block of up to 64 queries, the queries in
// the vector lanes (see Ops.attention in Sources/Tensor/Attention.swift). The rules of Kernels.swift
// apply.
//
// With the queries in the lanes, the scores are stored key by key (`scores[k · 64 + lane]`), so the
// softmax's maximum and sum over the keys are plain vector operations, and both products are
// register-tiled loops of broadcast-multiply-adds: 4 keys × 64 queries for q·kᵀ, 4 output channels ×
// 64 queries for p·v. Nothing is packed but the block’s 64 queries, and the 64 × keys scores stay in
// the core's L2 cache between the three passes (256 KB at the UNet's 1,024 keys; 1 MiB at 4,096).
//
// It lives in the AVX-512 set only (this folder, not a link to Sources/TensorKernels): a 4 × 4 tile of
// 16-lane accumulators needs its 32 vector registers; with AVX2's 16 it spills, and OpenBLAS's sgemm
// is faster there (measured in `customnet bench ops`: 26.0 ms fused against 20.4 ms through sgemm for
// the UNet's self-attention).
extension Kernels {
    /// `output = softmax(scale · q·kᵀ)·v` for `queryCount ≤ 64` queries of one head.
    ///
    /// Row `i` of each operand starts at `base + i · stride` and holds `headSize` channels. With
    /// `causalFirstQuery = f ≥ 0`, query `i` (position `f + i` in the sequence) sees keys `0 ... f + i`
    /// only; `-1` means no mask. `scratch` holds `64 · (headSize + keyCount)` floats.
    public static func attentionBlock(queries: UnsafePointer<Float>, queryCount: Int, queryStride: Int,
                                      keys: UnsafePointer<Float>, values: UnsafePointer<Float>, keyCount: Int, keyStride: Int,
                                      headSize: Int, scale: Float, causalFirstQuery: Int,
                                      output: UnsafeMutablePointer<Float>, outputStride: Int,
                                      scratch: UnsafeMutablePointer<Float>) {
        let width = 64
        // Keys after the block's last query are masked for every lane: never computed.
        let visibleKeys = causalFirstQuery >= 0 ? min(keyCount, causalFirstQuery + queryCount) : keyCount
        let transposedQueries = scratch, scores = scratch + headSize * width

        // qᵀ: channel c of query i at [c · 64 + i]; lanes past queryCount are zero.
        transposedQueries.update(repeating: 0, count: headSize * width)
        for i in 0..<queryCount {
            let row = queries + i * queryStride
            for c in 0..<headSize { transposedQueries[c * width + i] = row[c] }
        }
        attentionScores(transposedQueries, keys: keys, keyCount: visibleKeys, keyStride: keyStride, headSize: headSize, scores)
        let sums = attentionExponentials(scores, keyCount: visibleKeys, scale: scale, causalFirstQuery: causalFirstQuery)
        attentionWeightedValues(scores, values: values, keyCount: visibleKeys, keyStride: keyStride, headSize: headSize,
                                inverseSums: (1 / sums.0, 1 / sums.1, 1 / sums.2, 1 / sums.3),
                                output: output, queryCount: queryCount, outputStride: outputStride)
    }

    /// `scores[k · 64 + lane] = Σ_c qᵀ[c · 64 + lane] · key_k[c]`, four keys at a time.
    @inline(__always)
    static func attentionScores(_ transposedQueries: UnsafePointer<Float>, keys: UnsafePointer<Float>, keyCount: Int, keyStride: Int,
                                headSize: Int, _ scores: UnsafeMutablePointer<Float>) {
        let q = UnsafeRawPointer(transposedQueries), s = UnsafeMutableRawPointer(scores)
        let stride = 64 * 4  // bytes per channel of qᵀ and per key of the scores
        var k = 0
        while k + 4 <= keyCount {
            let k0 = keys + k * keyStride, k1 = k0 + keyStride, k2 = k1 + keyStride, k3 = k2 + keyStride
            var a00 = Vector(), a01 = Vector(), a02 = Vector(), a03 = Vector()
            var a10 = Vector(), a11 = Vector(), a12 = Vector(), a13 = Vector()
            var a20 = Vector(), a21 = Vector(), a22 = Vector(), a23 = Vector()
            var a30 = Vector(), a31 = Vector(), a32 = Vector(), a33 = Vector()
            for c in 0..<headSize {
                let offset = c * stride
                let q0 = q.loadUnaligned(fromByteOffset: offset, as: Vector.self)
                let q1 = q.loadUnaligned(fromByteOffset: offset + 64, as: Vector.self)
                let q2 = q.loadUnaligned(fromByteOffset: offset + 128, as: Vector.self)
                let q3 = q.loadUnaligned(fromByteOffset: offset + 192, as: Vector.self)
                let b0 = Vector(repeating: k0[c])
                a00 = multiplyAdd(q0, b0, a00); a01 = multiplyAdd(q1, b0, a01); a02 = multiplyAdd(q2, b0, a02); a03 = multiplyAdd(q3, b0, a03)
                let b1 = Vector(repeating: k1[c])
                a10 = multiplyAdd(q0, b1, a10); a11 = multiplyAdd(q1, b1, a11); a12 = multiplyAdd(q2, b1, a12); a13 = multiplyAdd(q3, b1, a13)
                let b2 = Vector(repeating: k2[c])
                a20 = multiplyAdd(q0, b2, a20); a21 = multiplyAdd(q1, b2, a21); a22 = multiplyAdd(q2, b2, a22); a23 = multiplyAdd(q3, b2, a23)
                let b3 = Vector(repeating: k3[c])
                a30 = multiplyAdd(q0, b3, a30); a31 = multiplyAdd(q1, b3, a31); a32 = multiplyAdd(q2, b3, a32); a33 = multiplyAdd(q3, b3, a33)
            }
            let row = k * stride
            s.storeBytes(of: a00, toByteOffset: row, as: Vector.self); s.storeBytes(of: a01, toByteOffset: row + 64, as: Vector.self)
            s.storeBytes(of: a02, toByteOffset: row + 128, as: Vector.self); s.storeBytes(of: a03, toByteOffset: row + 192, as: Vector.self)
            s.storeBytes(of: a10, toByteOffset: row + stride, as: Vector.self); s.storeBytes(of: a11, toByteOffset: row + stride + 64, as: Vector.self)
            s.storeBytes(of: a12, toByteOffset: row + stride + 128, as: Vector.self); s.storeBytes(of: a13, toByteOffset: row + stride + 192, as: Vector.self)
            s.storeBytes(of: a20, toByteOffset: row + 2 * stride, as: Vector.self); s.storeBytes(of: a21, toByteOffset: row + 2 * stride + 64, as: Vector.self)
            s.storeBytes(of: a22, toByteOffset: row + 2 * stride + 128, as: Vector.self); s.storeBytes(of: a23, toByteOffset: row + 2 * stride + 192, as: Vector.self)
            s.storeBytes(of: a30, toByteOffset: row + 3 * stride, as: Vector.self); s.storeBytes(of: a31, toByteOffset: row + 3 * stride + 64, as: Vector.self)
            s.storeBytes(of: a32, toByteOffset: row + 3 * stride + 128, as: Vector.self); s.storeBytes(of: a33, toByteOffset: row + 3 * stride + 192, as: Vector.self)
            k += 4
        }
        while k < keyCount {
            let key = keys + k * keyStride
            var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
            for c in 0..<headSize {
                let offset = c * stride, b = Vector(repeating: key[c])
                a0 = multiplyAdd(q.loadUnaligned(fromByteOffset: offset, as: Vector.self), b, a0)
                a1 = multiplyAdd(q.loadUnaligned(fromByteOffset: offset + 64, as: Vector.self), b, a1)
                a2 = multiplyAdd(q.loadUnaligned(fromByteOffset: offset + 128, as: Vector.self), b, a2)
                a3 = multiplyAdd(q.loadUnaligned(fromByteOffset: offset + 192, as: Vector.self), b, a3)
            }
            let row = k * stride
            s.storeBytes(of: a0, toByteOffset: row, as: Vector.self); s.storeBytes(of: a1, toByteOffset: row + 64, as: Vector.self)
            s.storeBytes(of: a2, toByteOffset: row + 128, as: Vector.self); s.storeBytes(of: a3, toByteOffset: row + 192, as: Vector.self)
            k += 1
        }
    }

    /// Replaces each score by `e^(scale · (score − lane's maximum))`, zero where the causal mask hides
    /// the key, and returns the four vectors of per-lane sums.
    @inline(__always)
    static func attentionExponentials(_ scores: UnsafeMutablePointer<Float>, keyCount: Int, scale: Float,
                                      causalFirstQuery: Int) -> (Vector, Vector, Vector, Vector) {
        let s = UnsafeMutableRawPointer(scores), stride = 64 * 4
        // Key k is hidden from lane i when causalFirstQuery + i < k.
        let lanes = Vector(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        let lane0 = lanes, lane1 = lanes + 16, lane2 = lanes + 32, lane3 = lanes + 48
        let firstMasked = causalFirstQuery >= 0 ? causalFirstQuery + 1 : keyCount
        func hidden(_ k: Int) -> Vector { Vector(repeating: Float(k - causalFirstQuery)) }

        var m0 = Vector(repeating: -.infinity), m1 = m0, m2 = m0, m3 = m0
        for k in 0..<keyCount {
            let row = k * stride
            var v0 = s.loadUnaligned(fromByteOffset: row, as: Vector.self), v1 = s.loadUnaligned(fromByteOffset: row + 64, as: Vector.self)
            var v2 = s.loadUnaligned(fromByteOffset: row + 128, as: Vector.self), v3 = s.loadUnaligned(fromByteOffset: row + 192, as: Vector.self)
            if k >= firstMasked {
                let h = hidden(k)
                v0.replace(with: -.infinity, where: lane0 .< h); v1.replace(with: -.infinity, where: lane1 .< h)
                v2.replace(with: -.infinity, where: lane2 .< h); v3.replace(with: -.infinity, where: lane3 .< h)
            }
            m0.replace(with: v0, where: v0 .> m0); m1.replace(with: v1, where: v1 .> m1)
            m2.replace(with: v2, where: v2 .> m2); m3.replace(with: v3, where: v3 .> m3)
        }
        let factor = Vector(repeating: scale)
        let n0 = -(m0 * factor), n1 = -(m1 * factor), n2 = -(m2 * factor), n3 = -(m3 * factor)
        var t0 = Vector(), t1 = Vector(), t2 = Vector(), t3 = Vector()
        for k in 0..<keyCount {
            let row = k * stride
            var e0 = exp(multiplyAdd(s.loadUnaligned(fromByteOffset: row, as: Vector.self), factor, n0))
            var e1 = exp(multiplyAdd(s.loadUnaligned(fromByteOffset: row + 64, as: Vector.self), factor, n1))
            var e2 = exp(multiplyAdd(s.loadUnaligned(fromByteOffset: row + 128, as: Vector.self), factor, n2))
            var e3 = exp(multiplyAdd(s.loadUnaligned(fromByteOffset: row + 192, as: Vector.self), factor, n3))
            if k >= firstMasked {
                let h = hidden(k)
                e0.replace(with: 0, where: lane0 .< h); e1.replace(with: 0, where: lane1 .< h)
                e2.replace(with: 0, where: lane2 .< h); e3.replace(with: 0, where: lane3 .< h)
            }
            s.storeBytes(of: e0, toByteOffset: row, as: Vector.self); s.storeBytes(of: e1, toByteOffset: row + 64, as: Vector.self)
            s.storeBytes(of: e2, toByteOffset: row + 128, as: Vector.self); s.storeBytes(of: e3, toByteOffset: row + 192, as: Vector.self)
            t0 += e0; t1 += e1; t2 += e2; t3 += e3
        }
        return (t0, t1, t2, t3)
    }

    /// `output[i][c] = Σ_k weights[k · 64 + i] · value_k[c] · inverseSums[i]` for the block's queries,
    /// four channels at a time.
    @inline(__always)
    static func attentionWeightedValues(_ weights: UnsafePointer<Float>, values: UnsafePointer<Float>, keyCount: Int, keyStride: Int,
                                        headSize: Int, inverseSums: (Vector, Vector, Vector, Vector),
                                        output: UnsafeMutablePointer<Float>, queryCount: Int, outputStride: Int) {
        let w = UnsafeRawPointer(weights), stride = 64 * 4
        func store(_ channel: Int, _ v0: Vector, _ v1: Vector, _ v2: Vector, _ v3: Vector) {
            let columns = (v0 * inverseSums.0, v1 * inverseSums.1, v2 * inverseSums.2, v3 * inverseSums.3)
            let destination = output + channel
            for i in 0..<queryCount {
                let lane = i & 15
                let value: Float
                switch i >> 4 {
                case 0: value = columns.0[lane]
                case 1: value = columns.1[lane]
                case 2: value = columns.2[lane]
                default: value = columns.3[lane]
                }
                destination[i * outputStride] = value
            }
        }
        var c = 0
        while c + 4 <= headSize {
            var a00 = Vector(), a01 = Vector(), a02 = Vector(), a03 = Vector()
            var a10 = Vector(), a11 = Vector(), a12 = Vector(), a13 = Vector()
            var a20 = Vector(), a21 = Vector(), a22 = Vector(), a23 = Vector()
            var a30 = Vector(), a31 = Vector(), a32 = Vector(), a33 = Vector()
            var value = values + c
            for k in 0..<keyCount {
                let row = k * stride
                let p0 = w.loadUnaligned(fromByteOffset: row, as: Vector.self), p1 = w.loadUnaligned(fromByteOffset: row + 64, as: Vector.self)
                let p2 = w.loadUnaligned(fromByteOffset: row + 128, as: Vector.self), p3 = w.loadUnaligned(fromByteOffset: row + 192, as: Vector.self)
                let b0 = Vector(repeating: value[0])
                a00 = multiplyAdd(p0, b0, a00); a01 = multiplyAdd(p1, b0, a01); a02 = multiplyAdd(p2, b0, a02); a03 = multiplyAdd(p3, b0, a03)
                let b1 = Vector(repeating: value[1])
                a10 = multiplyAdd(p0, b1, a10); a11 = multiplyAdd(p1, b1, a11); a12 = multiplyAdd(p2, b1, a12); a13 = multiplyAdd(p3, b1, a13)
                let b2 = Vector(repeating: value[2])
                a20 = multiplyAdd(p0, b2, a20); a21 = multiplyAdd(p1, b2, a21); a22 = multiplyAdd(p2, b2, a22); a23 = multiplyAdd(p3, b2, a23)
                let b3 = Vector(repeating: value[3])
                a30 = multiplyAdd(p0, b3, a30); a31 = multiplyAdd(p1, b3, a31); a32 = multiplyAdd(p2, b3, a32); a33 = multiplyAdd(p3, b3, a33)
                value += keyStride
            }
            store(c, a00, a01, a02, a03); store(c + 1, a10, a11, a12, a13)
            store(c + 2, a20, a21, a22, a23); store(c + 3, a30, a31, a32, a33)
            c += 4
        }
        while c < headSize {
            var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
            for k in 0..<keyCount {
                let row = k * stride, b = Vector(repeating: values[k * keyStride + c])
                a0 = multiplyAdd(w.loadUnaligned(fromByteOffset: row, as: Vector.self), b, a0)
                a1 = multiplyAdd(w.loadUnaligned(fromByteOffset: row + 64, as: Vector.self), b, a1)
                a2 = multiplyAdd(w.loadUnaligned(fromByteOffset: row + 128, as: Vector.self), b, a2)
                a3 = multiplyAdd(w.loadUnaligned(fromByteOffset: row + 192, as: Vector.self), b, a3)
            }
            store(c, a0, a1, a2, a3)
            c += 1
        }
    }
}
