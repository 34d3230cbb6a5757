/// Bounds-checked little-endian reads from a region of a mapped file. Every read past the region is a
/// `WeightFileError` naming the file and the part of it being read, never a trap.
struct ByteView {
    /// The file the bytes come from, for error messages.
    let path: String
    /// What the region is (e.g. `"ZIP central directory"`), for error messages.
    let part: String
    let bytes: UnsafeRawBufferPointer

    var count: Int { bytes.count }

    /// The error for a malformed region: `"<path>: <part>: <problem>"`.
    func failure(_ problem: String) -> WeightFileError {
        WeightFileError(path: path, problem: "\(part): \(problem)")
    }

    /// `length` bytes at `offset`, checked to lie inside the region.
    func slice(at offset: Int, length: Int, part slicePart: String? = nil) throws(WeightFileError) -> ByteView {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
            throw failure("\(length) bytes at offset \(offset) run past its end (\(count) bytes)")
        }
        return ByteView(path: path, part: slicePart ?? part, bytes: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]))
    }

    func uint8(at offset: Int) throws(WeightFileError) -> UInt8 {
        try integer(at: offset)
    }

    func uint16(at offset: Int) throws(WeightFileError) -> UInt16 {
        UInt16(littleEndian: try integer(at: offset))
    }

    func uint32(at offset: Int) throws(WeightFileError) -> UInt32 {
        UInt32(littleEndian: try integer(at: offset))
    }

    func uint64(at offset: Int) throws(WeightFileError) -> UInt64 {
        UInt64(littleEndian: try integer(at: offset))
    }

    private func integer<Value: FixedWidthInteger>(at offset: Int) throws(WeightFileError) -> Value {
        let size = MemoryLayout<Value>.size
        guard offset >= 0, offset <= count - size else {
            throw failure("a \(size)-byte field at offset \(offset) runs past its end (\(count) bytes)")
        }
        return bytes.loadUnaligned(fromByteOffset: offset, as: Value.self)
    }
}
