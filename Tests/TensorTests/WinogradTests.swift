import Testing
@testable import Tensor

/// The F(2×2, 3×3) convolution against a direct sum in Double, on the shapes that stress its edges:
/// odd output sides (half-empty tiles), one-sided padding, tile rows of one chunk spanning two images,
/// channel counts with a tail after the 16-lane vectors, and rows of fewer than 16 tiles.
@Suite(.serialized)
struct WinogradTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let batch, inChannels, outChannels, height, width: Int
        let padding: Padding
        let withBias: Bool
        /// Transformed-input floats per chunk; small values force chunks that end mid-image.
        var chunkFloats = Winograd.chunkFloats
        var testDescription: String {
            "n\(batch) \(inChannels)→\(outChannels) \(height)×\(width) pad \(padding.top)\(padding.left)\(padding.bottom)\(padding.right)\(withBias ? " bias" : "")\(chunkFloats < Winograd.chunkFloats ? " chunks of \(chunkFloats)" : "")"
        }
    }

    static let cases: [Case] = [
        Case(batch: 1, inChannels: 32, outChannels: 16, height: 8, width: 8, padding: .all(1), withBias: true),
        Case(batch: 2, inChannels: 37, outChannels: 21, height: 13, width: 11, padding: .all(1), withBias: false),
        Case(batch: 3, inChannels: 40, outChannels: 33, height: 7, width: 5, padding: .all(0), withBias: true),
        Case(batch: 2, inChannels: 33, outChannels: 17, height: 9, width: 40, padding: .bottomRight, withBias: true),
        Case(batch: 1, inChannels: 48, outChannels: 8, height: 3, width: 3, padding: .all(0), withBias: true),
        Case(batch: 2, inChannels: 32, outChannels: 12, height: 34, width: 35, padding: Padding(top: 0, left: 1, bottom: 2, right: 0), withBias: true),
        Case(batch: 2, inChannels: 35, outChannels: 19, height: 13, width: 20, padding: .all(1), withBias: true, chunkFloats: 16 * 35 * 10 * 3),
    ]

    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SplitMix64(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.nextFloat() * 2 })
    }

    static func geometry(_ c: Case) -> ConvolutionGeometry {
        ConvolutionGeometry(inChannels: c.inChannels, height: c.height, width: c.width, kernelHeight: 3, kernelWidth: 3,
                            stride: 1, padding: c.padding,
                            outHeight: c.height + c.padding.top + c.padding.bottom - 2,
                            outWidth: c.width + c.padding.left + c.padding.right - 2)
    }

    static func winograd(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ g: ConvolutionGeometry,
                         chunkFloats: Int = Winograd.chunkFloats) -> Tensor {
        let (y, output) = Tensor.uninitialized([x.shape[0], weight.shape[0], g.outHeight, g.outWidth])
        Winograd.convolve(x, weight: weight, bias: bias, geometry: g, into: output, chunkFloats: chunkFloats)
        return y
    }

    @Test(arguments: cases)
    func matchesTheDirectSumInDouble(_ c: Case) {
        let x = Self.random([c.batch, c.inChannels, c.height, c.width], seed: 1)
        let weight = Self.random([c.outChannels, c.inChannels, 3, 3], seed: 2)
        let bias = c.withBias ? Self.random([c.outChannels], seed: 3) : nil
        let g = Self.geometry(c)
        let y = Self.winograd(x, weight, bias, g, chunkFloats: c.chunkFloats)
        #expect(y.shape == [c.batch, c.outChannels, g.outHeight, g.outWidth])

        // Error relative to Σ|w·x| + |b|, the scale of the roundings in any summation order.
        let xs = x.scalars, ws = weight.scalars, ys = y.scalars
        var worst = 0.0
        for n in 0..<c.batch {
            for o in 0..<c.outChannels {
                for i in 0..<g.outHeight {
                    for j in 0..<g.outWidth {
                        var sum = Double(bias?.scalars[o] ?? 0), magnitude = abs(sum)
                        for ci in 0..<c.inChannels {
                            let plane = (n * c.inChannels + ci) * c.height * c.width, filter = (o * c.inChannels + ci) * 9
                            for ky in 0..<3 {
                                let yIn = i + ky - c.padding.top
                                guard yIn >= 0 && yIn < c.height else { continue }
                                for kx in 0..<3 {
                                    let xIn = j + kx - c.padding.left
                                    guard xIn >= 0 && xIn < c.width else { continue }
                                    let term = Double(ws[filter + ky * 3 + kx]) * Double(xs[plane + yIn * c.width + xIn])
                                    sum += term; magnitude += abs(term)
                                }
                            }
                        }
                        let actual = ys[((n * c.outChannels + o) * g.outHeight + i) * g.outWidth + j]
                        worst = max(worst, abs(Double(actual) - sum) / max(magnitude, 1e-30))
                    }
                }
            }
        }
        #expect(worst < 2e-6, "worst error \(worst) of Σ|terms|")
    }

    @Test func resultsDoNotDependOnTheThreadCount() {
        let before = Compute.threadCount
        defer { Compute.threadCount = before }
        let c = Self.cases[5]
        let x = Self.random([c.batch, c.inChannels, c.height, c.width], seed: 4)
        let weight = Self.random([c.outChannels, c.inChannels, 3, 3], seed: 5), bias = Self.random([c.outChannels], seed: 6)
        Compute.threadCount = 1
        let single = Self.winograd(x, weight, bias, Self.geometry(c)).scalars.map(\.bitPattern)
        Compute.threadCount = 2
        let double = Self.winograd(x, weight, bias, Self.geometry(c)).scalars.map(\.bitPattern)
        #expect(single == double)
    }

    @Test func keptFiltersGiveTheSameBitsAndLetSmallPlanesUseWinograd() {
        let c = Self.cases[1]
        let x = Self.random([c.batch, c.inChannels, c.height, c.width], seed: 7)
        let weight = Self.random([c.outChannels, c.inChannels, 3, 3], seed: 8)
        let g = Self.geometry(c)
        let (kept, keptOutput) = Tensor.uninitialized([c.batch, c.outChannels, g.outHeight, g.outWidth])
        Winograd.convolve(x, weight: weight, filters: Winograd.transformedFilters(weight), bias: nil, geometry: g, into: keptOutput)
        #expect(kept.scalars.map(\.bitPattern) == Self.winograd(x, weight, nil, g).scalars.map(\.bitPattern))

        // 8×8 at batch 2 (128 pixels): im2col without a cache, Winograd with one, both near the direct sum.
        let small = Self.random([2, 32, 8, 8], seed: 9), smallWeight = Self.random([16, 32, 3, 3], seed: 10)
        let cache = WinogradFilterCache()
        let direct = Ops.conv2d(small, weight: smallWeight, padding: .all(1))
        let first = Ops.conv2d(small, weight: smallWeight, padding: .all(1), filterCache: cache)
        #expect(cache.isFilled)
        let again = Ops.conv2d(small, weight: smallWeight, padding: .all(1), filterCache: cache)
        #expect(first.scalars.map(\.bitPattern) == again.scalars.map(\.bitPattern))
        #expect(first.scalars.map(\.bitPattern) != direct.scalars.map(\.bitPattern), "the cache should switch this plane to Winograd")
        let worst = zip(first.scalars, direct.scalars).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-4, "Winograd and im2col differ by \(worst)")
    }

    @Test func onlyLarge3x3Stride1ConvolutionsUseIt() {
        func g(_ cin: Int, _ side: Int, kernel: Int = 3, stride: Int = 1) -> ConvolutionGeometry {
            ConvolutionGeometry(inChannels: cin, height: side, width: side, kernelHeight: kernel, kernelWidth: kernel,
                                stride: stride, padding: .all(1), outHeight: side, outWidth: side)
        }
        #expect(Winograd.suits(g(320, 32), batch: 2, filtersCached: false))
        #expect(Winograd.suits(g(128, 256), batch: 1, filtersCached: false))
        #expect(!Winograd.suits(g(1280, 16), batch: 2, filtersCached: false), "512 output pixels: transforming the filters costs more than it saves")
        #expect(Winograd.suits(g(1280, 16), batch: 2, filtersCached: true))
        #expect(Winograd.suits(g(1280, 8), batch: 2, filtersCached: true))
        #expect(!Winograd.suits(g(1280, 4), batch: 2, filtersCached: true), "32 output pixels: weight-bound either way")
        #expect(!Winograd.suits(g(8, 64), batch: 2, filtersCached: true), "8 input channels: too short a reduction")
        #expect(!Winograd.suits(g(320, 32, stride: 2), batch: 2, filtersCached: true))
        #expect(!Winograd.suits(g(320, 32, kernel: 1), batch: 2, filtersCached: true))
    }
}
