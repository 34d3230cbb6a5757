import Foundation
import Testing
@testable import Tensor

/// Every kernel set this CPU can run (baseline, and on x86-64 the AVX2 and AVX-512 builds of the same
/// source) against plain Double loops, on lengths that leave a tail after the 16-lane body.
struct KernelSetTests {
    static let sets = KernelSet.supportedByThisCPU.map(\.name)

    static func values(_ count: Int, spread: Float) -> [Float] {
        var rng = SplitMix64(seed: UInt64(count))
        return (0..<count).map { _ in rng.nextFloat() * spread }
    }

    /// The largest |actual − expected| / scale, elementwise.
    func worstScaled(_ actual: [Float], _ expected: [Double], scale: [Double]) -> Double {
        var worst = 0.0
        for i in actual.indices { worst = max(worst, abs(Double(actual[i]) - expected[i]) / scale[i]) }
        return worst
    }

    func worstRelative(_ actual: [Float], _ expected: [Double]) -> Double {
        zip(actual, expected).map { abs(Double($0) - $1) / max(abs($1), 1e-6) }.max() ?? 0
    }

    @Test func theFastestSupportedSetIsActive() {
        #expect(KernelSet.active.name == KernelSet.supportedByThisCPU.last?.name || ProcessInfo.processInfo.environment["CUSTOMNET_KERNELS"] != nil)
        #expect(Self.sets.first == "baseline")
    }

    @Test(arguments: sets)
    func kernelsMatchDoubleReferences(_ name: String) {
        let set = KernelSet.supportedByThisCPU.first { $0.name == name }!
        for count in [1, 15, 16, 37, 1000] {
            let x = Self.values(count, spread: 40), y = Self.values(count + 1, spread: 3)
            var out = [Float](repeating: 0, count: count)

            set.softmax(x, &out, count, 0.7)
            let peak = x.map { Double($0) * 0.7 }.max()!
            let e = x.map { Foundation.exp(Double($0) * 0.7 - peak) }, total = e.reduce(0, +)
            #expect(worstRelative(out, e.map { $0 / total }) < 2e-6 || count == 0, "\(name) softmax n=\(count)")

            set.silu(x, &out, count)
            #expect(worstRelative(out, x.map { Double($0) / (1 + Foundation.exp(-Double($0))) }) < 1e-6, "\(name) silu n=\(count)")
            set.quickGELU(x, &out, count)
            #expect(worstRelative(out, x.map { Double($0) / (1 + Foundation.exp(-1.702 * Double($0))) }) < 1e-6, "\(name) quickGELU n=\(count)")
            func exactGELU(_ v: Double) -> Double { 0.5 * v * (1 + Foundation.erf(v / 2.0.squareRoot())) }
            set.gelu(x, &out, count)
            // 1 + erf(x/√2) cancels for x ≪ 0, as in PyTorch's float kernel: bound the error by |x|.
            let geluScale = x.map { max(1, abs(Double($0))) }
            #expect(worstScaled(out, x.map { exactGELU(Double($0)) }, scale: geluScale) < 2e-7, "\(name) gelu n=\(count)")
            set.geglu(x, y, &out, count)
            let gated = (0..<count).map { Double(x[$0]) * exactGELU(Double(y[$0])) }
            let gegluScale = (0..<count).map { i -> Double in max(1, abs(Double(x[i]) * Double(y[i]))) }
            #expect(worstScaled(out, gated, scale: gegluScale) < 2e-7, "\(name) geglu n=\(count)")
            set.affine(x, &out, count, 0.5, -2)
            #expect(worstRelative(out, x.map { Double($0) * 0.5 - 2 }) < 1e-6, "\(name) affine n=\(count)")
            set.add(x, y, &out, count)
            #expect(worstRelative(out, (0..<count).map { Double(x[$0]) + Double(y[$0]) }) < 1e-6, "\(name) add n=\(count)")
            set.multiply(x, y, &out, count)
            #expect(worstRelative(out, (0..<count).map { Double(x[$0]) * Double(y[$0]) }) < 1e-6, "\(name) multiply n=\(count)")

            let (mean, inverse) = set.meanAndInverseDeviation(x, count, 1e-5)
            let m = x.map(Double.init).reduce(0, +) / Double(count)
            let variance = x.map { (Double($0) - m) * (Double($0) - m) }.reduce(0, +) / Double(count)
            #expect(abs(Double(mean) - m) < 1e-4, "\(name) mean n=\(count)")
            #expect(abs(Double(inverse) - 1 / (variance + 1e-5).squareRoot()) / (1 / (variance + 1e-5).squareRoot()) < 1e-5, "\(name) deviation n=\(count)")
        }
    }

    @Test(arguments: sets)
    func expIsAccurateOverItsWholeRange(_ name: String) {
        let set = KernelSet.supportedByThisCPU.first { $0.name == name }!
        // silu(x) = x / (1 + e^-x); for x ≤ −20, silu(x) ≈ x·e^x, which exposes exp's relative error.
        let x = (0..<4000).map { Float($0) * -0.0165 - 20 }
        var out = [Float](repeating: 0, count: x.count)
        set.silu(x, &out, x.count)
        let expected = x.map { Double($0) / (1 + Foundation.exp(-Double($0))) }
        let worst = zip(out, expected).filter { abs($0.1) > 1e-36 }.map { abs(Double($0.0) - $0.1) / abs($0.1) }.max()!
        #expect(worst < 5e-7, "\(name): max relative error \(worst)")
    }

    /// The Winograd transforms only add, subtract and halve, so every set must give the baseline's bits
    /// (WinogradTests checks the active set's convolution against a direct sum). Counts leave tails.
    @Test(arguments: sets)
    func winogradTransformsGiveTheBaselineBits(_ name: String) {
        let set = KernelSet.supportedByThisCPU.first { $0.name == name }!, baseline = KernelSet.baseline
        func run(_ kernels: KernelSet) -> [UInt32] {
            let filters = 37, tiles = 21, rowStride = 2 * tiles + 34
            let weights = Self.values(filters * 9, spread: 3), rows = Self.values(4 * rowStride, spread: 5)
            let products = Self.values(16 * tiles, spread: 7)
            var u = [Float](repeating: 0, count: 16 * filters), v = [Float](repeating: 0, count: 16 * tiles)
            var pixels = [Float](repeating: 0, count: 2 * 2 * tiles)
            kernels.winogradFilters(weights, &u, filters, filters)
            kernels.winogradInput(rows, rowStride, tiles, &v, tiles)
            kernels.winogradOutput(products, tiles, tiles, 0.25, &pixels, 2 * tiles)
            return (u + v + pixels).map(\.bitPattern)
        }
        #expect(run(set) == run(baseline), "\(name) differs from baseline")
    }
}
