import Testing
import FarmProtocol

/// The exact bytes of a few messages, so the format cannot change unnoticed. A change here is a
/// protocol change: peers built before it may refuse the new bytes (unknown fields are errors), so
/// it needs a new tag (`RFP2`) unless it only changes what encoders write for the same value.
struct GoldenBytesTests {
    @Test func readyFrames() throws {
        let frames = try #require(Samples.named("READY")).envelope.encode()
        #expect(frames == [
            [0x52, 0x46, 0x50, 0x31],                      // RFP1
            [0x52, 0x45, 0x41, 0x44, 0x59],                // READY
            Array(#"{"blobs":[],"credits":2,"msg_id":"00000000-0000-4000-8000-000000000003","sent_at":1700000000123}"#.utf8),
        ])
    }

    @Test func assignHeader() throws {
        let frames = try #require(Samples.named("ASSIGN")).envelope.encode()
        let expected = #"{"attempt":2,"blobs":[],"deadline_seconds":600.0,"lease_id":41,"msg_id":"00000000-0000-4000-8000-000000000012","#
            + #""no_progress_timeout_seconds":180.0,"sent_at":1700000000123,"task":{"azimuth":-30.0,"box":{"x0":48,"x1":208,"y0":48,"y1":208},"#
            + #""guidance":7.5,"image_digest":"c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0","#
            + #""image_path":"/data/objects/mug.png","job_id":"dreambench-sweep","object_id":"mug","#
            + #""output_name":"mug/on-a-wooden-table/p15_a-30_s1234","polar":15.0,"#
            + #""prompt":"on a \"wooden\" table\\ 🌅\nmorning light\u0001","prompt_slug":"on-a-wooden-table","#
            + #""references":["/data/objects/mug-side.png","/data/objects/mug-top.jpg"],"seed":18446744073709551615,"steps":50},"#
            + #""task_id":"abababababababababababababababababababababababababababababababab"}"#
        #expect(frames.count == 3)
        #expect(frames[1] == Array("ASSIGN".utf8))
        #expect(String(decoding: frames[2], as: UTF8.self) == expected)
    }

    @Test func resultHeaderAndBlob() throws {
        let envelope = Envelope(.result(ResultReport(taskID: Samples.taskID, leaseID: 7, attempt: 1,
                                                     scores: ImageScores(dinoI: 0.5, clipT: 0.25),
                                                     timings: RenderTimings(renderSeconds: 61.5, encodeSeconds: 0.01)),
                                        image: Blob([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
                                id: Samples.id(99), sentAt: Timestamp(millisecondsSince1970: 0))
        let frames = try envelope.encode()
        let expected = #"{"attempt":1,"blobs":[{"mime":"image/png","name":"image","#
            + #""sha256":"4c4b6a3be1314ab86138bef4314dde022e600960d8689a2c8f8631802d20dab6","size":8}],"#
            + #""lease_id":7,"msg_id":"00000000-0000-4000-8000-000000000099","scores":{"clip_t":0.25,"dino_i":0.5},"sent_at":0,"#
            + #""task_id":"abababababababababababababababababababababababababababababababab","#
            + #""timings":{"encode_seconds":0.01,"render_seconds":61.5}}"#
        #expect(frames.count == 4)
        #expect(frames[1] == Array("RESULT".utf8))
        #expect(String(decoding: frames[2], as: UTF8.self) == expected)
        #expect(frames[3] == [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    }
}
