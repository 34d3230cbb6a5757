import CZlib

/// Inflates gzip data whole, through zlib.
enum Gzip {
    /// More than this many decompressed bytes is refused: the CLIP merges file holds 3,194,984.
    static let decompressedLimit = 64 << 20

    /// The decompressed bytes of `compressed`, read from the file at `path` (named in errors).
    static func decompress(_ compressed: [UInt8], path: String) throws(ClipVocabularyError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ClipVocabularyError(path: path, problem: "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var status = Z_OK
        compressed.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = uInt(input.count)
            while status == Z_OK && output.count <= decompressedLimit {
                status = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                output += chunk[0 ..< chunk.count - Int(stream.avail_out)]
            }
        }
        switch status {
        case Z_STREAM_END:
            return output
        case Z_OK:
            throw ClipVocabularyError(path: path, problem: "decompresses to more than \(decompressedLimit) bytes")
        case Z_BUF_ERROR:
            throw ClipVocabularyError(path: path, problem: "is truncated: the gzip stream ends early")
        default:
            let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
            throw ClipVocabularyError(path: path, problem: "is not a valid gzip file (zlib: \(reason))")
        }
    }
}
