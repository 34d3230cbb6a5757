import Foundation
import Testing
import FarmProtocol

/// What `encode` refuses, so a sender finds out before the receiver does; and the small helpers.
struct EncodingRuleTests {
    private func envelope(_ message: Message) -> Envelope {
        Envelope(message, id: Samples.id(1), sentAt: Samples.sentAt)
    }

    @Test func nonFiniteFloatsAreRefusedWithTheirField() {
        let report = ResultReport(taskID: Samples.taskID, leaseID: 1, attempt: 1, scores: ImageScores(dinoI: .nan),
                                  timings: RenderTimings(renderSeconds: 1, encodeSeconds: 1))
        #expect(throws: ProtocolError.invalidValue(field: "scores.dino_i", reason: "nan is not a finite number")) {
            try envelope(.result(report, image: Blob(Samples.pngLike()))).encode()
        }
        var task = Samples.task
        task.guidance = .infinity
        let assignment = Assignment(taskID: Samples.taskID, leaseID: 1, attempt: 1, deadlineSeconds: 1, noProgressTimeoutSeconds: 1, task: task)
        #expect(throws: ProtocolError.invalidValue(field: "task.guidance", reason: "inf is not a finite number")) {
            try envelope(.assign(assignment)).encode()
        }
    }

    @Test func ruleBreakingValuesAreRefused() {
        let badDigest = Assignment(taskID: Samples.taskID.uppercased(), leaseID: 1, attempt: 1, deadlineSeconds: 1,
                                   noProgressTimeoutSeconds: 1, task: Samples.task)
        #expect(throws: ProtocolError.invalidValue(field: "task_id", reason: "must be 64 lowercase hex digits")) {
            try envelope(.assign(badDigest)).encode()
        }
        var unsortedBox = Samples.task
        unsortedBox.box = WireBox(x0: 10, y0: 0, x1: 5, y1: 8)
        let assignment = Assignment(taskID: Samples.taskID, leaseID: 1, attempt: 1, deadlineSeconds: 1, noProgressTimeoutSeconds: 1,
                                    task: unsortedBox)
        #expect(throws: ProtocolError.invalidValue(field: "task.box.x1", reason: "must be ≥ x0 (corners sorted)")) {
            try envelope(.assign(assignment)).encode()
        }
        #expect(throws: ProtocolError.invalidValue(field: "lease_id", reason: "lease ids start at 1")) {
            try envelope(.ack(ResultAck(taskID: Samples.taskID, leaseID: 0, disposition: .committed))).encode()
        }
        let progress = LeaseProgress(taskID: Samples.taskID, leaseID: 1, step: 51, steps: 50, elapsedSeconds: 1)
        #expect(throws: ProtocolError.invalidValue(field: "active[0].step", reason: "step 51 is past steps 50")) {
            try envelope(.workerHeartbeat(WorkerHeartbeat(active: [progress], rssBytes: 1))).encode()
        }
        #expect(throws: ProtocolError.invalidValue(field: "worker_id", reason: "contains a control character")) {
            try envelope(.hello(WorkerHello(workerID: "a\nb", incarnation: "1", engineVersion: "1", modelDigest: Samples.modelDigest,
                                            host: HostFacts(hostname: "h", cpuCores: 1, memoryBytes: 1), slots: 1))).encode()
        }
    }

    @Test func oversizeHeadersAndBlobsAreRefused() {
        let bigYAML = String(repeating: "# padding\n", count: 7_000)
        #expect(throws: ProtocolError.self) {
            try envelope(.submit(JobSubmission(jobYAML: bigYAML, specPath: "big.yaml"))).encode()
        }
        do {
            _ = try envelope(.submit(JobSubmission(jobYAML: bigYAML, specPath: "big.yaml"))).encode()
        } catch {
            guard case .headerTooLarge(let bytes, 65_536) = error else { Issue.record("got \(error)"); return }
            #expect(bytes > 70_000)
        }
        let result = Message.result(ResultReport(taskID: Samples.taskID, leaseID: 1, attempt: 1,
                                                 timings: RenderTimings(renderSeconds: 1, encodeSeconds: 1)),
                                    image: Blob(Samples.pngLike(count: 1000)))
        #expect(throws: ProtocolError.blobTooLarge(frame: 3, name: "image", bytes: 1008, limit: 1000)) {
            try envelope(result).encode(limits: WireLimits(maxBlobBytes: 1000, maxMessageBytes: 1 << 20))
        }
        #expect(throws: ProtocolError.self) {
            try envelope(result).encode(limits: WireLimits(maxBlobBytes: 4000, maxMessageBytes: 1200))
        }
    }

    @Test func aResultImageMustBeAPNG() {
        let result = Message.result(ResultReport(taskID: Samples.taskID, leaseID: 1, attempt: 1,
                                                 timings: RenderTimings(renderSeconds: 1, encodeSeconds: 1)),
                                    image: Blob(Array("GIF89a".utf8)))
        #expect(throws: ProtocolError.wrongBlobs(verb: "RESULT", reason: "blob 'image' does not start with the PNG signature")) {
            try envelope(result).encode()
        }
    }

    @Test func logTailsAreCutToFitAtAScalarBoundary() throws {
        let short = "short log\n"
        #expect(FailureReport.tail(of: short) == short)
        let long = String(repeating: "é", count: 10_000) + "end"   // 20 003 bytes, two per é
        let tail = FailureReport.tail(of: long)
        #expect(tail.utf8.count <= FailureReport.maxLogTailBytes)
        #expect(tail.utf8.count >= FailureReport.maxLogTailBytes - 1)
        #expect(tail.hasSuffix("éend"))
        #expect(long.hasSuffix(tail))
        let tooLong = FailureReport(taskID: Samples.taskID, leaseID: 1, failureClass: .task, message: "m", logTail: long)
        #expect(throws: ProtocolError.invalidValue(field: "log_tail", reason: "longer than 16384 bytes (use FailureReport.tail(of:))")) {
            try envelope(.fail(tooLong)).encode()
        }
        var fitted = tooLong
        fitted.logTail = tail
        let frames = try envelope(.fail(fitted)).encode()
        #expect(try Envelope.decode(frames, on: .workerToCoordinator).message == .fail(fitted))
    }

    @Test func messageIDsAreLowercaseUUIDs() {
        let random = MessageID.random()
        #expect(MessageID(random.text) == random)
        #expect(random.text == random.text.lowercased())
        #expect(MessageID("00000000-0000-4000-8000-00000000000A") == nil)
        #expect(MessageID("00000000-0000-4000-8000-00000000000") == nil)
        #expect(MessageID("000000000000-4000-8000-0000-00000000") == nil)
        let uuid = UUID()
        #expect(MessageID(uuid).text == uuid.uuidString.lowercased())
        #expect(MessageID.random() != MessageID.random())
    }

    @Test func timestampsAreWholeMillisecondsFrom1970() {
        #expect(Timestamp(Date(timeIntervalSince1970: 1.2345)).millisecondsSince1970 == 1234)
        #expect(Timestamp(Date(timeIntervalSince1970: -5)).millisecondsSince1970 == 0)
        #expect(Timestamp(millisecondsSince1970: 1500).date == Date(timeIntervalSince1970: 1.5))
        #expect(Timestamp(millisecondsSince1970: 1) < Timestamp(millisecondsSince1970: 2))
    }

    @Test func rejectReasonsFollowTheDecodingError() {
        #expect(Reject(answering: .unsupportedVersion(tag: "RFP2")).reason == .unsupportedVersion)
        #expect(Reject(answering: .unexpectedMessageType(verb: "ASSIGN", direction: .workerToCoordinator)).reason == .unexpectedMessage)
        #expect(Reject(answering: .missingField(field: "msg_id")).reason == .malformed)
        #expect(Reject(answering: .unsupportedVersion(tag: "RFP2")).detail == "frame 0: protocol RFP2 is not supported (this side speaks RFP1)")
    }
}
