/// How large a message a receiver accepts (and a sender may produce). The header size and blob
/// count are fixed by the protocol (`RFP1`); these two are set per deployment, and both ends
/// should agree. Set the socket's `ZMQ_MAXMSGSIZE` to `maxBlobBytes` or a little more: libzmq
/// checks it per frame, these limits check the blob frames and the whole message.
public struct WireLimits: Sendable, Hashable {
    /// The largest blob frame.
    public var maxBlobBytes: Int
    /// The largest message, all frames together.
    public var maxMessageBytes: Int

    public init(maxBlobBytes: Int, maxMessageBytes: Int) {
        self.maxBlobBytes = maxBlobBytes
        self.maxMessageBytes = maxMessageBytes
    }

    /// 32 MiB per blob, 64 MiB per message: a 1024² PNG is about 3 MB.
    public static let standard = WireLimits(maxBlobBytes: 32 << 20, maxMessageBytes: 64 << 20)
}
