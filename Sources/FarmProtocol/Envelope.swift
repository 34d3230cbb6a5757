/// One RFP/1 message with its id and send time: what travels as frames.
///
/// Sending: `try Envelope(.ready(Ready(credits: 2)), sentAt: Timestamp(Date())).encode()` gives the
/// frames for the socket (a ROUTER adds the routing id in front). A resend reuses the envelope, so
/// the id stays the same.
///
/// Receiving: `try Envelope.decode(frames, on: .workerToCoordinator)` (routing id removed) checks,
/// in this order: the tag (another RFP version is `ProtocolError.unsupportedVersion`); the frame
/// count and total size; the message type and its direction; the header's size and JSON syntax;
/// the envelope fields; the blob frames against the header's list (count, sizes, names, media
/// types, PNG signature); the body's fields, with unknown fields refused; the field rules; and,
/// last because it is the costly one, each blob's SHA-256. Whatever the bytes, it returns or
/// throws; it never traps.
///
/// `encode` applies the same rules, so an envelope that encodes also decodes, to an equal value.
public struct Envelope: Sendable, Hashable {
    /// The message id (`msg_id`).
    public var id: MessageID
    /// When the sender made the message (`sent_at`).
    public var sentAt: Timestamp
    public var message: Message

    /// An envelope for `message`; the time is the caller's, since this module reads no clock.
    public init(_ message: Message, id: MessageID = .random(), sentAt: Timestamp) {
        self.id = id
        self.sentAt = sentAt
        self.message = message
    }

    /// The frames: tag, type, header, blobs. Throws when a field breaks a rule (the receiver would
    /// refuse it) or a limit is exceeded.
    public func encode(limits: WireLimits = .standard) throws(ProtocolError) -> [[UInt8]] {
        let kind = message.kind
        let body = message.body
        try body.validate(at: "")
        let blobs = message.blobs
        var descriptors: [BlobDescriptor] = []
        for (index, (slot, blob)) in zip(kind.blobSlots, blobs).enumerated() {
            guard blob.bytes.count <= limits.maxBlobBytes else {
                throw .blobTooLarge(frame: 3 + index, name: slot.name, bytes: blob.bytes.count, limit: limits.maxBlobBytes)
            }
            try Self.checkContent(blob.bytes, of: slot, verb: kind.rawValue)
            descriptors.append(BlobDescriptor(name: slot.name, sha256: blob.sha256, size: UInt64(blob.bytes.count), mime: slot.mime))
        }
        let fields = EnvelopeFields(msgID: id, sentAt: sentAt, blobs: descriptors)
        let header: [UInt8]
        do {
            header = JSONWriter.bytes(of: try WireEncoder.encodeObject(fields, body))
        } catch {
            throw error.protocolError
        }
        guard header.count <= RFP1.maxHeaderBytes else { throw .headerTooLarge(bytes: header.count, limit: RFP1.maxHeaderBytes) }
        let verb = Array(kind.rawValue.utf8)
        let total = blobs.reduce(RFP1.tag.count + verb.count + header.count) { $0 + $1.bytes.count }
        guard total <= limits.maxMessageBytes else { throw .messageTooLarge(bytes: total, limit: limits.maxMessageBytes) }
        return [RFP1.tag, verb, header] + blobs.map(\.bytes)
    }

    /// The envelope in `frames` (without the routing id), received from the peer on the far end of
    /// `direction`.
    public static func decode(_ frames: [[UInt8]], on direction: Direction, limits: WireLimits = .standard) throws(ProtocolError) -> Envelope {
        guard let tag = frames.first else { throw .missingFrame(index: 0, expected: "the protocol tag \(RFP1.tagText)") }
        try checkTag(tag)
        guard frames.count <= RFP1.maxFrames else { throw .tooManyFrames(count: frames.count, limit: RFP1.maxFrames) }
        let total = frames.reduce(0) { $0 + $1.count }
        guard total <= limits.maxMessageBytes else { throw .messageTooLarge(bytes: total, limit: limits.maxMessageBytes) }
        guard frames.count >= 2 else { throw .missingFrame(index: 1, expected: "the message type") }
        let kind = try messageKind(frames[1])
        guard kind.directions.contains(direction) else { throw .unexpectedMessageType(verb: kind.rawValue, direction: direction) }
        guard frames.count >= 3 else { throw .missingFrame(index: 2, expected: "the header") }
        guard frames[2].count <= RFP1.maxHeaderBytes else { throw .headerTooLarge(bytes: frames[2].count, limit: RFP1.maxHeaderBytes) }
        let json: JSONValue
        do {
            json = try JSONParser.parse(frames[2])
        } catch {
            throw .headerNotJSON(offset: error.offset, reason: error.reason)
        }

        let header = HeaderReader(json)
        let fields = try reading { () throws(HeaderFieldError) in try header.read(EnvelopeFields.self) }
        let blobs = try matchBlobs(fields.blobs, to: Array(frames.dropFirst(3)), of: kind, limits: limits)
        let message = try reading { () throws(HeaderFieldError) in
            let message = try Message.read(kind, on: direction, from: header, blobs: blobs)
            try header.requireEverythingRead()
            return message
        }
        try message.body.validate(at: "")
        for (index, blob) in blobs.enumerated() {
            let actual = SHA256.hexDigest(blob.bytes)
            guard actual == blob.sha256 else {
                throw .blobChecksumMismatch(frame: 3 + index, name: fields.blobs[index].name, declared: blob.sha256, actual: actual)
            }
        }
        return Envelope(message, id: fields.msgID, sentAt: fields.sentAt)
    }

    /// Frame 0 must be `RFP1`; `RFP` and other digits is a version mismatch.
    private static func checkTag(_ tag: [UInt8]) throws(ProtocolError) {
        guard tag != RFP1.tag else { return }
        let isRFPTag = (4 ... 16).contains(tag.count) && tag.starts(with: Array("RFP".utf8))
            && tag.dropFirst(3).allSatisfy { (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains($0) }
        throw isRFPTag ? .unsupportedVersion(tag: Hex.preview(tag)) : .notThisProtocol(tag: Hex.preview(tag))
    }

    private static func messageKind(_ verb: [UInt8]) throws(ProtocolError) -> MessageKind {
        guard (1 ... RFP1.maxVerbBytes).contains(verb.count),
              verb.allSatisfy({ (UInt8(ascii: "A") ... UInt8(ascii: "Z")).contains($0) }),
              let kind = MessageKind(rawValue: String(decoding: verb, as: UTF8.self))
        else { throw .unknownMessageType(verb: Hex.preview(verb)) }
        return kind
    }

    /// Pairs the header's blob list with the blob frames and checks them against what `kind`
    /// carries: count, sizes, names and media types, PNG signatures. Checksums are left for last.
    private static func matchBlobs(_ descriptors: [BlobDescriptor], to frames: [[UInt8]], of kind: MessageKind,
                                   limits: WireLimits) throws(ProtocolError) -> [Blob] {
        guard descriptors.count <= RFP1.maxBlobs else { throw .tooManyBlobs(count: descriptors.count, limit: RFP1.maxBlobs) }
        guard descriptors.count == frames.count else { throw .blobFrameCountMismatch(declared: descriptors.count, frames: frames.count) }
        for (index, (descriptor, frame)) in zip(descriptors, frames).enumerated() {
            guard frame.count <= limits.maxBlobBytes else {
                throw .blobTooLarge(frame: 3 + index, name: descriptor.name, bytes: frame.count, limit: limits.maxBlobBytes)
            }
            guard descriptor.size == UInt64(frame.count) else {
                throw .blobSizeMismatch(frame: 3 + index, name: descriptor.name, declared: descriptor.size, actual: frame.count)
            }
            guard Hex.isLowercase(descriptor.sha256, count: 64) else {
                throw .invalidValue(field: "blobs[\(index)].sha256", reason: "must be 64 lowercase hex digits")
            }
        }
        let slots = descriptors.map { BlobSlot(name: $0.name, mime: $0.mime) }
        guard slots == kind.blobSlots else {
            throw .wrongBlobs(verb: kind.rawValue, reason: "carries \(describe(kind.blobSlots)), not \(describe(slots))")
        }
        for (slot, frame) in zip(slots, frames) { try checkContent(frame, of: slot, verb: kind.rawValue) }
        return zip(descriptors, frames).map { Blob(bytes: $1, sha256: $0.sha256) }
    }

    /// A PNG blob must start with the PNG signature.
    private static func checkContent(_ bytes: [UInt8], of slot: BlobSlot, verb: String) throws(ProtocolError) {
        guard slot.mime != "image/png" || bytes.starts(with: BlobSlot.pngSignature) else {
            throw .wrongBlobs(verb: verb, reason: "blob '\(slot.name)' does not start with the PNG signature")
        }
    }

    private static func describe(_ slots: [BlobSlot]) -> String {
        slots.isEmpty ? "no blobs" : slots.map { "'\($0.name.prefix(64))' (\($0.mime.prefix(64)))" }.joined(separator: ", ")
    }

    private static func reading<T>(_ body: () throws(HeaderFieldError) -> T) throws(ProtocolError) -> T {
        do {
            return try body()
        } catch {
            throw error.protocolError
        }
    }
}

/// The header fields every message has.
struct EnvelopeFields: Codable {
    var msgID: MessageID
    var sentAt: Timestamp
    var blobs: [BlobDescriptor]

    enum CodingKeys: String, CodingKey {
        case msgID = "msg_id", sentAt = "sent_at", blobs
    }
}
