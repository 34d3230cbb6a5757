import Foundation
import Testing
@testable import Tensor

/// `Ops.attention` against a direct sum in Double on the shapes that stress the fused kernel's edges
/// (and the sgemm path's, on CPUs without AVX-512): query blocks that end part-way through their 64
/// lanes, key counts that are not a multiple of the 4-key tile, head sizes with a tail after the
/// 4-channel tile, a single key, and causal masks in blocks that start past position 0 — with every
/// kernel set this CPU supports (the fused kernel with AVX-512, the sgemm path with the others).
struct AttentionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let batch, queries, keys, heads, headSize: Int
        let causal: Bool
        var testDescription: String { "b\(batch) \(queries)q × \(keys)k, \(heads) heads of \(headSize)\(causal ? ", causal" : "")" }
    }

    static let cases: [Case] = [
        Case(batch: 2, queries: 70, keys: 13, heads: 3, headSize: 6, causal: false),
        Case(batch: 1, queries: 150, keys: 150, heads: 2, headSize: 8, causal: true),
        Case(batch: 1, queries: 64, keys: 1, heads: 2, headSize: 5, causal: false),
        Case(batch: 2, queries: 5, keys: 133, heads: 1, headSize: 40, causal: false),
        Case(batch: 1, queries: 77, keys: 77, heads: 3, headSize: 4, causal: true),
        Case(batch: 1, queries: 300, keys: 300, heads: 1, headSize: 4, causal: true),
    ]

    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SplitMix64(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.nextFloat() * 2 - 1 })
    }

    @Test(arguments: cases)
    func matchesADirectSum(_ c: Case) {
        let channels = c.heads * c.headSize
        let q = Self.random([c.batch, c.queries, channels], seed: 1), k = Self.random([c.batch, c.keys, channels], seed: 2)
        let v = Self.random([c.batch, c.keys, channels], seed: 3)
        let (qs, ks, vs) = (q.scalars, k.scalars, v.scalars)
        var expected = [Double](repeating: 0, count: qs.count)
        for b in 0..<c.batch { for h in 0..<c.heads { for i in 0..<c.queries {
            let visible = c.causal ? i + 1 : c.keys
            let scores = (0..<visible).map { j in
                (0..<c.headSize).reduce(0.0) { sum, d in
                    sum + Double(qs[(b * c.queries + i) * channels + h * c.headSize + d]) * Double(ks[(b * c.keys + j) * channels + h * c.headSize + d])
                } / Double(c.headSize).squareRoot()
            }
            let peak = scores.max()!, weights = scores.map { Foundation.exp($0 - peak) }, total = weights.reduce(0, +)
            for d in 0..<c.headSize {
                expected[(b * c.queries + i) * channels + h * c.headSize + d] =
                    (0..<visible).reduce(0.0) { $0 + weights[$1] / total * Double(vs[(b * c.keys + $1) * channels + h * c.headSize + d]) }
            }
        } } }
        for kernels in KernelSet.supportedByThisCPU {
            let result = Ops.attention(query: q, key: k, value: v, heads: c.heads, causal: c.causal, kernels: kernels).scalars
            // The worst error over the tolerance the PyTorch parity fixtures use, 1e-5 + 1e-4 · |expected|.
            let worst = zip(result, expected).map { abs(Double($0) - $1) / (1e-5 + 1e-4 * abs($1)) }.max()!
            #expect(worst <= 1, "\(kernels.name): error \(worst) × the tolerance")
        }
    }
}
