import Testing
@testable import Tensor

/// The AVX-512 narrow matrix product (`KernelSet.narrowProduct`) against a sum in Double, on shapes that
/// reach its edges: rows after the last block of 8, a last 16 columns after blocks of 32, reductions of
/// several 1,024-row slices of B, padded leading dimensions, and accumulating into C. Skipped on CPUs
/// without AVX-512, where OpenBLAS runs these products.
@Suite(.enabled(if: KernelSet.active.narrowProduct != nil, "this CPU has no AVX-512 kernel set"))
struct NarrowProductTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let m, n, k, padding: Int
        let accumulate: Bool
        var testDescription: String { "\(m)×\(k)·\(k)×\(n) pad \(padding)\(accumulate ? " C +=" : "")" }
    }

    static let cases = [
        Case(m: 8, n: 32, k: 1, padding: 0, accumulate: false),
        Case(m: 70, n: 32, k: 300, padding: 3, accumulate: false),
        Case(m: 13, n: 48, k: 1025, padding: 1, accumulate: true),
        Case(m: 64, n: 64, k: 2500, padding: 0, accumulate: false),
        Case(m: 5, n: 16, k: 37, padding: 2, accumulate: true),
        Case(m: 9, n: 32, k: 0, padding: 1, accumulate: false),
    ]

    /// Values in [−1, 1), so that sums cancel as real activations do.
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in rng.nextFloat() * 2 - 1 }
    }

    @Test(arguments: cases)
    func matchesTheSumInDouble(_ c: Case) {
        let lda = c.k + c.padding, ldb = c.n + c.padding, ldc = c.n + c.padding
        let a = Self.values(c.m * lda, seed: 1), b = Self.values(max(c.k, 1) * ldb, seed: 2), initial = Self.values(c.m * ldc, seed: 3)
        var result = initial
        KernelSet.active.narrowProduct!(a, lda, b, ldb, &result, ldc, c.m, c.n, c.k, c.accumulate)

        // Error relative to Σ|a·b| (+ |C| when accumulating), the scale of the roundings in any order.
        var worst = 0.0
        for i in 0..<c.m {
            for j in 0..<c.n {
                var sum = c.accumulate ? Double(initial[i * ldc + j]) : 0, magnitude = abs(sum)
                for p in 0..<c.k {
                    let term = Double(a[i * lda + p]) * Double(b[p * ldb + j])
                    sum += term; magnitude += abs(term)
                }
                worst = max(worst, abs(Double(result[i * ldc + j]) - sum) / max(magnitude, 1e-30))
            }
            for j in c.n..<ldc { #expect(result[i * ldc + j] == initial[i * ldc + j], "padding column \(j) of row \(i) written") }
        }
        #expect(worst < 2e-6, "worst error \(worst) of Σ|terms|")
    }

    /// `Compute.gemm` sends narrow products here in tasks of 64 rows; each row of C is one fixed sequence
    /// of operations, so the result is the whole-matrix call's, bit for bit, with 1 or 2 threads.
    @Test func computeGEMMGivesTheWholeMatrixBitsWithAnyThreadCount() {
        let before = Compute.threadCount
        defer { Compute.threadCount = before }
        let (m, n, k) = (200, 32, 1500)
        let a = Self.values(m * k, seed: 4), b = Self.values(k * n, seed: 5)
        var whole = [Float](repeating: 0, count: m * n)
        KernelSet.active.narrowProduct!(a, k, b, n, &whole, n, m, n, k, false)
        for threads in [1, 2] {
            Compute.threadCount = threads
            var split = [Float](repeating: 0, count: m * n)
            Compute.gemm(.none, .none, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &split, ldc: n)
            #expect(split.map(\.bitPattern) == whole.map(\.bitPattern), "\(threads) thread(s)")
        }
    }

    @Test func onlyNarrowUntransposedProductsWithBeta0Or1UseIt() {
        #expect(Compute.narrowKernel(.none, .none, n: 32, beta: 0) != nil)
        #expect(Compute.narrowKernel(.none, .none, n: 64, beta: 1) != nil)
        #expect(Compute.narrowKernel(.none, .none, n: 80, beta: 0) == nil, "wider than narrowProductColumns")
        #expect(Compute.narrowKernel(.none, .none, n: 24, beta: 0) == nil, "not a multiple of 16")
        #expect(Compute.narrowKernel(.transposed, .none, n: 32, beta: 0) == nil)
        #expect(Compute.narrowKernel(.none, .transposed, n: 32, beta: 0) == nil)
        #expect(Compute.narrowKernel(.none, .none, n: 32, beta: 0.5) == nil)
    }
}
