/// Vectorised scalar functions on 16 lanes, written to avoid Swift's slow SIMD paths (no `clamped`,
/// no `rounded`, no int conversions with `rounding:`): the exponent is rounded with the 1.5·2²³ trick.
enum VectorMath {
    typealias Vector = SIMD16<Float>

    /// e^x for each lane, relative error below 2e-7 on [−87, 88]; inputs below −87.3 give ~1e-38.
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        var x = x
        x.replace(with: 88.3762626647949, where: x .> 88.3762626647949)
        x.replace(with: -87.3365447505531, where: x .< -87.3365447505531)
        let magic: Float = 12_582_912  // 1.5 · 2^23: adding it rounds to the nearest integer
        let shifted = x * 1.44269504088896341 + magic
        let n = shifted - magic
        // r = x − n·ln2, in two parts for accuracy.
        let r = x - n * 0.693359375 + n * 2.12194440e-4
        var p = r * (1.0 / 720) + (1.0 / 120)
        p = p * r + (1.0 / 24)
        p = p * r + (1.0 / 6)
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // 2^n from the integer in the low mantissa bits of `shifted`.
        let integer = unsafeBitCast(shifted, to: SIMD16<UInt32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: Vector.self)
        return p * scale
    }

    /// Applies `vector` to 16 values at a time and `scalar` to the tail, writing `output[i] = f(input[i])`.
    /// `input` and `output` may be the same buffer.
    @inline(__always)
    static func map(
        count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        vector: (Vector) -> Vector, scalar: (Float) -> Float
    ) {
        var i = 0
        let raw = UnsafeRawPointer(input), rawOut = UnsafeMutableRawPointer(output)
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: Vector.self)
            rawOut.storeBytes(of: vector(v), toByteOffset: i * 4, as: Vector.self)
            i += 16
        }
        while i < count {
            output[i] = scalar(input[i])
            i += 1
        }
    }

    /// The sum of `count` values, with 16 partial sums (a fixed order, so the result is reproducible).
    @inline(__always)
    static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var accumulator = Vector(repeating: 0)
        var i = 0
        let raw = UnsafeRawPointer(values)
        while i + 16 <= count {
            accumulator += raw.loadUnaligned(fromByteOffset: i * 4, as: Vector.self)
            i += 16
        }
        var total: Float = 0
        for lane in 0..<16 { total += accumulator[lane] }
        while i < count {
            total += values[i]
            i += 1
        }
        return total
    }

    /// The largest of `count ≥ 1` values (NaNs are not propagated).
    @inline(__always)
    static func maximum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var best = -Float.infinity
        var i = 0
        let raw = UnsafeRawPointer(values)
        if count >= 16 {
            var accumulator = Vector(repeating: -.infinity)
            while i + 16 <= count {
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: Vector.self)
                accumulator.replace(with: v, where: v .> accumulator)
                i += 16
            }
            for lane in 0..<16 where accumulator[lane] > best { best = accumulator[lane] }
        }
        while i < count {
            if values[i] > best { best = values[i] }
            i += 1
        }
        return best
    }
}
