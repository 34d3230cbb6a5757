import Foundation
import Testing
@testable import FarmProtocol

/// Every message encodes and decodes back to an equal value, in the directions it travels only.
struct RoundTripTests {
    @Test(arguments: Samples.all)
    func encodesAndDecodesToAnEqualEnvelope(_ sample: Sample) throws {
        let frames = try sample.envelope.encode()
        #expect(frames[0] == Array("RFP1".utf8))
        #expect(frames[1] == Array(sample.envelope.message.verb.utf8))
        let decoded = try Envelope.decode(frames, on: sample.direction)
        #expect(decoded == sample.envelope)
        #expect(try decoded.encode() == frames, "encoding is deterministic")
    }

    @Test func samplesCoverEveryMessageTypeAndCase() {
        let verbs = Set(Samples.all.map(\.envelope.message.verb))
        #expect(verbs == Set(MessageKind.allCases.map(\.rawValue)))
        #expect(verbs.count == 16)
        let heartbeats = Samples.all.filter { $0.envelope.message.verb == "HEARTBEAT" }.map(\.direction)
        #expect(Set(heartbeats) == [.workerToCoordinator, .coordinatorToWorker])
    }

    @Test(arguments: Samples.all)
    func isRefusedInEveryOtherDirection(_ sample: Sample) throws {
        let frames = try sample.envelope.encode()
        let message = sample.envelope.message
        for direction in Direction.allCases {
            if message.travels(direction) {
                #expect(try Envelope.decode(frames, on: direction) == sample.envelope)
            } else {
                #expect(throws: ProtocolError.self) { try Envelope.decode(frames, on: direction) }
            }
        }
        let directions = Direction.allCases.filter(message.travels)
        #expect(directions == (message.verb == "REJECT" ? [.coordinatorToWorker, .coordinatorToClient] : [sample.direction]))
    }

    @Test func heartbeatBodiesFollowTheDirection() throws {
        let fromWorker = try #require(Samples.named("HEARTBEAT from a worker")).envelope
        let frames = try fromWorker.encode()
        #expect(throws: ProtocolError.missingField(field: "renewed")) {
            try Envelope.decode(frames, on: .coordinatorToWorker)
        }
        #expect(!fromWorker.message.travels(.coordinatorToWorker))
        #expect(throws: ProtocolError.unexpectedMessageType(verb: "HEARTBEAT", direction: .clientToCoordinator)) {
            try Envelope.decode(frames, on: .clientToCoordinator)
        }
    }

    @Test func resultCarriesThePNGAsAVerifiedBlob() throws {
        let sample = try #require(Samples.named("RESULT with scores"))
        let frames = try sample.envelope.encode()
        #expect(frames.count == 4)
        #expect(frames[3] == Samples.pngLike())
        let header = String(decoding: frames[2], as: UTF8.self)
        let digest = SHA256.hexDigest(Samples.pngLike())
        #expect(header.contains(#""blobs":[{"mime":"image/png","name":"image","sha256":"\#(digest)","size":72}]"#))
        guard case .result(_, let image) = try Envelope.decode(frames, on: .workerToCoordinator).message else {
            Issue.record("not a RESULT")
            return
        }
        #expect(image.sha256 == digest)
        #expect(image.bytes == Samples.pngLike())
    }

    @Test func extremeIntegersAndFloatsSurviveExactly() throws {
        let sample = try #require(Samples.named("ASSIGN"))
        let header = String(decoding: try sample.envelope.encode()[2], as: UTF8.self)
        #expect(header.contains(#""seed":18446744073709551615"#))
        #expect(header.contains(#""guidance":7.5"#))
        #expect(header.contains(#""polar":15.0"#))
        #expect(header.contains(#""prompt":"on a \"wooden\" table\\ 🌅\nmorning light\u0001""#))
        let smallSample = try #require(Samples.named("ASSIGN, whole frame, no references"))
        let decoded = try Envelope.decode(try smallSample.envelope.encode(), on: .coordinatorToWorker)
        guard case .assign(let assignment) = decoded.message else {
            Issue.record("not an ASSIGN")
            return
        }
        #expect(assignment.task.guidance == Float(0.1))
        #expect(assignment.task.azimuth == 1e-300)
        #expect(assignment.task.polar.sign == .minus, "-0.0 keeps its sign")
        #expect(assignment.task.box == nil)
    }

    @Test func nullReadsAsAnAbsentOptional() throws {
        let sample = try #require(Samples.named("HELLO, CPU only, nothing held"))
        var frames = try sample.envelope.encode()
        let header = String(decoding: frames[2], as: UTF8.self)
        frames[2] = Array(header.replacingOccurrences(of: #""cpu_cores":2"#, with: #""accelerator":null,"cpu_cores":2"#).utf8)
        #expect(frames[2].count > header.utf8.count)
        #expect(try Envelope.decode(frames, on: .workerToCoordinator) == sample.envelope)
    }

    @Test func whitespaceAndMemberOrderDoNotMatter() throws {
        let id = Samples.id(3)
        let header = "\n { \"sent_at\" : 1700000000123 ,\t\"msg_id\":\"\(id)\", \"credits\" : 2 , \"blobs\" : [ ] }\r\n"
        let decoded = try Envelope.decode([Array("RFP1".utf8), Array("READY".utf8), Array(header.utf8)], on: .workerToCoordinator)
        #expect(decoded == Samples.named("READY")?.envelope)
    }
}
