import Testing
@testable import Tensor

/// Which products `Compute` sends to the narrow kernel; holds on every CPU.
struct NarrowProductRoutingTests {
    @Test func onlyUntransposedProductsOf32To128ColumnsWithBeta0Or1UseIt() {
        let available = KernelSet.active.narrowProduct != nil
        #expect((Compute.narrowKernel(.none, .none, n: 32, beta: 0) != nil) == available)
        #expect((Compute.narrowKernel(.none, .none, n: 64, beta: 1) != nil) == available)
        #expect((Compute.narrowKernel(.none, .none, n: 128, beta: 0) != nil) == available)
        #expect(Compute.narrowKernel(.none, .none, n: 160, beta: 0) == nil, "wider than narrowProductColumns")
        #expect(Compute.narrowKernel(.none, .none, n: 16, beta: 0) == nil, "not a multiple of 32")
        #expect(Compute.narrowKernel(.transposed, .none, n: 32, beta: 0) == nil)
        #expect(Compute.narrowKernel(.none, .transposed, n: 32, beta: 0) == nil)
        #expect(Compute.narrowKernel(.none, .none, n: 32, beta: 0.5) == nil)
    }
}

/// The AVX-512 narrow matrix product (`KernelSet.narrowProduct`) against a sum in Double, on shapes that
/// reach its edges: rows after the last block of 8, two to four 32-column panels, reductions of several
/// 1,024-row slices of B, different padded leading dimensions, and accumulating into C. Skipped on CPUs
/// without AVX-512, where OpenBLAS runs these products.
@Suite(.enabled(if: KernelSet.active.narrowProduct != nil, "this CPU has no AVX-512 kernel set"))
struct NarrowProductTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let m, n, k: Int
        /// Extra floats per row of A, B and C.
        let padA, padB, padC: Int
        let accumulate: Bool
        var testDescription: String { "\(m)×\(k)·\(k)×\(n) pad \(padA)/\(padB)/\(padC)\(accumulate ? " C +=" : "")" }
    }

    static let cases = [
        Case(m: 8, n: 32, k: 1, padA: 0, padB: 0, padC: 0, accumulate: false),
        Case(m: 70, n: 32, k: 300, padA: 3, padB: 1, padC: 5, accumulate: false),
        Case(m: 13, n: 64, k: 1025, padA: 1, padB: 7, padC: 2, accumulate: true),
        Case(m: 64, n: 64, k: 2500, padA: 0, padB: 0, padC: 0, accumulate: false),
        Case(m: 5, n: 32, k: 37, padA: 2, padB: 3, padC: 1, accumulate: true),
        Case(m: 9, n: 32, k: 0, padA: 1, padB: 1, padC: 1, accumulate: false),
        Case(m: 21, n: 128, k: 1100, padA: 4, padB: 2, padC: 3, accumulate: true),
        Case(m: 16, n: 96, k: 50, padA: 0, padB: 5, padC: 0, accumulate: false),
    ]

    /// Values in [−1, 1), so that sums cancel as real activations do.
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in rng.nextFloat() * 2 - 1 }
    }

    /// The worst error of `result` (row stride `ldc`) against `C = A·B (+ C)` in Double, relative to
    /// Σ|a·b| (+ |C|), the scale of the roundings in any summation order; padding columns and the guard
    /// rows after C must be untouched.
    static func worstError(_ result: [Float], initial: [Float], a: [Float], lda: Int, b: [Float], ldb: Int, ldc: Int,
                           m: Int, n: Int, k: Int, accumulate: Bool) -> Double {
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var sum = accumulate ? Double(initial[i * ldc + j]) : 0, magnitude = abs(sum)
                for p in 0..<k {
                    let term = Double(a[i * lda + p]) * Double(b[p * ldb + j])
                    sum += term; magnitude += abs(term)
                }
                worst = max(worst, abs(Double(result[i * ldc + j]) - sum) / max(magnitude, 1e-30))
            }
            for j in n..<ldc { #expect(result[i * ldc + j] == initial[i * ldc + j], "padding column \(j) of row \(i) written") }
        }
        #expect(result[(m * ldc)...] == initial[(m * ldc)...], "guard rows after C written")
        return worst
    }

    @Test(arguments: cases)
    func matchesTheSumInDouble(_ c: Case) {
        let lda = c.k + c.padA, ldb = c.n + c.padB, ldc = c.n + c.padC
        let a = Self.values(c.m * lda, seed: 1), b = Self.values(max(c.k, 1) * ldb, seed: 2)
        let initial = Self.values((c.m + 2) * ldc, seed: 3)
        var result = initial
        KernelSet.active.narrowProduct!(a, lda, b, ldb, &result, ldc, c.m, c.n, c.k, c.accumulate)
        let worst = Self.worstError(result, initial: initial, a: a, lda: lda, b: b, ldb: ldb, ldc: ldc, m: c.m, n: c.n, k: c.k,
                                    accumulate: c.accumulate)
        #expect(worst < 2e-6, "worst error \(worst) of Σ|terms|")
    }

    /// `Compute.gemm` sends narrow products here in tasks of 64 rows, with beta 1 as accumulation; each
    /// row of C is one fixed sequence of operations, so the result is the whole-matrix call's, bit for
    /// bit, with 1 or 2 threads. 200 rows leave a task of 8 rows; strides are padded differently.
    @Test func computeGEMMGivesTheWholeMatrixBitsWithAnyThreadCount() {
        let before = Compute.threadCount
        defer { Compute.threadCount = before }
        let (m, n, k) = (200, 32, 1500), lda = k + 3, ldb = n + 1, ldc = n + 5
        let a = Self.values(m * lda, seed: 4), b = Self.values(k * ldb, seed: 5), initial = Self.values((m + 2) * ldc, seed: 6)
        var whole = initial
        KernelSet.active.narrowProduct!(a, lda, b, ldb, &whole, ldc, m, n, k, true)
        let worst = Self.worstError(whole, initial: initial, a: a, lda: lda, b: b, ldb: ldb, ldc: ldc, m: m, n: n, k: k, accumulate: true)
        #expect(worst < 2e-6, "worst error \(worst) of Σ|terms|")
        for threads in [1, 2] {
            Compute.threadCount = threads
            var split = initial
            Compute.gemm(.none, .none, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: &split, ldc: ldc)
            #expect(split.map(\.bitPattern) == whole.map(\.bitPattern), "\(threads) thread(s)")
        }
    }

    /// Rows in the blocks of 8 and rows after them are the same sums: 13 rows in one call give the bits of
    /// 8 rows and then 5.
    @Test func rowsAfterTheLastBlockOf8AreTheSameSums() {
        let (m, n, k) = (13, 32, 700)
        let a = Self.values(m * k, seed: 7), b = Self.values(k * n, seed: 8)
        var whole = [Float](repeating: 0, count: m * n), parts = whole
        KernelSet.active.narrowProduct!(a, k, b, n, &whole, n, m, n, k, false)
        a.withUnsafeBufferPointer { a in
            parts.withUnsafeMutableBufferPointer { c in
                KernelSet.active.narrowProduct!(a.baseAddress!, k, b, n, c.baseAddress!, n, 8, n, k, false)
                KernelSet.active.narrowProduct!(a.baseAddress! + 8 * k, k, b, n, c.baseAddress! + 8 * n, n, 5, n, k, false)
            }
        }
        #expect(parts.map(\.bitPattern) == whole.map(\.bitPattern))
    }

    /// `Ops.conv2d` on 4² planes at batch 2: im2col's one GEMM of 32 columns runs in the narrow kernel,
    /// with the bias accumulated into C; checked against the direct sum in Double.
    @Test func conv2dOn4x4PlanesMatchesTheDirectSum() {
        let (batch, inChannels, outChannels, side) = (2, 130, 21, 4)
        let x = Tensor(shape: [batch, inChannels, side, side], scalars: Self.values(batch * inChannels * side * side, seed: 9))
        let weight = Tensor(shape: [outChannels, inChannels, 3, 3], scalars: Self.values(outChannels * inChannels * 9, seed: 10))
        let bias = Tensor(shape: [outChannels], scalars: Self.values(outChannels, seed: 11))
        let y = Ops.conv2d(x, weight: weight, bias: bias, padding: .all(1)).scalars
        let xs = x.scalars, ws = weight.scalars
        var worst = 0.0
        for n in 0..<batch {
            for o in 0..<outChannels {
                for i in 0..<side {
                    for j in 0..<side {
                        var sum = Double(bias.scalars[o]), magnitude = abs(sum)
                        for c in 0..<inChannels {
                            for ky in 0..<3 {
                                for kx in 0..<3 {
                                    let (yIn, xIn) = (i + ky - 1, j + kx - 1)
                                    guard yIn >= 0 && yIn < side && xIn >= 0 && xIn < side else { continue }
                                    let term = Double(ws[((o * inChannels + c) * 3 + ky) * 3 + kx]) * Double(xs[((n * inChannels + c) * side + yIn) * side + xIn])
                                    sum += term; magnitude += abs(term)
                                }
                            }
                        }
                        worst = max(worst, abs(Double(y[((n * outChannels + o) * side + i) * side + j]) - sum) / magnitude)
                    }
                }
            }
        }
        #expect(worst < 2e-6, "worst error \(worst) of Σ|terms|")
    }
}
