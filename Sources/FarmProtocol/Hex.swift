/// Bytes as text: lowercase hexadecimal, and previews of raw frames for error messages.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Two lowercase hex digits per byte.
    static func lowercase(_ bytes: [UInt8]) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Up to `limit` bytes of untrusted input as text for an error message: printable ASCII as
    /// itself, other bytes (and `\`) as `\xNN`, and `…` when cut; so a peer's bytes cannot break a
    /// log line.
    static func preview(_ bytes: [UInt8], limit: Int = 16) -> String {
        let shown = bytes.prefix(limit).map { byte in
            (0x20 ... 0x7e).contains(byte) && byte != UInt8(ascii: "\\") ? String(UnicodeScalar(byte)) : "\\x" + lowercase([byte])
        }
        return shown.joined() + (bytes.count > limit ? "…" : "")
    }

    /// Whether `text` is exactly `count` lowercase hex digits.
    static func isLowercase(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { (0x30 ... 0x39).contains($0) || (0x61 ... 0x66).contains($0) }
    }
}
