/// The value rules shared by the message bodies; each throws `ProtocolError.invalidValue` naming the
/// field (`path` joined with `name`).
enum FieldRules {
    /// The longest identifier (worker id, job name, host name, …), in UTF-8 bytes.
    static let maxIdentifierBytes = 256

    /// 64 lowercase hex digits: a SHA-256 (task ids, model and image digests).
    static func digest(_ value: String, _ name: String, in path: String) throws(ProtocolError) {
        try require(Hex.isLowercase(value, count: 64), name, in: path, "must be 64 lowercase hex digits")
    }

    /// A name: 1…256 UTF-8 bytes, no control characters.
    static func identifier(_ value: String, _ name: String, in path: String) throws(ProtocolError) {
        try require(!value.isEmpty, name, in: path, "must not be empty")
        try require(value.utf8.count <= maxIdentifierBytes, name, in: path, "longer than \(maxIdentifierBytes) bytes")
        try require(!value.unicodeScalars.contains { $0.properties.generalCategory == .control }, name, in: path,
                    "contains a control character")
    }

    /// A file path: not empty, no NUL byte.
    static func path(_ value: String, _ name: String, in path: String) throws(ProtocolError) {
        try require(!value.isEmpty, name, in: path, "must not be empty")
        try require(!value.utf8.contains(0), name, in: path, "contains a NUL byte")
    }

    /// A lease id: fencing tokens start at 1; 0 means none and never travels.
    static func leaseID(_ value: UInt64, _ name: String, in path: String) throws(ProtocolError) {
        try require(value >= 1, name, in: path, "lease ids start at 1")
    }

    static func positive(_ value: Double, _ name: String, in path: String) throws(ProtocolError) {
        try require(value > 0, name, in: path, "must be > 0")
    }

    static func nonNegative(_ value: Double, _ name: String, in path: String) throws(ProtocolError) {
        try require(value >= 0, name, in: path, "must be ≥ 0")
    }

    static func require(_ condition: Bool, _ name: String, in path: String, _ reason: String) throws(ProtocolError) {
        guard condition else { throw .invalidValue(field: FieldPath.appending(name, to: path), reason: reason) }
    }
}
