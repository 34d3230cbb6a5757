import Foundation

/// The DDPM noise schedule: ᾱ_t (`alphas_cumprod`) for t = 0 … 999.
public struct NoiseSchedule: Sendable {
    /// ᾱ_t, stored as Float32 like the checkpoint's buffer.
    public let alphasCumulative: [Float]

    /// Uses ᾱ as given, for example the checkpoint's `alphas_cumprod` buffer.
    /// - Precondition: at least 2 values, each in (0, 1].
    public init(alphasCumulative: [Float]) {
        precondition(alphasCumulative.count >= 2 && alphasCumulative.allSatisfy { $0 > 0 && $0 <= 1 },
                     "NoiseSchedule: ᾱ must be ≥ 2 values in (0, 1]")
        self.alphasCumulative = alphasCumulative
    }

    /// LDM's "linear" schedule (Stable Diffusion 1.x, CustomNet): β_i = (√β₀ + (√β₁ − √β₀)·i/(T−1))²,
    /// α = 1 − β, ᾱ the running product, all in Float64, then stored as Float32.
    public static func scaledLinear(steps: Int = 1000, betaStart: Double = 0.00085, betaEnd: Double = 0.012) -> NoiseSchedule {
        NoiseSchedule(alphasCumulative: ldmBuffers(steps: steps, betaStart: betaStart, betaEnd: betaEnd)["alphas_cumprod"]!)
    }

    /// The twelve schedule buffers LDM's `DDPM.register_schedule` saves in a checkpoint (v_posterior 0),
    /// computed in Float64 from this class's linear schedule and stored as Float32, by buffer name.
    static func ldmBuffers(steps: Int = 1000, betaStart: Double = 0.00085, betaEnd: Double = 0.012) -> [String: [Float]] {
        let betas = (0..<steps).map { i -> Double in
            let root = betaStart.squareRoot() + (betaEnd.squareRoot() - betaStart.squareRoot()) * Double(i) / Double(steps - 1)
            return root * root
        }
        var cumulative: [Double] = []
        var product = 1.0
        for beta in betas { product *= 1 - beta; cumulative.append(product) }
        let previous = [1.0] + cumulative.dropLast()
        let posteriorVariance = (0..<steps).map { i -> Double in betas[i] * (1 - previous[i]) / (1 - cumulative[i]) }
        let meanCoefficient1 = (0..<steps).map { i -> Double in betas[i] * previous[i].squareRoot() / (1 - cumulative[i]) }
        let meanCoefficient2 = (0..<steps).map { i -> Double in (1 - previous[i]) * (1 - betas[i]).squareRoot() / (1 - cumulative[i]) }
        let table: [String: [Double]] = [
            "betas": betas,
            "alphas_cumprod": cumulative,
            "alphas_cumprod_prev": previous,
            "sqrt_alphas_cumprod": cumulative.map { $0.squareRoot() },
            "sqrt_one_minus_alphas_cumprod": cumulative.map { (1 - $0).squareRoot() },
            "log_one_minus_alphas_cumprod": cumulative.map { log(1 - $0) },
            "sqrt_recip_alphas_cumprod": cumulative.map { (1 / $0).squareRoot() },
            "sqrt_recipm1_alphas_cumprod": cumulative.map { (1 / $0 - 1).squareRoot() },
            "posterior_variance": posteriorVariance,
            "posterior_log_variance_clipped": posteriorVariance.map { log(max($0, 1e-20)) },
            "posterior_mean_coef1": meanCoefficient1,
            "posterior_mean_coef2": meanCoefficient2,
        ]
        return table.mapValues { $0.map(Float.init) }
    }
}
