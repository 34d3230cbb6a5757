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
        var product = 1.0
        let alphas = (0..<steps).map { i -> Float in
            let root = betaStart.squareRoot() + (betaEnd.squareRoot() - betaStart.squareRoot()) * Double(i) / Double(steps - 1)
            product *= 1 - root * root
            return Float(product)
        }
        return NoiseSchedule(alphasCumulative: alphas)
    }
}
