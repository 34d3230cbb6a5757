import Foundation
import Tensor

/// PyTorch's CPU random generator, reproduced: `torch.Generator().manual_seed(seed)` then
/// `torch.randn(shape)` gives the same numbers here (see `normalTensor` for the precision caveat).
///
/// The engine is a 32-bit Mersenne Twister (mt19937) seeded from the low 32 bits of the seed. Floats are
/// `(random32 & (2²⁴ − 1)) · 2⁻²⁴`. Normal tensors of 16 or more elements are filled with uniforms first,
/// then turned into normals 16 at a time by Box–Muller (first 8 lanes cosine, last 8 sine); when the count
/// is not a multiple of 16, the last 16 are drawn again and transformed again.
public struct TorchRandom {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// The generator `torch.Generator().manual_seed(seed)` makes.
    public init(seed: UInt64) {
        state[0] = UInt32(truncatingIfNeeded: seed)
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
    }

    /// The next 32 random bits.
    public mutating func next32() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// A float uniform in [0, 1), as `torch.rand` draws it: 24 random bits scaled by 2⁻²⁴.
    public mutating func nextUniform() -> Float {
        Float(next32() & 0xFF_FFFF) * 0x1p-24
    }

    /// A standard-normal tensor as `torch.randn(shape, generator=g)` fills it on the CPU.
    ///
    /// PyTorch builds with AVX2 use SLEEF's vectorised log/sin/cos for this, which can differ from the C
    /// library's in the last bit; values then agree to about 1e-7 relative rather than bit for bit.
    /// Only tensors of at least 16 elements are supported (every latent is).
    public mutating func normalTensor(shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        precondition(count >= 16, "TorchRandom.normalTensor: \(count) elements; the 16-lane path needs at least 16")
        var values = (0..<count).map { _ in nextUniform() }
        var start = 0
        while start + 16 <= count {
            TorchRandom.boxMuller16(&values, at: start)
            start += 16
        }
        if count % 16 != 0 {
            for i in (count - 16)..<count { values[i] = nextUniform() }
            TorchRandom.boxMuller16(&values, at: count - 16)
        }
        return Tensor(shape: shape, scalars: values)
    }

    private static func boxMuller16(_ values: inout [Float], at start: Int) {
        for j in 0..<8 {
            let u1 = 1 - values[start + j], u2 = values[start + j + 8]
            let radius = (-2 * logf(u1)).squareRoot()
            let theta = Float(2.0 * Double.pi * Double(u2))
            values[start + j] = radius * cosf(theta)
            values[start + j + 8] = radius * sinf(theta)
        }
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_B0DF)
        }
        index = 0
    }
}
