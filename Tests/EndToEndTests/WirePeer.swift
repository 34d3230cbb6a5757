import Farm
import FarmProtocol
import Foundation
import Testing

/// A test playing one side of RFP/1 against a real `customnet` process: a DEALER that connects (a
/// worker or a client facing the coordinator) or a ROUTER that binds (a coordinator facing a worker).
/// It can send anything, well-formed or not.
final class WirePeer {
    let socket: ZMQSocket
    /// What it connected to or bound.
    let endpoint: String
    /// The direction of what it receives.
    private let incoming: Direction
    /// The routing id of the last peer heard (ROUTER only).
    private(set) var peer: [UInt8]?

    /// A DEALER connected to `endpoint`, receiving as a worker (`.coordinatorToWorker`) or a client.
    init(connectingTo endpoint: String, receiving incoming: Direction) throws {
        socket = try ZMQSocket(.dealer, context: ZMQContext())
        try socket.setLinger(milliseconds: 0)
        try socket.connect(endpoint)
        self.endpoint = endpoint
        self.incoming = incoming
    }

    /// A ROUTER on a free loopback port, receiving what a worker sends.
    init(bindingAs incoming: Direction) throws {
        socket = try ZMQSocket(.router, context: ZMQContext())
        try socket.setLinger(milliseconds: 0)
        try socket.setRouterMandatory(true)
        endpoint = try socket.bind("tcp://127.0.0.1:*")
        self.incoming = incoming
    }

    private var isRouter: Bool { socket.kind == .router }

    /// Sends `message` (to the last peer heard, for a ROUTER).
    func send(_ message: Message) throws {
        try sendRaw(try Envelope(message, sentAt: Timestamp(Date())).encode())
    }

    /// Sends `frames` as they are.
    func sendRaw(_ frames: [[UInt8]]) throws {
        if isRouter {
            try socket.send([try #require(peer, "no peer has spoken yet")] + frames)
        } else {
            try socket.send(frames)
        }
    }

    /// The next decodable message within `seconds` whose verb is in `verbs` (any when empty); others are skipped.
    func receive(_ verbs: Set<String> = [], within seconds: Double = 10) throws -> Message? {
        let deadline = Date() + seconds
        while Date() < deadline {
            guard var frames = try socket.receive(timeoutMilliseconds: max(1, Int(deadline.timeIntervalSinceNow * 1000))) else { return nil }
            if isRouter { peer = frames.removeFirst() }
            guard let envelope = try? Envelope.decode(frames, on: incoming) else { continue }
            if verbs.isEmpty || verbs.contains(envelope.message.verb) { return envelope.message }
        }
        return nil
    }

    /// The next message of type `verb`, or a test failure.
    func expect(_ verb: String, within seconds: Double = 10, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Message {
        try #require(try receive([verb], within: seconds), "no \(verb) from \(endpoint) within \(seconds) s", sourceLocation: sourceLocation)
    }

    /// A worker's `HELLO` for `model`'s digest.
    static func hello(worker: String, modelDigest: String, held: [LeaseRef] = []) -> Message {
        .hello(WorkerHello(workerID: worker, incarnation: UUID().uuidString, engineVersion: "e2e-test", modelDigest: modelDigest,
                           host: HostFacts(hostname: "test-host", cpuCores: 1, memoryBytes: 1 << 30), slots: 1, heldLeases: held))
    }

    /// Frames that are not RFP/1 messages in as many ways as the decoder distinguishes: empty, a wrong
    /// tag, an unknown verb, a header that is not JSON, a truncated real message, and a message for the
    /// other direction (`wrongDirection`).
    static func malformedFrames(wrongDirection: Message) throws -> [[[UInt8]]] {
        let real = try Envelope(wrongDirection, sentAt: Timestamp(Date())).encode()
        return [
            [[]],
            [Array("HTTP/1.1".utf8), Array("GET / HTTP/1.1\r\n\r\n".utf8)],
            [Array("RFP1".utf8), Array("NOPE".utf8), Array("{}".utf8)],
            [Array("RFP1".utf8), Array("HELLO".utf8), Array("{not json".utf8)],
            [Array("RFP1".utf8), Array("HELLO".utf8), Array("{\"id\":\"x\"}".utf8), [UInt8](repeating: 0xFF, count: 100)],
            Array(real.prefix(2)),
            real,
            (0..<40).map { _ in [UInt8](repeating: 0x7B, count: 3) },
        ]
    }
}
