/// Bit-exact conversions between Float32 and the 16-bit float formats, matching PyTorch: widening is
/// exact; narrowing rounds to nearest, ties to even, overflows to infinity and makes NaN canonical.
enum ReducedPrecision {
    /// The Float32 value of IEEE binary16 bits (exact, subnormals and NaN payloads included).
    static func float(fromHalfBits half: UInt16) -> Float {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = UInt32(half >> 10) & 0x1F
        let mantissa = UInt32(half & 0x3FF)
        switch exponent {
        case 0:
            let magnitude = Float(mantissa) * 0x1p-24 // zero or subnormal: mantissa × 2^-24, exact
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) // infinity or NaN
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }

    /// The IEEE binary16 nearest to `value`, ties to even; NaN becomes 0x7E00 with the sign kept.
    static func halfBits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: bits >> 16) & 0x8000
        let magnitude = bits & 0x7FFF_FFFF
        if magnitude > 0x7F80_0000 { return sign | 0x7E00 }
        if magnitude >= 0x3880_0000 { // 2^-14 and up: a binary16 normal, or infinity after rounding
            let rounded = magnitude + 0xFFF + ((magnitude >> 13) & 1) // ties to even on the 13 dropped bits
            let rebiased = rounded - (112 << 23)
            return rebiased >= 0x1F << 23 ? sign | 0x7C00 : sign | UInt16(rebiased >> 13)
        }
        // Below 2^-14: a binary16 subnormal, round(value × 2^24) = round(significand >> shift).
        let shift = 126 - Int(magnitude >> 23)
        guard shift <= 24 else { return sign } // under 2^-25 (or a binary32 subnormal): rounds to zero
        let significand = (magnitude & 0x7F_FFFF) | 0x80_0000
        let truncated = significand >> shift
        let remainder = significand & ((1 << shift) - 1)
        let halfway: UInt32 = 1 << (shift - 1)
        let roundsUp = remainder > halfway || (remainder == halfway && truncated & 1 == 1)
        return sign | UInt16(truncated + (roundsUp ? 1 : 0))
    }

    /// The Float32 value of bfloat16 bits (exact).
    static func float(fromBFloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// The bfloat16 nearest to `value`, ties to even; NaN becomes 0x7FC0 (as `torch` does).
    static func bfloat16Bits(from value: Float) -> UInt16 {
        guard !value.isNaN else { return 0x7FC0 }
        let bits = value.bitPattern
        return UInt16(truncatingIfNeeded: (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16)
    }
}
