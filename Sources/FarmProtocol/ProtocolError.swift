/// Why a message could not be decoded or encoded: which frame, which field, and what is wrong.
///
/// Decoding never traps; every refusal is one of these cases. `unsupportedVersion` is its own case so
/// a coordinator can answer an RFP/2 peer with a `REJECT` (`RejectReason(for:)` picks the reason).
/// Frames are counted from 0 after the ROUTER's routing-id frame has been stripped.
public enum ProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Fewer frames than the envelope needs; `expected` names the missing one.
    case missingFrame(index: Int, expected: String)
    /// More frames than 3 + `RFP1.maxBlobs`.
    case tooManyFrames(count: Int, limit: Int)
    /// The frames together exceed `WireLimits.maxMessageBytes`.
    case messageTooLarge(bytes: Int, limit: Int)
    /// Frame 0 is not an `RFP<version>` tag (`tag` shows its first bytes, non-printable ones as `\xNN`).
    case notThisProtocol(tag: String)
    /// Frame 0 is an RFP tag of another version, e.g. `RFP2`.
    case unsupportedVersion(tag: String)
    /// Frame 1 is not a message type of RFP/1.
    case unknownMessageType(verb: String)
    /// A message type that does not travel in this direction (a worker sending `ASSIGN`).
    case unexpectedMessageType(verb: String, direction: Direction)
    /// The header frame exceeds `RFP1.maxHeaderBytes`.
    case headerTooLarge(bytes: Int, limit: Int)
    /// The header frame is not JSON; `offset` is the byte where reading stopped.
    case headerNotJSON(offset: Int, reason: String)
    /// A required header field is absent (`task.seed`, `msg_id`).
    case missingField(field: String)
    /// A header field the message type does not have (a misspelling, or another revision's field).
    case unknownField(field: String)
    /// A header field of the wrong JSON type (`found` says what it was: `a string`, `null`, `number 1.5`).
    case wrongType(field: String, expected: String, found: String)
    /// A number that does not fit its type: negative for a count, too large, or not finite as a float.
    case numberOutOfRange(field: String, literal: String, type: String)
    /// A well-typed field whose value breaks a rule (a malformed digest, `step` past `steps`, a NaN
    /// being encoded).
    case invalidValue(field: String, reason: String)
    /// The header lists more blobs than `RFP1.maxBlobs`.
    case tooManyBlobs(count: Int, limit: Int)
    /// The header lists `declared` blobs but `frames` blob frames follow it.
    case blobFrameCountMismatch(declared: Int, frames: Int)
    /// A blob frame exceeds `WireLimits.maxBlobBytes`.
    case blobTooLarge(frame: Int, name: String, bytes: Int, limit: Int)
    /// A blob frame's length differs from its `size` in the header.
    case blobSizeMismatch(frame: Int, name: String, declared: UInt64, actual: Int)
    /// A blob frame's SHA-256 differs from its `sha256` in the header.
    case blobChecksumMismatch(frame: Int, name: String, declared: String, actual: String)
    /// The blobs are not the ones this message type carries (`RESULT` carries one `image/png` named
    /// `image`; other types carry none), or a PNG blob does not start with the PNG signature.
    case wrongBlobs(verb: String, reason: String)

    /// The frame the problem is in, counted from 0 without the routing id; nil when it concerns the
    /// message as a whole.
    public var frame: Int? {
        switch self {
        case .missingFrame(let index, _): index
        case .tooManyFrames, .messageTooLarge, .blobFrameCountMismatch: nil
        case .notThisProtocol, .unsupportedVersion: 0
        case .unknownMessageType, .unexpectedMessageType: 1
        case .headerTooLarge, .headerNotJSON, .missingField, .unknownField, .wrongType, .numberOutOfRange,
             .invalidValue, .tooManyBlobs, .wrongBlobs: 2
        case .blobTooLarge(let frame, _, _, _), .blobSizeMismatch(let frame, _, _, _), .blobChecksumMismatch(let frame, _, _, _): frame
        }
    }

    public var description: String {
        let place = frame.map { "frame \($0): " } ?? ""
        return place + problem
    }

    private var problem: String {
        switch self {
        case .missingFrame(let index, let expected): "missing (expected \(expected) in frame \(index))"
        case .tooManyFrames(let count, let limit): "\(count) frames, at most \(limit) allowed"
        case .messageTooLarge(let bytes, let limit): "message of \(bytes) bytes, at most \(limit) allowed"
        case .notThisProtocol(let tag): "'\(tag)' is not an RFP protocol tag"
        case .unsupportedVersion(let tag): "protocol \(tag) is not supported (this side speaks \(RFP1.tagText))"
        case .unknownMessageType(let verb): "unknown message type '\(verb)'"
        case .unexpectedMessageType(let verb, let direction): "\(verb) is not a \(direction) message"
        case .headerTooLarge(let bytes, let limit): "header of \(bytes) bytes, at most \(limit) allowed"
        case .headerNotJSON(let offset, let reason): "header is not JSON: byte \(offset): \(reason)"
        case .missingField(let field): "\(field): missing"
        case .unknownField(let field): "\(field): unknown field"
        case .wrongType(let field, let expected, let found): "\(field): expected \(expected), found \(found)"
        case .numberOutOfRange(let field, let literal, let type): "\(field): \(literal) is out of range for \(type)"
        case .invalidValue(let field, let reason): "\(field): \(reason)"
        case .tooManyBlobs(let count, let limit): "blobs: \(count) listed, at most \(limit) allowed"
        case .blobFrameCountMismatch(let declared, let frames): "header lists \(declared) blobs but \(frames) blob frames follow"
        case .blobTooLarge(_, let name, let bytes, let limit): "blob '\(name)' of \(bytes) bytes, at most \(limit) allowed"
        case .blobSizeMismatch(_, let name, let declared, let actual): "blob '\(name)' has \(actual) bytes, header says \(declared)"
        case .blobChecksumMismatch(_, let name, let declared, let actual): "blob '\(name)' has SHA-256 \(actual), header says \(declared)"
        case .wrongBlobs(let verb, let reason): "\(verb): \(reason)"
        }
    }
}
