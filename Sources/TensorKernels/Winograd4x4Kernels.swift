// The transforms of Winograd's F(4×4, 3×3) convolution (see Sources/Tensor/Winograd.swift), 16 tiles
// or filters per vector. Compiled three times like Kernels.swift, through symbolic links; the same
// rules apply. Plain multiplications and additions in a fixed order, never fused: every kernel set
// gives the same bits. The matrices are Lavin & Gray's, for the points 0, ±1, ±2 and ∞.

extension Kernels {
    /// `U = G g Gᵀ` with G = [[¼, 0, 0], [−⅙, −⅙, −⅙], [−⅙, ⅙, −⅙], [1/24, 1/12, ⅙], [1/24, −1/12, ⅙],
    /// [0, 0, 1]] for `count` 3×3 filters stored one after another (9 values each, row-major); component
    /// `e` (of 36) of filter `i` goes to `output[e · componentStride + i]`.
    public static func winograd4x4Filters(_ filters: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int,
                                          componentStride: Int) {
        var i = 0
        while i < count {
            let lanes = min(16, count - i)
            var g = (Vector(), Vector(), Vector(), Vector(), Vector(), Vector(), Vector(), Vector(), Vector())
            let first = filters + i * 9
            for lane in 0..<lanes {
                let f = first + lane * 9
                g.0[lane] = f[0]; g.1[lane] = f[1]; g.2[lane] = f[2]
                g.3[lane] = f[3]; g.4[lane] = f[4]; g.5[lane] = f[5]
                g.6[lane] = f[6]; g.7[lane] = f[7]; g.8[lane] = f[8]
            }
            let destination = output + i
            // Row r of G·g gives components 6r ..< 6r + 6.
            func store(row: Int, _ t: (Vector, Vector, Vector)) {
                let u = filterTransform(t.0, t.1, t.2)
                let base = destination + row * 6 * componentStride
                storeLanes(u.0, base, lanes)
                storeLanes(u.1, base + componentStride, lanes)
                storeLanes(u.2, base + 2 * componentStride, lanes)
                storeLanes(u.3, base + 3 * componentStride, lanes)
                storeLanes(u.4, base + 4 * componentStride, lanes)
                storeLanes(u.5, base + 5 * componentStride, lanes)
            }
            let c0 = filterTransform(g.0, g.3, g.6), c1 = filterTransform(g.1, g.4, g.7), c2 = filterTransform(g.2, g.5, g.8)
            store(row: 0, (c0.0, c1.0, c2.0))
            store(row: 1, (c0.1, c1.1, c2.1))
            store(row: 2, (c0.2, c1.2, c2.2))
            store(row: 3, (c0.3, c1.3, c2.3))
            store(row: 4, (c0.4, c1.4, c2.4))
            store(row: 5, (c0.5, c1.5, c2.5))
            i += 16
        }
    }

    /// G · (g0, g1, g2).
    @inline(__always)
    static func filterTransform(_ g0: Vector, _ g1: Vector, _ g2: Vector) -> (Vector, Vector, Vector, Vector, Vector, Vector) {
        let sixth = Vector(repeating: 1 / 6 as Float), quarter = Vector(repeating: 0.25), half = Vector(repeating: 0.5)
        let outer = g0 * quarter + g2, middle = g1 * half
        return (g0 * quarter, (g0 + g1 + g2) * -sixth, (g0 - g1 + g2) * -sixth, (outer + middle) * sixth, (outer - middle) * sixth, g2)
    }

    /// `V = Bᵀ d B` with Bᵀ = [[4, 0, −5, 0, 1, 0], [0, −4, −4, 1, 1, 0], [0, 4, −4, −1, 1, 0],
    /// [0, −2, −1, 2, 1, 0], [0, 2, −1, −2, 1, 0], [0, 4, 0, −5, 0, 1]] for the `tiles` 6×6 patches of one
    /// row of tiles: patch `t` covers columns `4t ..< 4t + 6` of the six rows at `rows`, `rowStride`
    /// apart, which hold the zero-padded input and must be readable up to column `4 · tiles + 67`.
    /// Component `e` (of 36) of tile `t` goes to `output[e · componentStride + t]`.
    public static func winograd4x4Input(_ rows: UnsafePointer<Float>, rowStride: Int, tiles: Int, _ output: UnsafeMutablePointer<Float>,
                                        componentStride: Int) {
        let raw = UnsafeRawPointer(rows)
        var t = 0
        while t < tiles {
            let lanes = min(16, tiles - t)
            // Horizontal pass per patch row: d·B, from columns 4t + k (k = 0 ... 3) and 4t + 4 + k (k = 0, 1),
            // taken apart in halves of 32 (Swift compiles SIMD32's evenHalf and oddHalf to two-register
            // permutes, SIMD64's to scalar moves).
            func horizontal(_ r: Int) -> (Vector, Vector, Vector, Vector, Vector, Vector) {
                func pair(_ column: Int) -> Pair { raw.loadUnaligned(fromByteOffset: (r * rowStride + column) * 4, as: Pair.self) }
                let low = pair(4 * t), high = pair(4 * t + 32), nextLow = pair(4 * t + 4), nextHigh = pair(4 * t + 36)
                let even = Pair(lowHalf: low.evenHalf, highHalf: high.evenHalf), odd = Pair(lowHalf: low.oddHalf, highHalf: high.oddHalf)
                let nextEven = Pair(lowHalf: nextLow.evenHalf, highHalf: nextHigh.evenHalf)
                let nextOdd = Pair(lowHalf: nextLow.oddHalf, highHalf: nextHigh.oddHalf)
                return inputTransform(even.evenHalf, odd.evenHalf, even.oddHalf, odd.oddHalf, nextEven.evenHalf, nextOdd.evenHalf)
            }
            let h0 = horizontal(0), h1 = horizontal(1), h2 = horizontal(2), h3 = horizontal(3), h4 = horizontal(4), h5 = horizontal(5)
            let destination = output + t
            func store(column j: Int, _ d: (Vector, Vector, Vector, Vector, Vector, Vector)) {
                let v = inputTransform(d.0, d.1, d.2, d.3, d.4, d.5)
                storeLanes(v.0, destination + j * componentStride, lanes)
                storeLanes(v.1, destination + (6 + j) * componentStride, lanes)
                storeLanes(v.2, destination + (12 + j) * componentStride, lanes)
                storeLanes(v.3, destination + (18 + j) * componentStride, lanes)
                storeLanes(v.4, destination + (24 + j) * componentStride, lanes)
                storeLanes(v.5, destination + (30 + j) * componentStride, lanes)
            }
            store(column: 0, (h0.0, h1.0, h2.0, h3.0, h4.0, h5.0))
            store(column: 1, (h0.1, h1.1, h2.1, h3.1, h4.1, h5.1))
            store(column: 2, (h0.2, h1.2, h2.2, h3.2, h4.2, h5.2))
            store(column: 3, (h0.3, h1.3, h2.3, h3.3, h4.3, h5.3))
            store(column: 4, (h0.4, h1.4, h2.4, h3.4, h4.4, h5.4))
            store(column: 5, (h0.5, h1.5, h2.5, h3.5, h4.5, h5.5))
            t += 16
        }
    }

    /// Bᵀ · (d0 … d5).
    @inline(__always)
    static func inputTransform(_ d0: Vector, _ d1: Vector, _ d2: Vector, _ d3: Vector, _ d4: Vector, _ d5: Vector)
        -> (Vector, Vector, Vector, Vector, Vector, Vector) {
        let two = Vector(repeating: 2), four = Vector(repeating: 4), five = Vector(repeating: 5)
        let a = d4 - four * d2, b = d3 - four * d1, c = d4 - d2, d = two * (d3 - d1)
        return (four * d0 - five * d2 + d4, a + b, a - b, c + d, c - d, four * d1 - five * d3 + d5)
    }

    /// `Y = Aᵀ M A + bias` with Aᵀ = [[1, 1, 1, 1, 1, 0], [0, 1, −1, 2, −2, 0], [0, 1, 1, 4, 4, 0],
    /// [0, 1, −1, 8, −8, 1]] for one row of `tiles` tiles, whose component `e` (of 36) of tile `t` is
    /// `products[e · componentStride + t]`: writes the four output rows, each `4 · tiles` pixels, to
    /// `pixels + a · rowStride` (a = 0 … 3).
    public static func winograd4x4Output(_ products: UnsafePointer<Float>, componentStride: Int, tiles: Int, bias: Float,
                                         _ pixels: UnsafeMutablePointer<Float>, rowStride: Int) {
        let b = Vector(repeating: bias)
        var t = 0
        while t < tiles {
            let lanes = min(16, tiles - t)
            func m(_ e: Int) -> Vector { loadLanes(products + e * componentStride + t, lanes) }
            // Vertical pass per column j, then the horizontal one per output row.
            let c0 = outputTransform(m(0), m(6), m(12), m(18), m(24), m(30))
            let c1 = outputTransform(m(1), m(7), m(13), m(19), m(25), m(31))
            let c2 = outputTransform(m(2), m(8), m(14), m(20), m(26), m(32))
            let c3 = outputTransform(m(3), m(9), m(15), m(21), m(27), m(33))
            let c4 = outputTransform(m(4), m(10), m(16), m(22), m(28), m(34))
            let c5 = outputTransform(m(5), m(11), m(17), m(23), m(29), m(35))
            func store(row a: Int, _ s: (Vector, Vector, Vector, Vector, Vector, Vector)) {
                let y = outputTransform(s.0, s.1, s.2, s.3, s.4, s.5)
                // Interleave y0 … y3 so that tile t's four pixels lie side by side: (y0, y2) and (y1, y3)
                // interleaved, then those two, in halves of 32 (see `winograd4x4Input`).
                var first = Pair(), second = Pair(), low = Pair(), high = Pair()
                first.evenHalf = y.0 + b; first.oddHalf = y.2 + b
                second.evenHalf = y.1 + b; second.oddHalf = y.3 + b
                low.evenHalf = first.lowHalf; low.oddHalf = second.lowHalf
                high.evenHalf = first.highHalf; high.oddHalf = second.highHalf
                let line = pixels + a * rowStride + 4 * t
                if lanes == 16 {
                    UnsafeMutableRawPointer(line).storeBytes(of: low, as: Pair.self)
                    UnsafeMutableRawPointer(line + 32).storeBytes(of: high, as: Pair.self)
                } else {
                    for lane in 0..<min(32, 4 * lanes) { line[lane] = low[lane] }
                    for lane in 0..<max(0, 4 * lanes - 32) { line[32 + lane] = high[lane] }
                }
            }
            store(row: 0, (c0.0, c1.0, c2.0, c3.0, c4.0, c5.0))
            store(row: 1, (c0.1, c1.1, c2.1, c3.1, c4.1, c5.1))
            store(row: 2, (c0.2, c1.2, c2.2, c3.2, c4.2, c5.2))
            store(row: 3, (c0.3, c1.3, c2.3, c3.3, c4.3, c5.3))
            t += 16
        }
    }

    /// Aᵀ · (m0 … m5).
    @inline(__always)
    static func outputTransform(_ m0: Vector, _ m1: Vector, _ m2: Vector, _ m3: Vector, _ m4: Vector, _ m5: Vector)
        -> (Vector, Vector, Vector, Vector) {
        let two = Vector(repeating: 2), four = Vector(repeating: 4), eight = Vector(repeating: 8)
        let a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4
        return (m0 + a + c, b + two * d, a + four * c, b + eight * d + m5)
    }
}
