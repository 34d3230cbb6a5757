/// A parsed JSON value, the form the header frame takes between its bytes and the message types.
///
/// Numbers keep their literal text, so a 64-bit integer is never rounded through a `Double` and a
/// huge or non-integral literal is reported as written.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The literal as written, already checked against JSON's number grammar.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members by key; a header with a key given twice is refused while parsing.
    case object([String: JSONValue])

    /// What the value is, in words, for errors: `a string`, `null`, `number 1.5`.
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .number(let literal): "number \(Self.shortened(literal))"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// A number literal cut to 40 characters for an error message.
    static func shortened(_ literal: String) -> String {
        literal.count > 40 ? String(literal.prefix(40)) + "…" : literal
    }
}
