/// Reading stored elements as Float32, and writing Float32 values in a stored type (little-endian).
extension WeightDType {
    /// Element `index` (counted in elements from `base`) as Float32.
    func load(from base: UnsafeRawPointer, element index: Int) -> Float {
        switch self {
        case .f32: Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
        case .f16: ReducedPrecision.float(fromHalfBits: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)))
        case .bf16: ReducedPrecision.float(fromBFloat16Bits: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)))
        case .i64: Float(Int64(littleEndian: base.loadUnaligned(fromByteOffset: index * 8, as: Int64.self)))
        }
    }

    /// `count` consecutive elements from `base` as Float32, into `destination`.
    func decode(from base: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        switch self {
        case .f32:
            for index in 0..<count { destination[index] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))) }
        case .f16:
            for index in 0..<count { destination[index] = ReducedPrecision.float(fromHalfBits: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))) }
        case .bf16:
            for index in 0..<count { destination[index] = ReducedPrecision.float(fromBFloat16Bits: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))) }
        case .i64:
            for index in 0..<count { destination[index] = Float(Int64(littleEndian: base.loadUnaligned(fromByteOffset: index * 8, as: Int64.self))) }
        }
    }

    /// Writes `values` in this type to `destination` (`values.count × byteCount` bytes). Narrowing to
    /// f16 or bf16 rounds to nearest, ties to even.
    /// - Precondition: the type is a float type (`i64` cannot hold arbitrary Float32 values).
    func encode(_ values: UnsafeBufferPointer<Float>, into destination: UnsafeMutableRawPointer) {
        switch self {
        case .f32:
            for (index, value) in values.enumerated() { destination.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: index * 4, as: UInt32.self) }
        case .f16:
            for (index, value) in values.enumerated() { destination.storeBytes(of: ReducedPrecision.halfBits(from: value).littleEndian, toByteOffset: index * 2, as: UInt16.self) }
        case .bf16:
            for (index, value) in values.enumerated() { destination.storeBytes(of: ReducedPrecision.bfloat16Bits(from: value).littleEndian, toByteOffset: index * 2, as: UInt16.self) }
        case .i64:
            preconditionFailure("encode: Float32 values cannot be written as i64")
        }
    }
}
