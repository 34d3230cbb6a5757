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
        /// 0 makes every block transform its own filters in every chunk, as large filters do.
        var largestFiltersTransformedOnce = Winograd.largestFiltersTransformedOnce
        var testDescription: String {
            "n\(batch) \(inChannels)→\(outChannels) \(height)×\(width) pad \(padding.top)\(padding.left)\(padding.bottom)\(padding.right)\(withBias ? " bias" : "")"
                + (chunkFloats < Winograd.chunkFloats ? " chunks of \(chunkFloats)" : "")
                + (largestFiltersTransformedOnce == 0 ? " filters per block" : "")
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
        // One chunk, filters transformed per block of 64 output channels, the last block 6 wide.
        Case(batch: 2, inChannels: 33, outChannels: 70, height: 9, width: 10, padding: .all(1), withBias: true,
             largestFiltersTransformedOnce: 0),
        // 32 tiles (8² planes at batch 2), so the GEMMs go to the narrow product on AVX-512: a 64-row
        // block and a 6-row tail.
        Case(batch: 2, inChannels: 40, outChannels: 70, height: 8, width: 8, padding: .all(1), withBias: true,
             largestFiltersTransformedOnce: 0),
        // Several chunks, filters transformed per block in each.
        Case(batch: 2, inChannels: 35, outChannels: 70, height: 13, width: 20, padding: .all(1), withBias: true,
             chunkFloats: 16 * 35 * 10 * 3, largestFiltersTransformedOnce: 0),
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

    static func winograd(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ g: ConvolutionGeometry, filters: WinogradFilters? = nil,
                         chunkFloats: Int = Winograd.chunkFloats,
                         largestFiltersTransformedOnce: Int = Winograd.largestFiltersTransformedOnce) -> Tensor {
        let (y, output) = Tensor.uninitialized([x.shape[0], weight.shape[0], g.outHeight, g.outWidth])
        Winograd.convolve(x, weight: weight, filters: filters, bias: bias, geometry: g, into: output, chunkFloats: chunkFloats,
                          largestFiltersTransformedOnce: largestFiltersTransformedOnce)
        return y
    }

    @Test(arguments: cases)
    func matchesTheDirectSumInDouble(_ c: Case) {
        let x = Self.random([c.batch, c.inChannels, c.height, c.width], seed: 1)
        let weight = Self.random([c.outChannels, c.inChannels, 3, 3], seed: 2)
        let bias = c.withBias ? Self.random([c.outChannels], seed: 3) : nil
        let g = Self.geometry(c)
        let y = Self.winograd(x, weight, bias, g, chunkFloats: c.chunkFloats, largestFiltersTransformedOnce: c.largestFiltersTransformedOnce)
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

    @Test(arguments: [cases[1], cases[7], cases[8], cases[9]])
    func keptFiltersGiveTheSameBits(_ c: Case) {
        let x = Self.random([c.batch, c.inChannels, c.height, c.width], seed: 7)
        let weight = Self.random([c.outChannels, c.inChannels, 3, 3], seed: 8)
        let g = Self.geometry(c)
        let kept = Self.winograd(x, weight, nil, g, filters: Winograd.transformedFilters(weight), chunkFloats: c.chunkFloats,
                                 largestFiltersTransformedOnce: c.largestFiltersTransformedOnce)
        let perCall = Self.winograd(x, weight, nil, g, chunkFloats: c.chunkFloats, largestFiltersTransformedOnce: c.largestFiltersTransformedOnce)
        #expect(kept.scalars.map(\.bitPattern) == perCall.scalars.map(\.bitPattern))
    }

    @Test func filterComponentsLieAnOddNumberOfCacheLinesApart() {
        for filters in [1, 16, 17, 1000, 1024, 64 * 1280, 1280 * 1280] {
            let stride = Winograd.componentStride(filters: filters)
            #expect(stride >= filters && stride < filters + 32, "\(filters) filters: stride \(stride)")
            #expect(stride % 16 == 0 && (stride / 16) % 2 == 1, "\(filters) filters: stride \(stride)")
        }
        // What the kernel writes at that stride, against U = G g Gᵀ summed in Double.
        let weight = Self.random([3, 40, 3, 3], seed: 11)
        let filters = Winograd.transformedFilters(weight)
        #expect(filters.componentStride == Winograd.componentStride(filters: 3 * 40))
        let gMatrix: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        var worst = 0.0
        for o in 0..<3 {
            for c in 0..<40 {
                let g = (0..<9).map { Double(weight.scalars[(o * 40 + c) * 9 + $0]) }
                for e in 0..<16 {
                    let (r, q) = (e / 4, e % 4)
                    var u = 0.0
                    for i in 0..<3 { for j in 0..<3 { u += gMatrix[r][i] * g[i * 3 + j] * gMatrix[q][j] } }
                    worst = max(worst, abs(Double(filters.component(e)[o * 40 + c]) - u))
                }
            }
        }
        #expect(worst < 1e-6, "worst difference \(worst)")
    }

    @Test func conv2dUsesWinogradDownTo8x8AtBatch2AndKeepsItsFilters() {
        let small = Self.random([2, 32, 8, 8], seed: 9), smallWeight = Self.random([16, 32, 3, 3], seed: 10)
        let g = ConvolutionGeometry(inChannels: 32, height: 8, width: 8, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: .all(1),
                                    outHeight: 8, outWidth: 8)
        let winograd = Self.winograd(small, smallWeight, nil, g).scalars.map(\.bitPattern)
        let cache = WinogradFilterCache()
        #expect(Ops.conv2d(small, weight: smallWeight, padding: .all(1)).scalars.map(\.bitPattern) == winograd)
        #expect(Ops.conv2d(small, weight: smallWeight, padding: .all(1), filterCache: cache).scalars.map(\.bitPattern) == winograd)
        #expect(cache.isFilled)
        #expect(Ops.conv2d(small, weight: smallWeight, padding: .all(1), filterCache: cache).scalars.map(\.bitPattern) == winograd)
    }

    @Test func onlyLarge3x3Stride1ConvolutionsUseIt() {
        func g(_ cin: Int, _ side: Int, kernel: Int = 3, stride: Int = 1) -> ConvolutionGeometry {
            ConvolutionGeometry(inChannels: cin, height: side, width: side, kernelHeight: kernel, kernelWidth: kernel,
                                stride: stride, padding: .all(1), outHeight: side, outWidth: side)
        }
        #expect(Winograd.suits(g(320, 32), batch: 2))
        #expect(Winograd.suits(g(128, 256), batch: 1))
        #expect(Winograd.suits(g(1280, 16), batch: 2))
        #expect(Winograd.suits(g(1280, 8), batch: 2))
        #expect(!Winograd.suits(g(1280, 8), batch: 1), "64 output pixels (16 tiles): below the measured break-even")
        #expect(!Winograd.suits(g(1280, 4), batch: 2), "32 output pixels: weight-bound either way")
        #expect(!Winograd.suits(g(8, 64), batch: 2), "8 input channels: too short a reduction")
        #expect(!Winograd.suits(g(320, 32, stride: 2), batch: 2))
        #expect(!Winograd.suits(g(320, 32, kernel: 1), batch: 2))
    }
}
