import Foundation

extension Ops {
    /// SiLU (swish), `x · σ(x)`, elementwise.
    public static func silu(_ x: Tensor) -> Tensor {
        map(x, vector: { $0 / (1 + VectorMath.exp(-$0)) }, scalar: { $0 / (1 + Foundation.exp(-$0)) })
    }

    /// QuickGELU of OpenAI CLIP, `x · σ(1.702 x)`, elementwise.
    public static func quickGELU(_ x: Tensor) -> Tensor {
        map(x, vector: { $0 / (1 + VectorMath.exp(-1.702 * $0)) }, scalar: { $0 / (1 + Foundation.exp(-1.702 * $0)) })
    }

    /// Exact GELU, `x · Φ(x) = ½x(1 + erf(x/√2))`, as `torch.nn.GELU()` (not the tanh approximation).
    public static func gelu(_ x: Tensor) -> Tensor {
        let (y, output) = Tensor.uninitialized(x.shape)
        let input = x.basePointer
        let blocks = (x.count + 4095) / 4096
        Compute.parallelFor(blocks) { block in
            for i in (block * 4096)..<min(x.count, (block + 1) * 4096) { output[i] = exactGELU(input[i]) }
        }
        return y
    }

    /// GEGLU of the transformer feed-forward: the last axis holds `[value, gate]` halves, and the result
    /// is `value · GELU(gate)` (exact GELU), as diffusers' `GEGLU` after its projection.
    /// - Parameter x: `(…, 2d)`. - Returns: `(…, d)`.
    public static func geglu(_ x: Tensor) -> Tensor {
        precondition(x.lastDimension % 2 == 0, "geglu: last axis of \(x.shape) must be even")
        let half = x.lastDimension / 2, rows = x.count / max(x.lastDimension, 1)
        let (y, output) = Tensor.uninitialized(Array(x.shape.dropLast()) + [half])
        let input = x.basePointer
        Compute.parallelFor(rows) { row in
            let source = input + row * 2 * half, destination = output + row * half
            for i in 0..<half { destination[i] = source[i] * exactGELU(source[half + i]) }
        }
        return y
    }

    /// Softmax over the last axis, `exp(x − max) / Σ exp(x − max)`.
    public static func softmax(_ x: Tensor) -> Tensor {
        let (y, output) = Tensor.uninitialized(x.shape)
        let input = x.basePointer, width = x.lastDimension
        Compute.parallelFor(x.count / max(width, 1)) { row in
            softmaxRow(input + row * width, output + row * width, count: width, scale: 1)
        }
        return y
    }

    /// `output = softmax(scale · input)` for one row; `input` and `output` may coincide.
    static func softmaxRow(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int, scale: Float) {
        let peak = VectorMath.maximum(input, count: count) * scale
        VectorMath.map(count: count, input: input, output: output,
                       vector: { VectorMath.exp($0 * scale - peak) }, scalar: { Foundation.exp($0 * scale - peak) })
        let inverse = 1 / VectorMath.sum(output, count: count)
        VectorMath.map(count: count, input: output, output: output, vector: { $0 * inverse }, scalar: { $0 * inverse })
    }

    @inline(__always)
    static func exactGELU(_ v: Float) -> Float { 0.5 * v * (1 + erf(v * 0.70710678118654752)) }

    private static func map(_ x: Tensor, vector: @escaping (SIMD16<Float>) -> SIMD16<Float>, scalar: @escaping (Float) -> Float) -> Tensor {
        let (y, output) = Tensor.uninitialized(x.shape)
        let input = x.basePointer, blockSize = 16 * 1024
        Compute.parallelFor((x.count + blockSize - 1) / blockSize) { block in
            let start = block * blockSize
            VectorMath.map(count: min(blockSize, x.count - start), input: input + start, output: output + start,
                           vector: vector, scalar: scalar)
        }
        return y
    }
}
