import Testing
@testable import Tensor

/// `BLAS.sgemm` against a plain triple loop in Double, on odd shapes, every transpose combination,
/// padded leading dimensions and non-trivial alpha/beta.
struct BLASTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let m, n, k: Int
        let transA, transB: BLAS.Transpose
        let padding: Int
        let alpha, beta: Float
        var testDescription: String { "\(m)×\(k)·\(k)×\(n) \(transA)/\(transB) pad \(padding) α=\(alpha) β=\(beta)" }
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        let shapes = [(1, 1, 1), (7, 5, 3), (13, 1, 29), (1, 31, 17), (33, 65, 127), (64, 48, 1)]
        for (m, n, k) in shapes {
            for transA in [BLAS.Transpose.none, .transposed] {
                for transB in [BLAS.Transpose.none, .transposed] {
                    cases.append(Case(m: m, n: n, k: k, transA: transA, transB: transB, padding: (m + n) % 3, alpha: 1, beta: 0))
                }
            }
        }
        cases.append(Case(m: 9, n: 11, k: 15, transA: .none, transB: .transposed, padding: 2, alpha: -0.5, beta: 0.75))
        return cases
    }()

    @Test(arguments: cases)
    func sgemmMatchesNaiveLoop(_ c: Case) {
        var rng = SplitMix64(seed: UInt64(c.m * 1000 + c.n * 10 + c.k))
        // Stored shapes: A is m×k (or k×m transposed), B is k×n (or n×k transposed), each row padded.
        let (aRows, aCols) = c.transA == .none ? (c.m, c.k) : (c.k, c.m)
        let (bRows, bCols) = c.transB == .none ? (c.k, c.n) : (c.n, c.k)
        let lda = aCols + c.padding, ldb = bCols + c.padding, ldc = c.n + c.padding
        let a = (0..<aRows * lda).map { _ in rng.nextFloat() }
        let b = (0..<bRows * ldb).map { _ in rng.nextFloat() }
        let initialC = (0..<c.m * ldc).map { _ in rng.nextFloat() }
        var result = initialC

        BLAS.sgemm(c.transA, c.transB, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                   a: a, lda: lda, b: b, ldb: ldb, beta: c.beta, c: &result, ldc: ldc)

        func elementA(_ i: Int, _ p: Int) -> Double { Double(c.transA == .none ? a[i * lda + p] : a[p * lda + i]) }
        func elementB(_ p: Int, _ j: Int) -> Double { Double(c.transB == .none ? b[p * ldb + j] : b[j * ldb + p]) }
        var worst: Double = 0
        for i in 0..<c.m {
            for j in 0..<c.n {
                var sum: Double = 0
                for p in 0..<c.k { sum += elementA(i, p) * elementB(p, j) }
                let expected = Double(c.alpha) * sum + Double(c.beta) * Double(initialC[i * ldc + j])
                worst = max(worst, abs(Double(result[i * ldc + j]) - expected))
            }
            // Padding columns of C are never written.
            for j in c.n..<ldc { #expect(result[i * ldc + j] == initialC[i * ldc + j]) }
        }
        #expect(worst <= 1e-5 * Double(max(c.k, 1)), "max abs error \(worst)")
    }

    @Test func threadCountIsSettableAndCoreIsNamed() {
        let before = BLAS.threadCount
        defer { BLAS.threadCount = before }
        BLAS.threadCount = 1
        #expect(BLAS.threadCount == 1)
        #expect(!BLAS.coreName.isEmpty)
        #expect(BLAS.configuration.contains("OpenBLAS"))
    }
}

/// A small deterministic generator so failures reproduce.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}
