import CZeroMQ

/// One ZeroMQ socket with exactly one owner.
///
/// libzmq sockets are not thread-safe, even behind a lock (libzmq#3200 and friends), so this class is
/// deliberately not `Sendable`: the compiler keeps it on the thread that made it. Threads talk to each
/// other through their own sockets (for example `inproc://` pairs), never by sharing one.
/// Linger defaults to 0 so that closing a socket never blocks on a peer that went away.
public final class ZMQSocket {
    /// The socket patterns the farm uses.
    public enum Kind: Sendable {
        case router, dealer, pair, push, pull

        var raw: Int32 {
            switch self {
            case .router: ZMQ_ROUTER
            case .dealer: ZMQ_DEALER
            case .pair: ZMQ_PAIR
            case .push: ZMQ_PUSH
            case .pull: ZMQ_PULL
            }
        }
    }

    private let context: ZMQContext
    private var handle: UnsafeMutableRawPointer?
    public let kind: Kind

    public init(_ kind: Kind, context: ZMQContext) throws(ZeroMQError) {
        guard let handle = zmq_socket(context.handle, kind.raw) else { throw ZeroMQError("zmq_socket(\(kind))") }
        self.context = context
        self.handle = handle
        self.kind = kind
        try setOption(ZMQ_LINGER, Int32(0), "ZMQ_LINGER")
    }

    deinit { close() }

    /// Closes the socket now; later calls throw `ENOTSOCK`. Closing twice is harmless.
    public func close() {
        if let handle { zmq_close(handle) }
        handle = nil
    }

    /// Binds to `endpoint` and returns the endpoint actually bound, so `tcp://127.0.0.1:*` gives back the
    /// port the system chose.
    @discardableResult
    public func bind(_ endpoint: String) throws(ZeroMQError) -> String {
        let socket = try live("bind")
        guard zmq_bind(socket, endpoint) == 0 else { throw ZeroMQError("bind \(endpoint)") }
        var buffer = [CChar](repeating: 0, count: 256)
        var size = buffer.count
        guard zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else { throw ZeroMQError("ZMQ_LAST_ENDPOINT") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Starts connecting to `endpoint`; libzmq connects (and reconnects) in the background.
    public func connect(_ endpoint: String) throws(ZeroMQError) {
        guard zmq_connect(try live("connect"), endpoint) == 0 else { throw ZeroMQError("connect \(endpoint)") }
    }

    /// Sends a multipart message, all frames or none. Blocks while the high-water mark is reached or no peer
    /// is connected, up to the send timeout (`EAGAIN` after it).
    /// - Precondition: at least one frame.
    public func send(_ frames: [[UInt8]]) throws(ZeroMQError) {
        precondition(!frames.isEmpty, "ZMQSocket.send needs at least one frame")
        let socket = try live("send")
        for (index, frame) in frames.enumerated() {
            let flags = index == frames.count - 1 ? 0 : ZMQ_SNDMORE
            var sent: Int32
            repeat {
                sent = frame.withUnsafeBytes { zmq_send(socket, $0.baseAddress, $0.count, flags) }
            } while sent < 0 && zmq_errno() == EINTR
            guard sent >= 0 else { throw ZeroMQError("send frame \(index + 1) of \(frames.count)") }
        }
    }

    /// Receives one whole multipart message, waiting at most `timeoutMilliseconds` (−1: forever).
    /// Returns nil when nothing arrived in time.
    public func receive(timeoutMilliseconds: Int = -1) throws(ZeroMQError) -> [[UInt8]]? {
        let socket = try live("receive")
        guard try ZMQSocket.poll([self], timeoutMilliseconds: timeoutMilliseconds)[0] else { return nil }
        var frames: [[UInt8]] = []
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        repeat {
            var received: Int32
            repeat {
                received = zmq_msg_recv(&message, socket, frames.isEmpty ? ZMQ_DONTWAIT : 0)
            } while received < 0 && zmq_errno() == EINTR
            guard received >= 0 else { throw ZeroMQError("receive frame \(frames.count + 1)") }
            let data = zmq_msg_data(&message).assumingMemoryBound(to: UInt8.self)
            frames.append(Array(UnsafeBufferPointer(start: data, count: zmq_msg_size(&message))))
        } while zmq_msg_more(&message) == 1
        return frames
    }

    /// Waits until at least one of `sockets` has a message to read, or the timeout passes (−1: forever).
    /// Returns, per socket, whether it is readable. All sockets must belong to the calling thread.
    public static func poll(_ sockets: [ZMQSocket], timeoutMilliseconds: Int) throws(ZeroMQError) -> [Bool] {
        var items: [zmq_pollitem_t] = []
        for socket in sockets {
            items.append(zmq_pollitem_t(socket: try socket.live("poll"), fd: 0, events: Int16(ZMQ_POLLIN), revents: 0))
        }
        var ready: Int32
        repeat {
            ready = zmq_poll(&items, Int32(items.count), timeoutMilliseconds)
        } while ready < 0 && zmq_errno() == EINTR
        guard ready >= 0 else { throw ZeroMQError("poll") }
        return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }

    /// The largest message (all frames together) this socket accepts; a peer sending more is disconnected
    /// by libzmq before the message reaches the application. −1 means no limit.
    public func setMaximumMessageSize(_ bytes: Int64) throws(ZeroMQError) {
        try setOption(ZMQ_MAXMSGSIZE, bytes, "ZMQ_MAXMSGSIZE")
    }

    /// For ROUTER sockets: sending to an unknown peer throws `EHOSTUNREACH` instead of dropping silently.
    public func setRouterMandatory(_ on: Bool) throws(ZeroMQError) {
        try setOption(ZMQ_ROUTER_MANDATORY, Int32(on ? 1 : 0), "ZMQ_ROUTER_MANDATORY")
    }

    /// How long `send` may wait, in milliseconds, before it throws `EAGAIN` (−1, libzmq's default: forever).
    /// A DEALER with no connection left (libzmq does not reconnect after a protocol error, such as a peer's
    /// message over `ZMQ_MAXMSGSIZE`) or a ROUTER whose peer stopped reading would otherwise block forever.
    public func setSendTimeout(milliseconds: Int32) throws(ZeroMQError) {
        try setOption(ZMQ_SNDTIMEO, milliseconds, "ZMQ_SNDTIMEO")
    }

    /// How long `close` may hold unsent messages, in milliseconds (−1: until sent).
    public func setLinger(milliseconds: Int32) throws(ZeroMQError) {
        try setOption(ZMQ_LINGER, milliseconds, "ZMQ_LINGER")
    }

    private func setOption<Value: BitwiseCopyable>(_ option: Int32, _ value: Value, _ name: String) throws(ZeroMQError) {
        let socket = try live(name)
        var value = value
        guard zmq_setsockopt(socket, option, &value, MemoryLayout<Value>.size) == 0 else { throw ZeroMQError(name) }
    }

    private func live(_ operation: String) throws(ZeroMQError) -> UnsafeMutableRawPointer {
        guard let handle else { throw ZeroMQError("\(operation) on a closed socket", code: ENOTSOCK) }
        return handle
    }
}
