/// RFP/1, the farm's wire protocol: the format (described here) and its fixed limits. `Envelope`
/// encodes and decodes it; `Message` lists the message types; `WireLimits` holds the limits set per
/// deployment.
///
/// A message is a ZeroMQ multipart message (the ROUTER's routing-id frame is added and stripped
/// outside this module; DEALER↔ROUTER has no empty delimiter frame):
///
/// | frame | content |
/// |---|---|
/// | 0 | the tag `RFP1` (4 ASCII bytes) |
/// | 1 | the message type, an ASCII verb of 1…16 capital letters: `HELLO`, `ASSIGN`, … |
/// | 2 | the header, one JSON object (UTF-8, ≤ 64 KiB): `msg_id`, `sent_at`, `blobs`, and the type's fields |
/// | 3… | the blobs, in the order `blobs` lists them (at most 16) |
///
/// Header rules: field names are snake_case; `msg_id` is a lowercase UUID; `sent_at` is whole
/// milliseconds since 1970-01-01 UTC; `blobs` is always present (`[]` for none), each entry
/// `{"mime", "name", "sha256", "size"}` with the frame's lowercase hex SHA-256 and byte count.
/// Integers are JSON integers that fit their field exactly (64-bit ids are not rounded through
/// doubles); floating-point fields are finite. An absent optional field is left out (`null` is
/// read as absent). Every field of an object must be one the type knows: unknown fields are
/// errors, so any change to a message's fields is a new protocol version. Encoders write members
/// sorted by name without whitespace (`JSONWriter`), so the same message gives the same bytes.
///
/// Why SHA-256 for blobs rather than CRC-32C: besides catching damage in transit, the digest is the
/// content address the coordinator stores an image under and the `result_sha256` its ledger records,
/// so one hash serves all three; a CRC would need the SHA-256 computed anyway. It is not a security
/// measure (anyone can recompute it): integrity against a hostile network is CURVE's job. SHA-256 is
/// implemented in this module (`SHA256`, about 230 MB/s optimised, so ~15 ms for a 3 MB PNG)
/// because FarmProtocol imports Foundation only.
public enum RFP1 {
    /// Frame 0 of every RFP/1 message.
    public static let tag: [UInt8] = Array(tagText.utf8)
    /// `RFP1`.
    public static let tagText = "RFP1"
    /// The largest header frame, 64 KiB.
    public static let maxHeaderBytes = 64 * 1024
    /// The most blob frames one message carries.
    public static let maxBlobs = 16
    /// The longest message-type verb.
    public static let maxVerbBytes = 16
    /// The most frames one message has: tag, type, header, blobs.
    public static let maxFrames = 3 + maxBlobs
}
