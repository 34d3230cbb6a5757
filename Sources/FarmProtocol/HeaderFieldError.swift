/// A field of a header that could not be read or written, with its path (`task.box.x0`,
/// `held_leases[2].lease_id`); `WireDecoder` and `WireEncoder` throw it and `Envelope` turns it
/// into a `ProtocolError`.
struct HeaderFieldError: Error {
    enum Problem {
        case missing
        /// A member no field of the message type reads: misspelt, or from another protocol revision.
        case unknown
        case wrongType(expected: String, found: String)
        case outOfRange(literal: String, type: String)
        case invalid(reason: String)
    }

    var field: String
    var problem: Problem

    init(_ problem: Problem, at codingPath: [any CodingKey]) {
        self.init(problem, field: FieldPath.text(codingPath))
    }

    init(_ problem: Problem, field: String) {
        self.field = field
        self.problem = problem
    }

    /// The same problem as a protocol error.
    var protocolError: ProtocolError {
        switch problem {
        case .missing: .missingField(field: field)
        case .unknown: .unknownField(field: field)
        case .wrongType(let expected, let found): .wrongType(field: field, expected: expected, found: found)
        case .outOfRange(let literal, let type): .numberOutOfRange(field: field, literal: literal, type: type)
        case .invalid(let reason): .invalidValue(field: field, reason: reason)
        }
    }
}
