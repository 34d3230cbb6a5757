import Testing
@testable import FarmProtocol

/// Randomised inputs from fixed seeds: random frame lists and mutations of valid messages. Decoding
/// must return or throw, never trap; whatever decodes must encode and decode again to the same value.
struct FuzzTests {
    /// 4 × 2 500 random frame lists, from mostly-garbage to well-framed random JSON headers.
    @Test(arguments: [UInt64(0xf022_0001), 0xf022_0002, 0xf022_0003, 0xf022_0004])
    func randomFrameListsNeverTrap(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var decoded = 0
        for _ in 0 ..< 2_500 {
            let frames = RandomFrames.frameList(using: &random)
            let direction = Direction.allCases.randomElement(using: &random) ?? .workerToCoordinator
            if checkDecoding(frames, on: direction) { decoded += 1 }
        }
        #expect(decoded < 2_500, "random input is mostly refused")
    }

    /// 4 × 2 500 valid messages with one to four mutations each.
    @Test(arguments: [UInt64(0x5eed_0001), 0x5eed_0002, 0x5eed_0003, 0x5eed_0004])
    func mutatedMessagesNeverTrap(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let encoded = try Samples.all.map { ($0, try $0.envelope.encode()) }
        var refused = 0
        for _ in 0 ..< 2_500 {
            guard let (sample, original) = encoded.randomElement(using: &random) else { return }
            var frames = original
            for _ in 0 ... Int.random(in: 0 ..< 4, using: &random) {
                RandomFrames.mutate(&frames, using: &random)
            }
            let direction = Int.random(in: 0 ..< 8, using: &random) == 0
                ? Direction.allCases.randomElement(using: &random) ?? sample.direction : sample.direction
            if !checkDecoding(frames, on: direction) { refused += 1 }
        }
        #expect(refused > 1_000, "most mutations are caught")
    }

    /// Every prefix of every frame of a few messages, and every message with a frame left out.
    @Test func everyTruncationIsRefused() throws {
        for name in ["ASSIGN", "RESULT with scores", "HELLO", "REPLY"] {
            let sample = try #require(Samples.named(name))
            let frames = try sample.envelope.encode()
            for index in frames.indices {
                for length in 0 ..< frames[index].count {
                    var cut = frames
                    cut[index] = Array(frames[index].prefix(length))
                    #expect(throws: ProtocolError.self, "\(name) frame \(index) cut to \(length) bytes") {
                        try Envelope.decode(cut, on: sample.direction)
                    }
                }
                var shorter = frames
                shorter.remove(at: index)
                #expect(throws: ProtocolError.self) { try Envelope.decode(shorter, on: sample.direction) }
            }
        }
    }

    /// Every single-bit error in a PNG blob is caught by its checksum (or, in the signature, sooner).
    @Test func everyFlippedImageBitIsCaught() throws {
        let sample = try #require(Samples.named("RESULT with scores"))
        let frames = try sample.envelope.encode()
        for position in frames[3].indices {
            for bit in 0 ..< 8 {
                var damaged = frames
                damaged[3][position] ^= 1 << bit
                #expect(throws: ProtocolError.self) { try Envelope.decode(damaged, on: .workerToCoordinator) }
            }
        }
    }

    /// Decodes `frames`; on success checks the envelope round-trips. Returns whether it decoded.
    private func checkDecoding(_ frames: [[UInt8]], on direction: Direction) -> Bool {
        do {
            let envelope = try Envelope.decode(frames, on: direction)
            #expect(envelope.message.travels(direction))
            if let again = try? envelope.encode() {
                #expect((try? Envelope.decode(again, on: direction)) == envelope)
            }
            return true
        } catch {
            #expect(!error.description.isEmpty)
            if let frame = error.frame { #expect(frame >= 0 && frame < max(frames.count, 3)) }
            return false
        }
    }
}

/// Generators of random frames and mutations.
enum RandomFrames {
    static let verbs = MessageKind.allCases.map(\.rawValue)
    /// Every field name of the protocol, so random headers reach the field decoders.
    static let fieldNames = [
        "msg_id", "sent_at", "blobs", "name", "sha256", "size", "mime", "worker_id", "incarnation", "engine_version", "model_digest",
        "host", "hostname", "cpu_cores", "memory_bytes", "accelerator", "slots", "held_leases", "unacked_results", "task_id",
        "lease_id", "credits", "active", "rss_bytes", "step", "steps", "elapsed_seconds", "attempt", "scores", "dino_i", "clip_i",
        "clip_t", "timings", "render_seconds", "encode_seconds", "class", "message", "log_tail", "reason", "epoch",
        "heartbeat_interval_seconds", "liveness", "detail", "in_reply_to", "deadline_seconds", "no_progress_timeout_seconds",
        "task", "job_id", "output_name", "object_id", "image_path", "image_digest", "references", "box", "x0", "y0", "x1", "y1",
        "polar", "azimuth", "prompt", "prompt_slug", "seed", "guidance", "renewed", "revoked", "disposition", "job_yaml",
        "spec_path", "priority", "action", "job", "subject", "ok", "jobs", "workers", "state", "tasks_total", "pending", "leased",
        "committed", "failed", "eta_seconds", "running", "completed", "last_seen",
    ]
    static let interestingNumbers = ["0", "-0", "1", "-1", "1.5", "2e0", "1e400", "-1e400", "4294967296", "18446744073709551615",
                                     "18446744073709551616", "9223372036854775808", String(repeating: "9", count: 60), "1e-400", "0.1"]
    static let interestingStrings = ["", "a", "00000000-0000-4000-8000-000000000001", String(repeating: "ab", count: 32), "image",
                                     "image/png", "worker", "committed", "\\u0000", "\\ud800", "\\n", "é", "🌅", String(repeating: "x", count: 300)]
    static let interestingBytes: [UInt8] = Array(#"{}[],:"\-09.eE tfn"#.utf8) + [0x00, 0x7f, 0x80, 0xff]

    static func frameList(using random: inout SplitMix64) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        let count = Int.random(in: 0 ..< 24, using: &random)
        for index in 0 ..< count {
            switch (index, Int.random(in: 0 ..< 10, using: &random)) {
            case (0, 0 ..< 7): frames.append(RFP1.tag)
            case (1, 0 ..< 7): frames.append(Array((verbs.randomElement(using: &random) ?? "READY").utf8))
            case (2, 0 ..< 8):
                var header = value(depth: 0, object: true, using: &random)
                if Bool.random(using: &random), case .object(var members) = header {
                    // Valid envelope fields, so the body's fields are reached.
                    members["msg_id"] = .string("00000000-0000-4000-8000-000000000001")
                    members["sent_at"] = .number("1")
                    members["blobs"] = .array([])
                    header = .object(members)
                }
                frames.append(JSONWriter.bytes(of: header))
            default: frames.append(bytes(count: Int.random(in: 0 ..< 40, using: &random), using: &random))
            }
        }
        return frames
    }

    /// A random JSON value, objects keyed by protocol field names.
    static func value(depth: Int, object: Bool = false, using random: inout SplitMix64) -> JSONValue {
        let choice = object ? 6 : Int.random(in: 0 ..< (depth > 3 ? 5 : 8), using: &random)
        switch choice {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .number(interestingNumbers.randomElement(using: &random) ?? "0")
        case 3, 4: return .string(["", "x", "00000000-0000-4000-8000-000000000001", String(repeating: "ab", count: 32), "image/png", "task"]
            .randomElement(using: &random) ?? "")
        case 5: return .array((0 ..< Int.random(in: 0 ..< 4, using: &random)).map { _ in value(depth: depth + 1, using: &random) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0 ..< Int.random(in: 0 ..< 8, using: &random) {
                members[fieldNames.randomElement(using: &random) ?? "x"] = value(depth: depth + 1, using: &random)
            }
            return .object(members)
        }
    }

    static func mutate(_ frames: inout [[UInt8]], using random: inout SplitMix64) {
        guard !frames.isEmpty else {
            frames.append(bytes(count: 4, using: &random))
            return
        }
        let index = Int.random(in: 0 ..< frames.count, using: &random)
        // Mostly the header, where the decoding work is; then blob frames; then any frame.
        let target = switch Int.random(in: 0 ..< 20, using: &random) {
        case 0 ..< 14 where frames.count > 2: 2
        case 14 ..< 17 where frames.count > 3: Int.random(in: 3 ..< frames.count, using: &random)
        default: index
        }
        var frame = frames[target]
        switch Int.random(in: 0 ..< 16, using: &random) {
        case 0 where !frame.isEmpty:
            let position = Int.random(in: 0 ..< frame.count, using: &random)
            frame[position] ^= 1 << UInt8.random(in: 0 ..< 8, using: &random)
        case 1 where !frame.isEmpty:
            frame[Int.random(in: 0 ..< frame.count, using: &random)] = interestingBytes.randomElement(using: &random) ?? 0
        case 2:
            let position = Int.random(in: 0 ... frame.count, using: &random)
            frame.insert(contentsOf: bytes(count: Int.random(in: 1 ..< 4, using: &random), using: &random), at: position)
        case 3 where !frame.isEmpty:
            let start = Int.random(in: 0 ..< frame.count, using: &random)
            frame.removeSubrange(start ..< min(frame.count, start + Int.random(in: 1 ..< 8, using: &random)))
        case 4:
            frame = Array(frame.prefix(Int.random(in: 0 ... frame.count, using: &random)))
        case 5:
            frames.insert(frames[index], at: index)
            return
        case 6:
            frames.remove(at: index)
            return
        case 7:
            frames.swapAt(index, Int.random(in: 0 ..< frames.count, using: &random))
            return
        case 8 ..< 12:
            frame = replacingToken(in: frame, numbers: true, using: &random)
        case 12 ..< 15:
            frame = replacingToken(in: frame, numbers: false, using: &random)
        default:
            frames.append(bytes(count: Int.random(in: 0 ..< 16, using: &random), using: &random))
            return
        }
        frames[target] = frame
    }

    /// `frame` with one number (or string) literal replaced by an interesting one.
    static func replacingToken(in frame: [UInt8], numbers: Bool, using random: inout SplitMix64) -> [UInt8] {
        let starts = frame.indices.filter { index in
            numbers ? (frame[index] == UInt8(ascii: "-") || (0x30 ... 0x39).contains(frame[index])) && (index == 0 || frame[index - 1] == UInt8(ascii: ":"))
                : frame[index] == UInt8(ascii: "\"") && index > 0 && frame[index - 1] == UInt8(ascii: ":")
        }
        guard let start = starts.randomElement(using: &random) else { return frame }
        var end = start + 1
        if numbers {
            while end < frame.count, Array("0123456789.eE+-".utf8).contains(frame[end]) { end += 1 }
            return Array(frame[..<start]) + Array((interestingNumbers.randomElement(using: &random) ?? "0").utf8) + Array(frame[end...])
        }
        while end < frame.count, frame[end] != UInt8(ascii: "\"") || frame[end - 1] == UInt8(ascii: "\\") { end += 1 }
        let replacement = "\"" + (interestingStrings.randomElement(using: &random) ?? "") + "\""
        return Array(frame[..<start]) + Array(replacement.utf8) + Array(frame[min(end + 1, frame.count)...])
    }

    static func bytes(count: Int, using random: inout SplitMix64) -> [UInt8] {
        (0 ..< count).map { _ in UInt8.random(in: 0 ... 255, using: &random) }
    }
}
