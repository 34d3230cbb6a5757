import Tensor

/// Deterministic DDIM (η = 0) over an ε-predicting model, exactly as CustomNet's sampler runs it.
///
/// Quirks kept on purpose (customnet-spec §1.10): the uniform grid for S steps is {0, c, 2c, …} + 1 with
/// c = T / S, the sampler drops its last entry, so S − 1 steps run (t = 961, 941, …, 1 for S = 50), and the
/// final step's "previous" ᾱ is ᾱ[0], not 1. The result is x at t = 0 in that sense, not x̂₀.
public struct DDIMSampler: Sendable {
    /// The timesteps that run, in the order they run (descending).
    public let timesteps: [Int]
    private let alphas: [Float]
    private let previousAlphas: [Float]

    /// - Parameters:
    ///   - schedule: the model's ᾱ table.
    ///   - steps: S, the number of grid points (CustomNet: 50, giving 49 model evaluations).
    /// - Precondition: `2 ≤ steps ≤ T`.
    public init(schedule: NoiseSchedule, steps: Int = 50) {
        let total = schedule.alphasCumulative.count
        precondition(steps >= 2 && steps <= total, "DDIMSampler: steps must be in 2…\(total), got \(steps)")
        let stride = total / steps
        let grid = (0..<steps).map { $0 * stride + 1 }
        let kept = Array(grid.dropLast())
        let alphaTable = schedule.alphasCumulative
        timesteps = kept.reversed()
        alphas = kept.reversed().map { alphaTable[$0] }
        // The previous ᾱ of grid point k is that of point k − 1; of the first point, ᾱ[0].
        previousAlphas = kept.indices.reversed().map { k in k == 0 ? alphaTable[0] : alphaTable[kept[k - 1]] }
    }

    /// One update from x_t with predicted noise ε, for the step at position `index` of `timesteps`:
    /// x̂₀ = (x − √(1−a)·ε)/√a, then x_prev = √a_prev·x̂₀ + √(1−a_prev)·ε, in Float32.
    public func step(_ x: Tensor, noise epsilon: Tensor, index: Int) -> Tensor {
        precondition(x.shape == epsilon.shape, "DDIMSampler.step: x \(x.shape) and ε \(epsilon.shape) differ")
        let a = alphas[index], previous = previousAlphas[index]
        let rootOneMinusA = (1 - a).squareRoot(), rootA = a.squareRoot()
        let rootPrevious = previous.squareRoot(), direction = (1 - previous).squareRoot()
        let xs = x.scalars, es = epsilon.scalars
        var out = [Float](repeating: 0, count: xs.count)
        for i in out.indices {
            let predictedOriginal = (xs[i] - rootOneMinusA * es[i]) / rootA
            out[i] = rootPrevious * predictedOriginal + direction * es[i]
        }
        return Tensor(shape: x.shape, scalars: out)
    }

    /// Runs every step from `start` (x_T). `predictNoise(x, t)` returns ε for the latent at timestep t;
    /// `afterStep(index, x)` sees each new latent (progress, saving latents) and may throw to stop.
    public func sample(
        from start: Tensor,
        predictNoise: (Tensor, Int) throws -> Tensor,
        afterStep: (Int, Tensor) throws -> Void = { _, _ in }
    ) rethrows -> Tensor {
        var x = start
        for (index, t) in timesteps.enumerated() {
            x = step(x, noise: try predictNoise(x, t), index: index)
            try afterStep(index, x)
        }
        return x
    }
}

/// Classifier-free guidance: ε = ε_u + s·(ε_c − ε_u), from two separate model passes.
public enum Guidance {
    public static func combine(conditional: Tensor, unconditional: Tensor, scale: Float) -> Tensor {
        precondition(conditional.shape == unconditional.shape,
                     "Guidance.combine: shapes \(conditional.shape) and \(unconditional.shape) differ")
        let c = conditional.scalars, u = unconditional.scalars
        return Tensor(shape: conditional.shape, scalars: zip(c, u).map { $1 + scale * ($0 - $1) })
    }
}
