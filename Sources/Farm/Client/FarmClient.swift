import Foundation
import FarmProtocol

/// The CLI's side of the coordinator's client socket: one request, one `REPLY`, with a timeout.
///
/// A DEALER socket per client; not Sendable (one owner thread, like every socket here).
public final class FarmClient {
    private let socket: ZMQSocket
    private let endpoint: String
    private let timeout: TimeInterval

    /// Connects to the coordinator's client endpoint (e.g. `tcp://127.0.0.1:5556`).
    public init(endpoint: String, timeout: TimeInterval = 10, context: ZMQContext? = nil) throws {
        socket = try ZMQSocket(.dealer, context: context ?? ZMQContext())
        try socket.setMaximumMessageSize(Int64(WireLimits.standard.maxMessageBytes))
        try socket.setSendTimeout(milliseconds: Int32(clamping: Int(timeout * 1000)))
        try socket.connect(endpoint)
        self.endpoint = endpoint
        self.timeout = timeout
    }

    /// Sends `message` (`SUBMIT`, `CONTROL` or `QUERY`) and waits for its `REPLY`.
    public func request(_ message: Message) throws(FarmClientError) -> StatusReply {
        let envelope = Envelope(message, sentAt: Timestamp(Date()))
        do {
            try socket.send(try envelope.encode())
        } catch {
            throw FarmClientError(endpoint: endpoint, problem: "cannot send \(message.verb): \(error)")
        }
        let deadline = Date() + timeout
        while Date() < deadline {
            let frames: [[UInt8]]?
            do {
                frames = try socket.receive(timeoutMilliseconds: Int(max(1, deadline.timeIntervalSinceNow * 1000)))
            } catch {
                throw FarmClientError(endpoint: endpoint, problem: "receive failed: \(error)")
            }
            guard let frames else { break }
            let answer: Envelope
            do {
                answer = try Envelope.decode(frames, on: .coordinatorToClient)
            } catch {
                throw FarmClientError(endpoint: endpoint, problem: "unreadable answer: \(error)")
            }
            switch answer.message {
            case .reply(let reply) where reply.inReplyTo == envelope.id:
                return reply
            case .reject(let reject):
                throw FarmClientError(endpoint: endpoint, problem: "refused (\(reject.reason.rawValue)): \(reject.detail)")
            default:
                continue // an answer to an earlier request that timed out
            }
        }
        throw FarmClientError(endpoint: endpoint, problem: "no answer within \(Int(timeout)) s; is `customnet coordinator` running there?")
    }
}

/// A request that got no usable answer: the endpoint and why.
public struct FarmClientError: Error, Sendable, CustomStringConvertible {
    public let endpoint: String
    public let problem: String
    public var description: String { "coordinator at \(endpoint): \(problem)" }
}
