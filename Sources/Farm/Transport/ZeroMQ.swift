import CZeroMQ

/// Library-wide facts about the linked libzmq.
public enum ZeroMQ {
    /// The linked libzmq version, for example `4.3.4`.
    public static var version: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }

    /// Whether libzmq was built with a capability: `curve`, `ipc`, `pgm`, `tipc`, `norm`, `gssapi`, `draft`.
    public static func has(_ capability: String) -> Bool {
        zmq_has(capability) == 1
    }
}

/// A failed libzmq call: which operation, on what, and libzmq's errno and text.
public struct ZeroMQError: Error, CustomStringConvertible, Equatable {
    public let operation: String
    public let code: Int32
    public let message: String

    init(_ operation: String, code: Int32 = zmq_errno()) {
        self.operation = operation
        self.code = code
        self.message = String(cString: zmq_strerror(code))
    }

    public var description: String { "ZeroMQ \(operation): \(message) (errno \(code))" }
}

/// A libzmq context: the I/O threads behind every socket made from it. Thread-safe; share it freely.
/// It is terminated when the last reference goes, which happens only after every socket made from it
/// is gone (each socket keeps its context alive).
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init() throws(ZeroMQError) {
        guard let handle = zmq_ctx_new() else { throw ZeroMQError("zmq_ctx_new") }
        self.handle = handle
    }

    deinit {
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}
