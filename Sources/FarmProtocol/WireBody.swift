/// A message body: its header fields as `Codable`, and the rules its values must keep beyond their
/// types. `Envelope` checks the rules before encoding and after decoding, so a message that encodes
/// also decodes.
protocol WireBody: Codable, Sendable {
    /// Throws `ProtocolError.invalidValue` for the first field breaking a rule; `path` is where the
    /// value sits in the header (empty at the top).
    func validate(at path: String) throws(ProtocolError)
}

/// A string-valued enum on the wire; an unknown value is an error listing the known ones.
protocol WireEnum: RawRepresentable<String>, CaseIterable, Codable, Sendable {}

extension WireEnum {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: text) else {
            let known = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw HeaderFieldError(.invalid(reason: "'\(Hex.preview(Array(text.utf8), limit: 64))' is not one of \(known)"), at: decoder.codingPath)
        }
        self = value
    }
}

extension Array where Element: WireBody {
    /// Validates each element at `path[i]`.
    func validateEach(_ name: String, in path: String) throws(ProtocolError) {
        for (index, element) in enumerated() {
            try element.validate(at: FieldPath.appending(name, to: path) + "[\(index)]")
        }
    }
}
