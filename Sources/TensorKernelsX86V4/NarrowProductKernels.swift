// Matrix products with few columns (32 to 128): the 4² planes' im2col GEMMs and the Winograd GEMMs on
// 8² and 16² planes, whose 32–128 columns leave OpenBLAS copying its packed panels for most of the call
// (see Compute.narrowProductColumns). The rules of Kernels.swift apply.
//
// A is read where it lies, 8 rows at a time, each value broadcast against the two 16-lane vectors of a
// 32-column row of B; B is taken in slices of 1,024 rows (128 KiB) that stay in the core's L2 cache.
// An 8 × 32 tile of accumulators takes 16 of the 32 vector registers, so this lives in the AVX-512 set
// only; elsewhere OpenBLAS's sgemm runs these products. Each value of C is summed in one fixed order
// (slice by slice, row by row of B), whatever the thread count.
extension Kernels {
    /// `C = A · B`, or `C += A · B` when `accumulate`, all row-major: `A` is `m × k` (row stride
    /// `lda ≥ k`), `B` is `k × n` (row stride `ldb ≥ n`), `C` is `m × n` (row stride `ldc ≥ n`) and
    /// overlaps neither. `n` must be a multiple of 32 (callers check; see `Compute.narrowKernel`).
    public static func narrowProduct(_ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                                     _ c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, k: Int, accumulate: Bool) {
        let kBlock = 1024
        var k0 = 0
        repeat {
            let kc = min(kBlock, k - k0)
            let add = accumulate || k0 > 0
            var j = 0
            while j + 32 <= n {
                var i = 0
                while i + 8 <= m {
                    rows8x32(a + i * lda + k0, lda, b + k0 * ldb + j, ldb, c + i * ldc + j, ldc, kc, add)
                    i += 8
                }
                while i < m {
                    rows1x32(a + i * lda + k0, b + k0 * ldb + j, ldb, c + i * ldc + j, kc, add)
                    i += 1
                }
                j += 32
            }
            k0 += kc
        } while k0 < k
    }

    /// Rows `0 ..< 8` × columns `0 ..< 32` of C from `k` rows of B.
    @inline(__always)
    static func rows8x32(_ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                         _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ k: Int, _ add: Bool) {
        let rb = UnsafeRawPointer(b)
        var c00 = Vector(), c01 = Vector(), c10 = Vector(), c11 = Vector(), c20 = Vector(), c21 = Vector(), c30 = Vector(), c31 = Vector()
        var c40 = Vector(), c41 = Vector(), c50 = Vector(), c51 = Vector(), c60 = Vector(), c61 = Vector(), c70 = Vector(), c71 = Vector()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda
        for p in 0..<k {
            let b0 = rb.loadUnaligned(fromByteOffset: p * ldb * 4, as: Vector.self)
            let b1 = rb.loadUnaligned(fromByteOffset: (p * ldb + 16) * 4, as: Vector.self)
            var w = Vector(repeating: a0[p]); c00 = multiplyAdd(w, b0, c00); c01 = multiplyAdd(w, b1, c01)
            w = Vector(repeating: a1[p]); c10 = multiplyAdd(w, b0, c10); c11 = multiplyAdd(w, b1, c11)
            w = Vector(repeating: a2[p]); c20 = multiplyAdd(w, b0, c20); c21 = multiplyAdd(w, b1, c21)
            w = Vector(repeating: a3[p]); c30 = multiplyAdd(w, b0, c30); c31 = multiplyAdd(w, b1, c31)
            w = Vector(repeating: a4[p]); c40 = multiplyAdd(w, b0, c40); c41 = multiplyAdd(w, b1, c41)
            w = Vector(repeating: a5[p]); c50 = multiplyAdd(w, b0, c50); c51 = multiplyAdd(w, b1, c51)
            w = Vector(repeating: a6[p]); c60 = multiplyAdd(w, b0, c60); c61 = multiplyAdd(w, b1, c61)
            w = Vector(repeating: a7[p]); c70 = multiplyAdd(w, b0, c70); c71 = multiplyAdd(w, b1, c71)
        }
        let rc = UnsafeMutableRawPointer(c)
        func put(_ row: Int, _ v0: Vector, _ v1: Vector) {
            var v0 = v0, v1 = v1
            if add {
                v0 += rc.loadUnaligned(fromByteOffset: row * ldc * 4, as: Vector.self)
                v1 += rc.loadUnaligned(fromByteOffset: (row * ldc + 16) * 4, as: Vector.self)
            }
            rc.storeBytes(of: v0, toByteOffset: row * ldc * 4, as: Vector.self)
            rc.storeBytes(of: v1, toByteOffset: (row * ldc + 16) * 4, as: Vector.self)
        }
        put(0, c00, c01); put(1, c10, c11); put(2, c20, c21); put(3, c30, c31)
        put(4, c40, c41); put(5, c50, c51); put(6, c60, c61); put(7, c70, c71)
    }

    /// One row × 32 columns, for the rows after the last block of 8.
    @inline(__always)
    static func rows1x32(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ k: Int, _ add: Bool) {
        let rb = UnsafeRawPointer(b)
        var c0 = Vector(), c1 = Vector()
        for p in 0..<k {
            let w = Vector(repeating: a[p])
            c0 = multiplyAdd(w, rb.loadUnaligned(fromByteOffset: p * ldb * 4, as: Vector.self), c0)
            c1 = multiplyAdd(w, rb.loadUnaligned(fromByteOffset: (p * ldb + 16) * 4, as: Vector.self), c1)
        }
        let rc = UnsafeMutableRawPointer(c)
        if add { c0 += rc.loadUnaligned(as: Vector.self); c1 += rc.loadUnaligned(fromByteOffset: 64, as: Vector.self) }
        rc.storeBytes(of: c0, as: Vector.self)
        rc.storeBytes(of: c1, toByteOffset: 64, as: Vector.self)
    }
}
