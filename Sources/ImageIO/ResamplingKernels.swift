import Foundation

/// The convolution kernels of Pillow's `ImagingResample` (src/libImaging/Resample.c), evaluated with the
/// same double-precision expressions so that the weights, and so the fixed-point coefficients, are the same.
enum ConvolutionKernel {
    case bilinear, bicubic, lanczos

    /// How far the kernel reaches, in source pixels, before it is widened for shrinking.
    var support: Double {
        switch self {
        case .bilinear: 1
        case .bicubic: 2
        case .lanczos: 3
        }
    }

    /// The kernel's value at distance `x`.
    func weight(at x: Double) -> Double {
        switch self {
        case .bilinear: Self.triangle(abs(x))
        case .bicubic: Self.keysCubic(abs(x))
        case .lanczos: -3 <= x && x < 3 ? Self.sinc(x) * Self.sinc(x / 3) : 0
        }
    }

    private static func triangle(_ x: Double) -> Double {
        x < 1 ? 1 - x : 0
    }

    /// Keys' cubic convolution with a = −0.5, written as Pillow writes it.
    private static func keysCubic(_ x: Double) -> Double {
        let a = -0.5
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }

    private static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let angle = x * Double.pi
        return sin(angle) / angle
    }
}

/// The source span `[start, end)` along one axis that a resize maps onto the output; Pillow keeps box
/// coordinates in single precision, so they are `Float` here too.
struct SourceSpan {
    let start: Float
    let end: Float

    /// The whole axis of `size` pixels.
    init(wholeAxisOf size: Int) {
        self.init(start: 0, end: Float(size))
    }

    init(start: Float, end: Float) {
        self.start = start
        self.end = end
    }
}

/// For each output pixel along one axis, the run of source pixels it reads and their weights in Pillow's
/// fixed point (`precompute_coeffs` then `normalize_coeffs_8bpc` in Resample.c).
struct ResamplingWindows {
    /// Fractional bits of the fixed-point weights: 32 − 8 − 2, leaving room for the sign and overshoot.
    static let precisionBits: Int32 = 22
    /// The starting value of every sum: one half in fixed point, so that `clippedByte` rounds.
    static let half: Int32 = 1 << (precisionBits - 1)

    /// The first source pixel each output pixel reads.
    let starts: [Int]
    /// How many source pixels each output pixel reads.
    let lengths: [Int]
    /// Weights of output pixel `i` start at `i × stride`; Pillow's `ksize`.
    let stride: Int
    let weights: [Int32]

    init(inputSize: Int, span: SourceSpan, outputSize: Int, kernel: ConvolutionKernel) {
        let scale = Double(span.end - span.start) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = kernel.support * filterScale
        let stride = Int(support.rounded(.up)) * 2 + 1
        var starts = [Int](repeating: 0, count: outputSize)
        var lengths = [Int](repeating: 0, count: outputSize)
        var weights = [Int32](repeating: 0, count: outputSize * stride)
        var window = [Double](repeating: 0, count: stride)
        for output in 0..<outputSize {
            let centre = Double(span.start) + (Double(output) + 0.5) * scale
            let first = max(Int(centre - support + 0.5), 0)
            let length = min(Int(centre + support + 0.5), inputSize) - first
            Self.evaluate(kernel, around: centre, from: first, into: &window[0..<length], filterScale: filterScale)
            for tap in 0..<length { weights[output * stride + tap] = Self.fixedPoint(window[tap]) }
            starts[output] = first
            lengths[output] = length
        }
        self.starts = starts
        self.lengths = lengths
        self.stride = stride
        self.weights = weights
    }

    /// The kernel at source pixels `first, first + 1, …` around `centre`, scaled to sum to 1 (left as
    /// they are if they sum to 0), in the order and precision `precompute_coeffs` uses.
    private static func evaluate(_ kernel: ConvolutionKernel, around centre: Double, from first: Int,
                                 into window: inout ArraySlice<Double>, filterScale: Double) {
        let inverseFilterScale = 1 / filterScale  // Pillow multiplies by the reciprocal; dividing can differ in the last bit
        var total = 0.0
        for tap in window.indices {
            window[tap] = kernel.weight(at: (Double(first + tap) - centre + 0.5) * inverseFilterScale)
            total += window[tap]
        }
        guard total != 0 else { return }
        for tap in window.indices { window[tap] /= total }
    }

    /// The source pixels that any output pixel reads.
    var sourceRange: Range<Int> {
        starts[0]..<(starts[starts.count - 1] + lengths[lengths.count - 1])
    }

    /// Rounds half away from zero, as `normalize_coeffs_8bpc` does.
    private static func fixedPoint(_ weight: Double) -> Int32 {
        let scaled = weight * Double(1 << precisionBits)
        return Int32(scaled < 0 ? scaled - 0.5 : scaled + 0.5)
    }

    /// `clip8`: drops the fraction of an accumulated fixed-point sum (which started at one half) and
    /// clamps it to a byte.
    @inline(__always)
    static func clippedByte(_ sum: Int32) -> UInt8 {
        UInt8(clamping: sum >> precisionBits)
    }
}
