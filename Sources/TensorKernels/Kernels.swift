// The vectorised inner loops of the Tensor module. This one file is compiled three times: as
// TensorKernels (the platform's baseline instruction set), and on x86-64 as TensorKernelsX86V3 (AVX2 +
// FMA) and TensorKernelsX86V4 (AVX-512), through symbolic links. Tensor picks one set at start-up from
// the CPU's features, so one binary runs everywhere and fast where it can.
//
// Rules for this file: no generics and no @inlinable (each copy must be compiled with its own flags);
// avoid Swift's slow SIMD paths (`clamped`, `min`/`max`, `.squareRoot()` on vectors, int conversions
// with `rounding:`); `addingProduct` only under HAS_FMA, where it is one instruction.

/// Row kernels over raw Float32 memory; `input` and `output` may be the same buffer.
public enum Kernels {
    typealias Vector = SIMD16<Float>

    /// `output = softmax(scale · input)` over `count ≥ 1` values; `scale > 0`.
    public static func softmax(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int, scale: Float) {
        let peak = maximum(input, count: count) * scale
        let negativePeak = Vector(repeating: -peak)
        var total = Vector(repeating: 0)
        var i = 0
        let source = UnsafeRawPointer(input), destination = UnsafeMutableRawPointer(output)
        while i + 16 <= count {
            let e = exp(multiplyAdd(source.loadUnaligned(fromByteOffset: i * 4, as: Vector.self), Vector(repeating: scale), negativePeak))
            destination.storeBytes(of: e, toByteOffset: i * 4, as: Vector.self)
            total += e
            i += 16
        }
        var sum: Float = 0
        for lane in 0..<16 { sum += total[lane] }
        while i < count {
            let e = exp(Vector(repeating: input[i] * scale - peak))[0]
            output[i] = e
            sum += e
            i += 1
        }
        multiplyInPlace(output, count: count, by: 1 / sum)
    }

    /// `output = input · σ(input)` (SiLU).
    public static func silu(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        map(input, output, count: count) { $0 / (1 + exp(-$0)) }
    }

    /// `output = input · σ(1.702 · input)` (QuickGELU).
    public static func quickGELU(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        map(input, output, count: count) { $0 / (1 + exp($0 * -1.702)) }
    }

    /// Exact-form GELU, `½x(1 + erf(x/√2))` (erf to about 1e-7, see `erf`).
    public static func gelu(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        map(input, output, count: count) { x in x * 0.5 * (1 + erf(x * 0.70710678118654752)) }
    }

    /// GEGLU: `output[i] = value[i] · GELU(gate[i])`.
    public static func geglu(_ value: UnsafePointer<Float>, _ gate: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        zip(value, gate, output, count: count) { v, g in v * (g * 0.5 * (1 + erf(g * 0.70710678118654752))) }
    }

    /// `output = input · scale + shift`.
    public static func affine(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int, scale: Float, shift: Float) {
        let s = Vector(repeating: scale), t = Vector(repeating: shift)
        map(input, output, count: count) { multiplyAdd($0, s, t) }
    }

    /// `output = a + b`, elementwise.
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        zip(a, b, output, count: count) { $0 + $1 }
    }

    /// `output = a · b`, elementwise.
    public static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        zip(a, b, output, count: count) { $0 * $1 }
    }

    /// Mean and `1 / sqrt(biased variance + epsilon)` of `count ≥ 1` values, in two passes.
    public static func meanAndInverseDeviation(_ values: UnsafePointer<Float>, count: Int, epsilon: Float) -> (mean: Float, inverseDeviation: Float) {
        let raw = UnsafeRawPointer(values)
        var accumulator = Vector(repeating: 0)
        var i = 0
        while i + 16 <= count {
            accumulator += raw.loadUnaligned(fromByteOffset: i * 4, as: Vector.self)
            i += 16
        }
        var sum: Float = 0
        for lane in 0..<16 { sum += accumulator[lane] }
        while i < count { sum += values[i]; i += 1 }
        let mean = sum / Float(count)

        var squares = Vector(repeating: 0)
        i = 0
        while i + 16 <= count {
            let d = raw.loadUnaligned(fromByteOffset: i * 4, as: Vector.self) - mean
            squares = multiplyAdd(d, d, squares)
            i += 16
        }
        var total: Float = 0
        for lane in 0..<16 { total += squares[lane] }
        while i < count { let d = values[i] - mean; total += d * d; i += 1 }
        return (mean, 1 / (total / Float(count) + epsilon).squareRoot())
    }

    /// `e^x` per lane, relative error below 3e-7 on [−87, 88]; below −87.3 gives about 1e-38.
    /// The exponent is rounded with the 1.5·2²³ trick, 2ⁿ built from the integer's bits.
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        var x = x
        x.replace(with: 88.3762626647949, where: x .> 88.3762626647949)
        x.replace(with: -87.3365447505531, where: x .< -87.3365447505531)
        let magic = Vector(repeating: 12_582_912)
        let shifted = multiplyAdd(x, Vector(repeating: 1.44269504088896341), magic)
        let n = shifted - magic
        let r = multiplyAdd(n, Vector(repeating: 2.12194440e-4), multiplyAdd(n, Vector(repeating: -0.693359375), x))
        var p = multiplyAdd(r, Vector(repeating: 1.0 / 720), Vector(repeating: 1.0 / 120))
        p = multiplyAdd(p, r, Vector(repeating: 1.0 / 24))
        p = multiplyAdd(p, r, Vector(repeating: 1.0 / 6))
        p = multiplyAdd(p, r, Vector(repeating: 0.5))
        p = multiplyAdd(p, r, Vector(repeating: 1))
        p = multiplyAdd(p, r, Vector(repeating: 1))
        let integer = unsafeBitCast(shifted, to: SIMD16<UInt32>.self) &- 0x4B40_0000
        return p * unsafeBitCast((integer &+ 127) &<< 23, to: Vector.self)
    }

    /// erf per lane as an odd/even rational function of x on [−4, 4] (beyond it erf is ±1 in Float32);
    /// the coefficients are the minimax fit Eigen and XLA use, absolute error about 1e-7.
    @inline(__always)
    static func erf(_ x: Vector) -> Vector {
        var x = x
        x.replace(with: 4, where: x .> 4)
        x.replace(with: -4, where: x .< -4)
        let square = x * x
        var numerator = multiplyAdd(square, Vector(repeating: -2.72614225801306e-10), Vector(repeating: 2.77068142495902e-08))
        numerator = multiplyAdd(square, numerator, Vector(repeating: -2.10102402082508e-06))
        numerator = multiplyAdd(square, numerator, Vector(repeating: -5.69250639462346e-05))
        numerator = multiplyAdd(square, numerator, Vector(repeating: -7.34990630326855e-04))
        numerator = multiplyAdd(square, numerator, Vector(repeating: -2.95459980854025e-03))
        numerator = multiplyAdd(square, numerator, Vector(repeating: -1.60960333262415e-02))
        var denominator = multiplyAdd(square, Vector(repeating: -1.45660718464996e-05), Vector(repeating: -2.13374055278905e-04))
        denominator = multiplyAdd(square, denominator, Vector(repeating: -1.68282697438203e-03))
        denominator = multiplyAdd(square, denominator, Vector(repeating: -7.37332916720468e-03))
        denominator = multiplyAdd(square, denominator, Vector(repeating: -1.42647390514189e-02))
        return x * numerator / denominator
    }

    /// `a · b + c`, fused where the instruction set has FMA.
    @inline(__always)
    static func multiplyAdd(_ a: Vector, _ b: Vector, _ c: Vector) -> Vector {
        #if HAS_FMA
        return c.addingProduct(a, b)
        #else
        return a * b + c
        #endif
    }

    @inline(__always)
    static func maximum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var best = -Float.infinity
        var i = 0
        if count >= 16 {
            let raw = UnsafeRawPointer(values)
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

    @inline(__always)
    static func multiplyInPlace(_ values: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        let f = Vector(repeating: factor)
        map(values, values, count: count) { $0 * f }
    }

    /// Applies `f` 16 values at a time; the tail goes through `f` too, padded with zeros.
    @inline(__always)
    static func map(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int, _ f: (Vector) -> Vector) {
        let source = UnsafeRawPointer(input), destination = UnsafeMutableRawPointer(output)
        var i = 0
        while i + 16 <= count {
            destination.storeBytes(of: f(source.loadUnaligned(fromByteOffset: i * 4, as: Vector.self)), toByteOffset: i * 4, as: Vector.self)
            i += 16
        }
        if i < count {
            var tail = Vector(repeating: 0)
            for lane in 0..<(count - i) { tail[lane] = input[i + lane] }
            let result = f(tail)
            for lane in 0..<(count - i) { output[i + lane] = result[lane] }
        }
    }

    @inline(__always)
    static func zip(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int,
                    _ f: (Vector, Vector) -> Vector) {
        let left = UnsafeRawPointer(a), right = UnsafeRawPointer(b), destination = UnsafeMutableRawPointer(output)
        var i = 0
        while i + 16 <= count {
            let value = f(left.loadUnaligned(fromByteOffset: i * 4, as: Vector.self), right.loadUnaligned(fromByteOffset: i * 4, as: Vector.self))
            destination.storeBytes(of: value, toByteOffset: i * 4, as: Vector.self)
            i += 16
        }
        if i < count {
            var l = Vector(repeating: 0), r = Vector(repeating: 0)
            for lane in 0..<(count - i) { l[lane] = a[i + lane]; r[lane] = b[i + lane] }
            let result = f(l, r)
            for lane in 0..<(count - i) { output[i + lane] = result[lane] }
        }
    }
}
