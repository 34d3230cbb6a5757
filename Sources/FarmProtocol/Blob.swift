/// Bytes carried in a blob frame, with their SHA-256 (computed once, when the blob is made).
public struct Blob: Sendable, Hashable {
    /// The frame's contents (for `RESULT`, the PNG file).
    public let bytes: [UInt8]
    /// Lowercase hex SHA-256 of `bytes`: the header's `sha256` for this frame, and the content
    /// address a receiver may store the bytes under.
    public let sha256: String

    /// A blob of `bytes`, digesting them.
    public init(_ bytes: [UInt8]) {
        self.init(bytes: bytes, sha256: SHA256.hexDigest(bytes))
    }

    /// A blob whose digest has already been computed and checked.
    init(bytes: [UInt8], sha256: String) {
        self.bytes = bytes
        self.sha256 = sha256
    }
}

/// One entry of the header's `blobs` list.
struct BlobDescriptor: Codable, Equatable {
    var name: String
    var sha256: String
    var size: UInt64
    var mime: String
}
