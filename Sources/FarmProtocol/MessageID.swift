import Foundation

/// A message's id, a UUID written in lowercase (`msg_id`); a resent message keeps its id, so the
/// receiver can recognise the copy.
public struct MessageID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The canonical lowercase form, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
    public let text: String

    /// The id written as `text`, which must be a UUID in canonical lowercase form.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        for (index, byte) in bytes.enumerated() {
            let isHyphenSlot = index == 8 || index == 13 || index == 18 || index == 23
            let isLowercaseHex = (0x30 ... 0x39).contains(byte) || (0x61 ... 0x66).contains(byte)
            guard isHyphenSlot ? byte == UInt8(ascii: "-") : isLowercaseHex else { return nil }
        }
        self.text = text
    }

    /// The id of `uuid`.
    public init(_ uuid: UUID) {
        text = uuid.uuidString.lowercased()
    }

    /// A fresh random (version 4) id.
    public static func random() -> MessageID {
        MessageID(UUID())
    }

    public var description: String { text }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = MessageID(text) else {
            throw HeaderFieldError(.invalid(reason: "'\(Hex.preview(Array(text.utf8), limit: 64))' is not a lowercase UUID"), at: decoder.codingPath)
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
