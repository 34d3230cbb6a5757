// The transforms of Winograd's F(2×2, 3×3) convolution (see Sources/Tensor/Winograd.swift), 16 tiles
// or filters per vector. Compiled three times like Kernels.swift, through symbolic links; the same
// rules apply. Only additions, subtractions and halvings: every kernel set gives the same bits.

import CPrefetch

extension Kernels {
    /// How far ahead `winogradFilters` asks for its filters (8 groups of 16, 4.6 KB): the filters
    /// stream from memory once per call, and without the hint the loop waited on them (1280 × 1280
    /// filters in a standalone copy of this loop: 12.9 ms on one core, against 3.3 ms with it, Zen 5).
    static let filterPrefetchDistance = 8 * 16 * 9

    typealias Pair = SIMD32<Float>

    /// `U = G g Gᵀ` with G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]] for `count` 3×3 filters stored
    /// one after another (9 values each, row-major); component `e` of filter `i` goes to
    /// `output[e · componentStride + i]`. The 16 components are 16 streams of stores: a
    /// `componentStride` of a multiple of 4 KiB puts them all in one set of the L1 cache (see
    /// `Winograd.componentStride`).
    public static func winogradFilters(_ filters: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int, componentStride: Int) {
        var i = 0
        while i < count {
            let lanes = min(16, count - i)
            var g = (Vector(), Vector(), Vector(), Vector(), Vector(), Vector(), Vector(), Vector(), Vector())
            let first = filters + i * 9
            // A hint only: it never faults, so it may point past the last filter.
            for line in 0..<9 { prefetchForReading(first + filterPrefetchDistance + 16 * line) }
            for lane in 0..<lanes {
                let f = first + lane * 9
                g.0[lane] = f[0]; g.1[lane] = f[1]; g.2[lane] = f[2]
                g.3[lane] = f[3]; g.4[lane] = f[4]; g.5[lane] = f[5]
                g.6[lane] = f[6]; g.7[lane] = f[7]; g.8[lane] = f[8]
            }
            let half = Vector(repeating: 0.5)
            let destination = output + i
            // Row r of G·g gives components 4r ..< 4r + 4.
            @inline(__always) func store(row: Int, _ t0: Vector, _ t1: Vector, _ t2: Vector) {
                storeLanes(t0, destination + (row * 4) * componentStride, lanes)
                storeLanes(half * (t0 + t1 + t2), destination + (row * 4 + 1) * componentStride, lanes)
                storeLanes(half * (t0 - t1 + t2), destination + (row * 4 + 2) * componentStride, lanes)
                storeLanes(t2, destination + (row * 4 + 3) * componentStride, lanes)
            }
            store(row: 0, g.0, g.1, g.2)
            store(row: 1, half * (g.0 + g.3 + g.6), half * (g.1 + g.4 + g.7), half * (g.2 + g.5 + g.8))
            store(row: 2, half * (g.0 - g.3 + g.6), half * (g.1 - g.4 + g.7), half * (g.2 - g.5 + g.8))
            store(row: 3, g.6, g.7, g.8)
            i += 16
        }
    }

    /// `V = Bᵀ d B` with Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]] for the `tiles`
    /// 4×4 patches of one row of tiles: patch `t` covers columns `2t ..< 2t + 4` of the four rows at
    /// `rows`, `rowStride` apart, which hold the zero-padded input and must be readable up to column
    /// `2 · tiles + 33`. Component `e` of tile `t` goes to `output[e · componentStride + t]`.
    public static func winogradInput(_ rows: UnsafePointer<Float>, rowStride: Int, tiles: Int, _ output: UnsafeMutablePointer<Float>, componentStride: Int) {
        let raw = UnsafeRawPointer(rows)
        var t = 0
        while t < tiles {
            let lanes = min(16, tiles - t)
            // Horizontal pass per patch row: d·B, from the even and odd columns at 2t and 2t + 2.
            func horizontal(_ r: Int) -> (Vector, Vector, Vector, Vector) {
                let here = raw.loadUnaligned(fromByteOffset: (r * rowStride + 2 * t) * 4, as: Pair.self)
                let next = raw.loadUnaligned(fromByteOffset: (r * rowStride + 2 * t + 2) * 4, as: Pair.self)
                let (d0, d1, d2, d3) = (here.evenHalf, here.oddHalf, next.evenHalf, next.oddHalf)
                return (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
            }
            let h0 = horizontal(0), h1 = horizontal(1), h2 = horizontal(2), h3 = horizontal(3)
            let destination = output + t
            func store(column j: Int, _ a0: Vector, _ a1: Vector, _ a2: Vector, _ a3: Vector) {
                storeLanes(a0 - a2, destination + j * componentStride, lanes)
                storeLanes(a1 + a2, destination + (4 + j) * componentStride, lanes)
                storeLanes(a2 - a1, destination + (8 + j) * componentStride, lanes)
                storeLanes(a1 - a3, destination + (12 + j) * componentStride, lanes)
            }
            store(column: 0, h0.0, h1.0, h2.0, h3.0)
            store(column: 1, h0.1, h1.1, h2.1, h3.1)
            store(column: 2, h0.2, h1.2, h2.2, h3.2)
            store(column: 3, h0.3, h1.3, h2.3, h3.3)
            t += 16
        }
    }

    /// `Y = Aᵀ M A + bias` with Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]] for one row of `tiles` tiles, whose
    /// component `e` of tile `t` is `products[e · componentStride + t]`: writes the two output rows, each
    /// `2 · tiles` pixels, to `pixels` and `pixels + rowStride`.
    public static func winogradOutput(_ products: UnsafePointer<Float>, componentStride: Int, tiles: Int, bias: Float,
                                      _ pixels: UnsafeMutablePointer<Float>, rowStride: Int) {
        let b = Vector(repeating: bias)
        var t = 0
        while t < tiles {
            let lanes = min(16, tiles - t)
            func m(_ e: Int) -> Vector { loadLanes(products + e * componentStride + t, lanes) }
            for a in 0..<2 {
                // Vertical pass for output row a, then the horizontal one.
                var s = (Vector(), Vector(), Vector(), Vector())
                if a == 0 {
                    s = (m(0) + m(4) + m(8), m(1) + m(5) + m(9), m(2) + m(6) + m(10), m(3) + m(7) + m(11))
                } else {
                    s = (m(4) - m(8) - m(12), m(5) - m(9) - m(13), m(6) - m(10) - m(14), m(7) - m(11) - m(15))
                }
                var pair = Pair()
                pair.evenHalf = s.0 + s.1 + s.2 + b
                pair.oddHalf = s.1 - s.2 - s.3 + b
                let line = pixels + a * rowStride + 2 * t
                if lanes == 16 {
                    UnsafeMutableRawPointer(line).storeBytes(of: pair, as: Pair.self)
                } else {
                    for lane in 0..<(2 * lanes) { line[lane] = pair[lane] }
                }
            }
            t += 16
        }
    }

    @inline(__always)
    static func loadLanes(_ source: UnsafePointer<Float>, _ lanes: Int) -> Vector {
        if lanes == 16 { return UnsafeRawPointer(source).loadUnaligned(as: Vector.self) }
        var v = Vector(repeating: 0)
        for lane in 0..<lanes { v[lane] = source[lane] }
        return v
    }

    @inline(__always)
    static func storeLanes(_ v: Vector, _ destination: UnsafeMutablePointer<Float>, _ lanes: Int) {
        if lanes == 16 {
            UnsafeMutableRawPointer(destination).storeBytes(of: v, as: Vector.self)
        } else {
            for lane in 0..<lanes { destination[lane] = v[lane] }
        }
    }
}
