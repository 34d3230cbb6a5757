extension Ops {
    /// SiLU (swish), `x · σ(x)`, elementwise.
    public static func silu(_ x: Tensor) -> Tensor {
        Profiler.measure("silu") {
            map(x, KernelSet.active.silu)
        }
    }

    /// QuickGELU of OpenAI CLIP, `x · σ(1.702 x)`, elementwise.
    public static func quickGELU(_ x: Tensor) -> Tensor {
        Profiler.measure("quickGELU") {
            map(x, KernelSet.active.quickGELU)
        }
    }

    /// GELU in its erf form, `x · Φ(x) = ½x(1 + erf(x/√2))`, as `torch.nn.GELU()` (not the tanh form);
    /// erf to 1.5e-7 as PyTorch's vectorised CPU kernel computes it.
    public static func gelu(_ x: Tensor) -> Tensor {
        Profiler.measure("gelu") {
            map(x, KernelSet.active.gelu)
        }
    }

    /// GEGLU of the transformer feed-forward: the last axis holds `[value, gate]` halves, and the result
    /// is `value · GELU(gate)` (erf form), as diffusers' `GEGLU` after its projection.
    /// - Parameter x: `(…, 2d)`. - Returns: `(…, d)`.
    public static func geglu(_ x: Tensor) -> Tensor {
        Profiler.measure("geglu") {
            precondition(x.lastDimension % 2 == 0, "geglu: last axis of \(x.shape) must be even")
            let half = x.lastDimension / 2, rows = x.count / max(x.lastDimension, 1)
            let (y, output) = Tensor.uninitialized(Array(x.shape.dropLast()) + [half])
            let input = x.basePointer, kernel = KernelSet.active.geglu
            Compute.parallelFor(rows) { row in
                let source = input + row * 2 * half
                kernel(source, source + half, output + row * half, half)
            }
            return y
        }
    }

    /// Softmax over the last axis, `exp(x − max) / Σ exp(x − max)`.
    public static func softmax(_ x: Tensor) -> Tensor {
        Profiler.measure("softmax") {
            let (y, output) = Tensor.uninitialized(x.shape)
            let input = x.basePointer, width = x.lastDimension, softmax = KernelSet.active.softmax
            Compute.parallelFor(x.count / max(width, 1)) { row in
                softmax(input + row * width, output + row * width, width, 1)
            }
            return y
        }
    }

    /// Applies a row kernel to the whole tensor, in blocks of 16 Ki elements spread over the threads.
    static func map(_ x: Tensor, _ kernel: KernelSet.Unary) -> Tensor {
        let (y, output) = Tensor.uninitialized(x.shape)
        let input = x.basePointer, blockSize = 16 * 1024
        Compute.parallelFor((x.count + blockSize - 1) / blockSize) { block in
            let start = block * blockSize
            kernel(input + start, output + start, min(blockSize, x.count - start))
        }
        return y
    }
}
