import Foundation
import Testing
@testable import FarmProtocol

/// Malformed messages, each refused with the error that names what is wrong, and none trapping.
struct MalformedCorpusTests {
    @Test(arguments: MalformedCorpus.cases)
    func isRefusedWithItsError(_ malformed: MalformedCase) {
        #expect(throws: malformed.expected) {
            try Envelope.decode(malformed.frames, on: malformed.direction, limits: malformed.limits)
        }
    }

    @Test func corpusIsLargeAndCoversEveryErrorCase() {
        #expect(MalformedCorpus.cases.count >= 30)
        let covered = Set(MalformedCorpus.cases.compactMap { Mirror(reflecting: $0.expected).children.first?.label })
        let all: Set<String> = [
            "missingFrame", "tooManyFrames", "messageTooLarge", "notThisProtocol", "unsupportedVersion", "unknownMessageType",
            "unexpectedMessageType", "headerTooLarge", "headerNotJSON", "missingField", "unknownField", "wrongType",
            "numberOutOfRange", "invalidValue", "tooManyBlobs", "blobFrameCountMismatch", "blobTooLarge", "blobSizeMismatch",
            "blobChecksumMismatch", "wrongBlobs",
        ]
        #expect(covered == all)
        #expect(Set(MalformedCorpus.cases.map(\.name)).count == MalformedCorpus.cases.count, "names are unique")
    }

    @Test func errorsSayWhichFrame() {
        #expect(ProtocolError.missingField(field: "task.seed").description == "frame 2: task.seed: missing")
        #expect(ProtocolError.blobChecksumMismatch(frame: 3, name: "image", declared: "aa", actual: "bb").description
                == "frame 3: blob 'image' has SHA-256 bb, header says aa")
        #expect(ProtocolError.tooManyFrames(count: 10_000, limit: 19).description == "10000 frames, at most 19 allowed")
        for malformed in MalformedCorpus.cases {
            #expect(!malformed.expected.description.isEmpty)
        }
    }
}

/// One malformed message and the error it must give.
struct MalformedCase: Sendable, CustomStringConvertible {
    let name: String
    let frames: [[UInt8]]
    var direction = Direction.workerToCoordinator
    var limits = WireLimits.standard
    let expected: ProtocolError

    var description: String { name }
}

enum MalformedCorpus {
    static let tag = Array("RFP1".utf8)
    static let msgID = "00000000-0000-4000-8000-000000000003"
    static let readyHeader = #"{"blobs":[],"credits":2,"msg_id":"\#(msgID)","sent_at":1700000000123}"#

    /// `READY` with `header` as its header frame.
    static func ready(_ header: String) -> [[UInt8]] {
        [tag, Array("READY".utf8), Array(header.utf8)]
    }

    /// `READY` with its `credits` value written as `literal`.
    static func credits(_ literal: String) -> [[UInt8]] {
        ready(readyHeader.replacingOccurrences(of: #""credits":2"#, with: #""credits":\#(literal)"#))
    }

    /// The frames of the sample named `name`.
    static func frames(of name: String) -> [[UInt8]] {
        Samples.named(name).flatMap { try? $0.envelope.encode() } ?? []
    }

    /// The sample's frames with `old` replaced by `new` in the header. (Were `old` missing, the frames
    /// would stay valid and the case would fail for want of an error.)
    static func edited(_ name: String, _ old: String, _ new: String) -> [[UInt8]] {
        var frames = frames(of: name)
        guard frames.count > 2 else { return frames }
        let header = String(decoding: frames[2], as: UTF8.self)
        frames[2] = Array(header.replacingOccurrences(of: old, with: new).utf8)
        return frames
    }

    static let resultImage = Samples.pngLike()
    static let resultDigest = SHA256.hexDigest(resultImage)
    static let resultSample = "RESULT with scores"

    /// A `RESULT` whose blob list is `blobs` (JSON) and whose blob frames are `frames`.
    static func result(blobs: String, frames blobFrames: [[UInt8]]) -> [[UInt8]] {
        let frames = frames(of: resultSample)
        guard frames.count > 2 else { return frames }
        let header = String(decoding: frames[2], as: UTF8.self)
        let listed = #""blobs":[{"mime":"image/png","name":"image","sha256":"\#(resultDigest)","size":72}]"#
        return Array(frames[0 ..< 2]) + [Array(header.replacingOccurrences(of: listed, with: #""blobs":\#(blobs)"#).utf8)] + blobFrames
    }

    static let deepPrefix = #"{"blobs":[],"x":"#
    static let hugeNumber = "1" + String(repeating: "0", count: 400)
    static let gif = Array("GIF89a, not a PNG".utf8)
    static let flippedImage: [UInt8] = {
        var image = resultImage
        image[20] ^= 0x01
        return image
    }()

    static let cases: [MalformedCase] = [
        // Framing.
        MalformedCase(name: "no frames", frames: [], expected: .missingFrame(index: 0, expected: "the protocol tag RFP1")),
        MalformedCase(name: "tag only", frames: [tag], expected: .missingFrame(index: 1, expected: "the message type")),
        MalformedCase(name: "tag and type only", frames: [tag, Array("READY".utf8)], expected: .missingFrame(index: 2, expected: "the header")),
        MalformedCase(name: "10 000 frames", frames: ready(readyHeader) + Array(repeating: [], count: 9_997),
                      expected: .tooManyFrames(count: 10_000, limit: 19)),
        MalformedCase(name: "message over the limit", frames: frames(of: resultSample),
                      limits: WireLimits(maxBlobBytes: 1 << 20, maxMessageBytes: 100),
                      expected: .messageTooLarge(bytes: frames(of: resultSample).reduce(0) { $0 + $1.count }, limit: 100)),
        // Frame 0.
        MalformedCase(name: "empty tag", frames: [[], Array("READY".utf8), Array(readyHeader.utf8)], expected: .notThisProtocol(tag: "")),
        MalformedCase(name: "binary tag", frames: [[0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f]] + ready(readyHeader).dropFirst(),
                      expected: .notThisProtocol(tag: #"\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f"#)),
        MalformedCase(name: "lowercase tag", frames: [Array("rfp1".utf8)] + ready(readyHeader).dropFirst(), expected: .notThisProtocol(tag: "rfp1")),
        MalformedCase(name: "HTTP request line as tag", frames: [Array("GET / HTTP/1.1\r\nHost: x".utf8)],
                      expected: .notThisProtocol(tag: #"GET / HTTP/1.1\x0d\x0a…"#)),
        MalformedCase(name: "version 2", frames: [Array("RFP2".utf8)] + ready(readyHeader).dropFirst(), expected: .unsupportedVersion(tag: "RFP2")),
        MalformedCase(name: "version 10, nothing else", frames: [Array("RFP10".utf8)], expected: .unsupportedVersion(tag: "RFP10")),
        // Frame 1.
        MalformedCase(name: "unknown verb", frames: [tag, Array("HELO".utf8), Array(readyHeader.utf8)], expected: .unknownMessageType(verb: "HELO")),
        MalformedCase(name: "lowercase verb", frames: [tag, Array("ready".utf8), Array(readyHeader.utf8)], expected: .unknownMessageType(verb: "ready")),
        MalformedCase(name: "empty verb", frames: [tag, [], Array(readyHeader.utf8)], expected: .unknownMessageType(verb: "")),
        MalformedCase(name: "17-letter verb", frames: [tag, Array("ABCDEFGHIJKLMNOPQ".utf8), Array(readyHeader.utf8)],
                      expected: .unknownMessageType(verb: "ABCDEFGHIJKLMNOP…")),
        MalformedCase(name: "binary verb", frames: [tag, [0x00, 0xff], Array(readyHeader.utf8)], expected: .unknownMessageType(verb: #"\x00\xff"#)),
        MalformedCase(name: "ASSIGN sent by a worker", frames: frames(of: "ASSIGN"),
                      expected: .unexpectedMessageType(verb: "ASSIGN", direction: .workerToCoordinator)),
        MalformedCase(name: "SUBMIT on the worker socket", frames: frames(of: "SUBMIT"),
                      expected: .unexpectedMessageType(verb: "SUBMIT", direction: .workerToCoordinator)),
        // Frame 2: size and syntax.
        MalformedCase(name: "1 MiB header", frames: ready(#"{"blobs":[],"pad":""# + String(repeating: "a", count: (1 << 20) - 21) + #""}"#),
                      expected: .headerTooLarge(bytes: 1 << 20, limit: 65_536)),
        MalformedCase(name: "empty header", frames: ready(""), expected: .headerNotJSON(offset: 0, reason: "unexpected end of input, expected a value")),
        MalformedCase(name: "truncated header", frames: ready(#"{"blobs":[],"credits":"#),
                      expected: .headerNotJSON(offset: 22, reason: "unexpected end of input, expected a value")),
        MalformedCase(name: "binary garbage", frames: ready("\u{0}\u{1}garbage"),
                      expected: .headerNotJSON(offset: 0, reason: #"unexpected '\x00', expected a value"#)),
        MalformedCase(name: "trailing garbage", frames: ready(readyHeader + "x"),
                      expected: .headerNotJSON(offset: readyHeader.utf8.count, reason: "unexpected 'x' after the value")),
        MalformedCase(name: "NaN", frames: credits("NaN"), expected: .headerNotJSON(offset: 22, reason: "unexpected 'N', expected a value")),
        MalformedCase(name: "Infinity", frames: credits("-Infinity"),
                      expected: .headerNotJSON(offset: 23, reason: "unexpected 'I', expected a digit")),
        MalformedCase(name: "leading zero", frames: credits("02"), expected: .headerNotJSON(offset: 23, reason: "leading zero in a number")),
        MalformedCase(name: "member given twice", frames: ready(#"{"credits":1,"# + readyHeader.dropFirst()),
                      expected: .headerNotJSON(offset: 24, reason: #"member "credits" appears twice in one object"#)),
        MalformedCase(name: "nested 100 deep", frames: ready(deepPrefix + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"),
                      expected: .headerNotJSON(offset: deepPrefix.utf8.count + 31, reason: "nested deeper than 32 levels")),
        MalformedCase(name: "invalid UTF-8", frames: [tag, Array("BYE".utf8), Array(#"{"blobs":[],"reason":""#.utf8) + [0xff, 0xfe] + Array(#""}"#.utf8)],
                      expected: .headerNotJSON(offset: 21, reason: "string is not valid UTF-8")),
        MalformedCase(name: "lone surrogate escape", frames: ready(#"{"blobs":[],"reason":"\ud800"}"#),
                      expected: .headerNotJSON(offset: 22, reason: "high surrogate escape without its low surrogate")),
        MalformedCase(name: "raw newline in a string", frames: ready("{\"blobs\":[],\"reason\":\"a\nb\"}"),
                      expected: .headerNotJSON(offset: 23, reason: "control character 0x0a inside a string (must be escaped)")),
        MalformedCase(name: "byte-order mark", frames: [tag, Array("READY".utf8), [0xef, 0xbb, 0xbf] + Array(readyHeader.utf8)],
                      expected: .headerNotJSON(offset: 0, reason: #"unexpected '\xef', expected a value"#)),
        // Frame 2: fields.
        MalformedCase(name: "header is an array", frames: ready("[]"), expected: .wrongType(field: "(header)", expected: "an object", found: "an array")),
        MalformedCase(name: "missing msg_id", frames: ready(#"{"blobs":[],"credits":2,"sent_at":1}"#), expected: .missingField(field: "msg_id")),
        MalformedCase(name: "msg_id not a UUID", frames: ready(readyHeader.replacingOccurrences(of: msgID, with: "not-a-uuid")),
                      expected: .invalidValue(field: "msg_id", reason: "'not-a-uuid' is not a lowercase UUID")),
        MalformedCase(name: "msg_id in capitals", frames: ready(readyHeader.replacingOccurrences(of: msgID, with: "0000000A-0000-4000-8000-000000000003")),
                      expected: .invalidValue(field: "msg_id", reason: "'0000000A-0000-4000-8000-000000000003' is not a lowercase UUID")),
        MalformedCase(name: "negative sent_at", frames: ready(readyHeader.replacingOccurrences(of: "1700000000123", with: "-5")),
                      expected: .numberOutOfRange(field: "sent_at", literal: "-5", type: "UInt64")),
        MalformedCase(name: "missing credits", frames: ready(#"{"blobs":[],"msg_id":"\#(msgID)","sent_at":1}"#), expected: .missingField(field: "credits")),
        MalformedCase(name: "misspelt credits", frames: ready(readyHeader.replacingOccurrences(of: "credits", with: "credit")),
                      expected: .missingField(field: "credits")),
        MalformedCase(name: "unknown field", frames: ready(readyHeader.replacingOccurrences(of: #""credits":2"#, with: #""credits":2,"priority":1"#)),
                      expected: .unknownField(field: "priority")),
        MalformedCase(name: "unknown nested field", frames: edited("ASSIGN", #""steps":50}"#, #""steps":50,"colour":"red"}"#),
                      direction: .coordinatorToWorker, expected: .unknownField(field: "task.colour")),
        MalformedCase(name: "negative count", frames: credits("-1"), expected: .numberOutOfRange(field: "credits", literal: "-1", type: "UInt32")),
        MalformedCase(name: "count past UInt32", frames: credits("4294967296"),
                      expected: .numberOutOfRange(field: "credits", literal: "4294967296", type: "UInt32")),
        MalformedCase(name: "400-digit count", frames: credits(hugeNumber),
                      expected: .numberOutOfRange(field: "credits", literal: String(hugeNumber.prefix(40)) + "…", type: "UInt32")),
        MalformedCase(name: "fractional count", frames: credits("1.5"), expected: .wrongType(field: "credits", expected: "an integer", found: "number 1.5")),
        MalformedCase(name: "count with exponent", frames: credits("2e0"), expected: .wrongType(field: "credits", expected: "an integer", found: "number 2e0")),
        MalformedCase(name: "count as a string", frames: credits(#""2""#), expected: .wrongType(field: "credits", expected: "an integer", found: "a string")),
        MalformedCase(name: "null count", frames: credits("null"), expected: .wrongType(field: "credits", expected: "an integer", found: "null")),
        MalformedCase(name: "lease id past UInt64", frames: edited("HEARTBEAT from a worker", "18446744073709551615", "18446744073709551616"),
                      expected: .numberOutOfRange(field: "active[0].lease_id", literal: "18446744073709551616", type: "UInt64")),
        MalformedCase(name: "elapsed time overflows a Double", frames: edited("HEARTBEAT from a worker", "21.25", "1e400"),
                      expected: .numberOutOfRange(field: "active[0].elapsed_seconds", literal: "1e400", type: "Double")),
        MalformedCase(name: "guidance overflows a Float", frames: edited("ASSIGN", #""guidance":7.5"#, #""guidance":1e39"#),
                      direction: .coordinatorToWorker, expected: .numberOutOfRange(field: "task.guidance", literal: "1e39", type: "Float")),
        MalformedCase(name: "unknown failure class", frames: edited("FAIL", #""class":"worker""#, #""class":"cosmic""#),
                      expected: .invalidValue(field: "class", reason: "'cosmic' is not one of transient, task, worker")),
        MalformedCase(name: "task id in capitals", frames: edited("FAIL", Samples.taskID, Samples.taskID.uppercased()),
                      expected: .invalidValue(field: "task_id", reason: "must be 64 lowercase hex digits")),
        MalformedCase(name: "step past steps", frames: edited("HEARTBEAT from a worker", #""step":17"#, #""step":51"#),
                      expected: .invalidValue(field: "active[0].step", reason: "step 51 is past steps 50")),
        MalformedCase(name: "lease id 0", frames: edited("FAIL", #""lease_id":41"#, #""lease_id":0"#),
                      expected: .invalidValue(field: "lease_id", reason: "lease ids start at 1")),
        MalformedCase(name: "box corners unsorted", frames: edited("ASSIGN", #""x0":48"#, #""x0":300"#), direction: .coordinatorToWorker,
                      expected: .invalidValue(field: "task.box.x1", reason: "must be ≥ x0 (corners sorted)")),
        MalformedCase(name: "box as a string", frames: edited("ASSIGN", #""box":{"x0":48,"x1":208,"y0":48,"y1":208}"#, #""box":"48,48,208,208""#),
                      direction: .coordinatorToWorker, expected: .wrongType(field: "task.box", expected: "an object", found: "a string")),
        // Blobs.
        MalformedCase(name: "extra frame after the header", frames: ready(readyHeader) + [[1, 2, 3]],
                      expected: .blobFrameCountMismatch(declared: 0, frames: 1)),
        MalformedCase(name: "RESULT without its blob frame", frames: Array(frames(of: resultSample).prefix(3)),
                      expected: .blobFrameCountMismatch(declared: 1, frames: 0)),
        MalformedCase(name: "17 blobs listed", frames: result(blobs: "[" + Array(repeating: #"{"mime":"a","name":"b","sha256":"c","size":0}"#, count: 17).joined(separator: ",") + "]", frames: []),
                      expected: .tooManyBlobs(count: 17, limit: 16)),
        MalformedCase(name: "PNG byte flipped in transit", frames: Array(frames(of: resultSample).prefix(3)) + [flippedImage],
                      expected: .blobChecksumMismatch(frame: 3, name: "image", declared: resultDigest, actual: SHA256.hexDigest(flippedImage))),
        MalformedCase(name: "PNG cut short", frames: Array(frames(of: resultSample).prefix(3)) + [Array(resultImage.prefix(40))],
                      expected: .blobSizeMismatch(frame: 3, name: "image", declared: 72, actual: 40)),
        MalformedCase(name: "blob over the limit", frames: frames(of: resultSample), limits: WireLimits(maxBlobBytes: 16, maxMessageBytes: 1 << 20),
                      expected: .blobTooLarge(frame: 3, name: "image", bytes: 72, limit: 16)),
        MalformedCase(name: "blob renamed", frames: result(blobs: #"[{"mime":"image/png","name":"picture","sha256":"\#(resultDigest)","size":72}]"#, frames: [resultImage]),
                      expected: .wrongBlobs(verb: "RESULT", reason: "carries 'image' (image/png), not 'picture' (image/png)")),
        MalformedCase(name: "image is not a PNG", frames: result(blobs: #"[{"mime":"image/png","name":"image","sha256":"\#(SHA256.hexDigest(gif))","size":\#(gif.count)}]"#, frames: [gif]),
                      expected: .wrongBlobs(verb: "RESULT", reason: "blob 'image' does not start with the PNG signature")),
        MalformedCase(name: "READY carrying a blob", frames: ready(readyHeader.replacingOccurrences(of: #""blobs":[]"#, with: #""blobs":[{"mime":"text/plain","name":"extra","sha256":"\#(SHA256.hexDigest([1]))","size":1}]"#)) + [[1]],
                      expected: .wrongBlobs(verb: "READY", reason: "carries no blobs, not 'extra' (text/plain)")),
        MalformedCase(name: "blob sha256 malformed", frames: result(blobs: #"[{"mime":"image/png","name":"image","sha256":"xyz","size":72}]"#, frames: [resultImage]),
                      expected: .invalidValue(field: "blobs[0].sha256", reason: "must be 64 lowercase hex digits")),
        MalformedCase(name: "blob entry without size", frames: result(blobs: #"[{"mime":"image/png","name":"image","sha256":"\#(resultDigest)"}]"#, frames: [resultImage]),
                      expected: .missingField(field: "blobs[0].size")),
        MalformedCase(name: "blobs missing", frames: ready(readyHeader.replacingOccurrences(of: #""blobs":[],"#, with: "")),
                      expected: .missingField(field: "blobs")),
    ]
}
