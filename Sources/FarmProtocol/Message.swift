/// Every RFP/1 message, one case per type and direction; the associated value is the header body.
///
/// Which way each travels (`travels(_:)`):
///
/// | direction | messages |
/// |---|---|
/// | worker → coordinator | `HELLO`, `READY`, `HEARTBEAT`, `RESULT`, `FAIL`, `BYE` |
/// | coordinator → worker | `WELCOME`, `REJECT`, `ASSIGN`, `HEARTBEAT`, `ACK`, `CANCEL`, `DRAIN` |
/// | client → coordinator | `SUBMIT`, `CONTROL`, `QUERY` |
/// | coordinator → client | `REPLY`, `REJECT` |
///
/// Wrap one in an `Envelope` (id and time) to encode it.
public enum Message: Sendable, Hashable {
    case hello(WorkerHello)
    case ready(Ready)
    /// `HEARTBEAT` from a worker.
    case workerHeartbeat(WorkerHeartbeat)
    /// `RESULT`; `image` is the PNG, carried as the message's one blob frame.
    case result(ResultReport, image: Blob)
    case fail(FailureReport)
    case bye(Bye)
    case welcome(Welcome)
    case reject(Reject)
    case assign(Assignment)
    /// `HEARTBEAT` from the coordinator.
    case coordinatorHeartbeat(LeaseVerdicts)
    case ack(ResultAck)
    case cancel(CancelLease)
    case drain(Drain)
    case submit(JobSubmission)
    case control(JobControl)
    case query(StatusQuery)
    case reply(StatusReply)

    /// The message type as frame 1 carries it: `HELLO`, `HEARTBEAT`, …
    public var verb: String { kind.rawValue }

    /// Whether this message may travel in `direction`; a receiver refuses it otherwise.
    public func travels(_ direction: Direction) -> Bool {
        switch self {
        case .workerHeartbeat: direction == .workerToCoordinator
        case .coordinatorHeartbeat: direction == .coordinatorToWorker
        default: kind.directions.contains(direction)
        }
    }

    var kind: MessageKind {
        switch self {
        case .hello: .hello
        case .ready: .ready
        case .workerHeartbeat, .coordinatorHeartbeat: .heartbeat
        case .result: .result
        case .fail: .fail
        case .bye: .bye
        case .welcome: .welcome
        case .reject: .reject
        case .assign: .assign
        case .ack: .ack
        case .cancel: .cancel
        case .drain: .drain
        case .submit: .submit
        case .control: .control
        case .query: .query
        case .reply: .reply
        }
    }

    /// The header fields of the message type.
    var body: any WireBody {
        switch self {
        case .hello(let body): body
        case .ready(let body): body
        case .workerHeartbeat(let body): body
        case .result(let body, _): body
        case .fail(let body): body
        case .bye(let body): body
        case .welcome(let body): body
        case .reject(let body): body
        case .assign(let body): body
        case .coordinatorHeartbeat(let body): body
        case .ack(let body): body
        case .cancel(let body): body
        case .drain(let body): body
        case .submit(let body): body
        case .control(let body): body
        case .query(let body): body
        case .reply(let body): body
        }
    }

    /// The blobs, in `kind.blobSlots` order.
    var blobs: [Blob] {
        if case .result(_, let image) = self { return [image] }
        return []
    }

    /// Reads the body of a `kind` message travelling `direction` from `header`; `blobs` are the
    /// blob frames, already matched to `kind.blobSlots` (their checksums are verified later).
    static func read(_ kind: MessageKind, on direction: Direction, from header: HeaderReader, blobs: [Blob]) throws(HeaderFieldError) -> Message {
        switch kind {
        case .hello: return .hello(try header.read(WorkerHello.self))
        case .ready: return .ready(try header.read(Ready.self))
        case .heartbeat:
            return direction == .workerToCoordinator
                ? .workerHeartbeat(try header.read(WorkerHeartbeat.self))
                : .coordinatorHeartbeat(try header.read(LeaseVerdicts.self))
        case .result:
            guard let image = blobs.first else { throw HeaderFieldError(.missing, field: "blobs[0]") }
            return .result(try header.read(ResultReport.self), image: image)
        case .fail: return .fail(try header.read(FailureReport.self))
        case .bye: return .bye(try header.read(Bye.self))
        case .welcome: return .welcome(try header.read(Welcome.self))
        case .reject: return .reject(try header.read(Reject.self))
        case .assign: return .assign(try header.read(Assignment.self))
        case .ack: return .ack(try header.read(ResultAck.self))
        case .cancel: return .cancel(try header.read(CancelLease.self))
        case .drain: return .drain(try header.read(Drain.self))
        case .submit: return .submit(try header.read(JobSubmission.self))
        case .control: return .control(try header.read(JobControl.self))
        case .query: return .query(try header.read(StatusQuery.self))
        case .reply: return .reply(try header.read(StatusReply.self))
        }
    }
}

/// The message types of frame 1.
enum MessageKind: String, CaseIterable {
    case hello = "HELLO", ready = "READY", heartbeat = "HEARTBEAT", result = "RESULT", fail = "FAIL", bye = "BYE"
    case welcome = "WELCOME", reject = "REJECT", assign = "ASSIGN", ack = "ACK", cancel = "CANCEL", drain = "DRAIN"
    case submit = "SUBMIT", control = "CONTROL", query = "QUERY", reply = "REPLY"

    /// The directions this type travels in.
    var directions: Set<Direction> {
        switch self {
        case .hello, .ready, .result, .fail, .bye: [.workerToCoordinator]
        case .heartbeat: [.workerToCoordinator, .coordinatorToWorker]
        case .welcome, .assign, .ack, .cancel, .drain: [.coordinatorToWorker]
        case .reject: [.coordinatorToWorker, .coordinatorToClient]
        case .submit, .control, .query: [.clientToCoordinator]
        case .reply: [.coordinatorToClient]
        }
    }

    /// The blobs this type carries, in frame order: exactly these names and media types.
    var blobSlots: [BlobSlot] {
        self == .result ? [BlobSlot(name: "image", mime: "image/png")] : []
    }
}

/// A blob a message type carries: its name in the header and its media type.
struct BlobSlot: Equatable {
    var name: String
    var mime: String

    /// The first bytes of every PNG file.
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
}
