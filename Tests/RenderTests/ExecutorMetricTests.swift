import DiffusionCore
import FarmProtocol
import Foundation
import ImageIO
import Testing
import Render

/// With metric encoders the executor reports what `MetricScorer` scores for the written PNG.
struct ExecutorMetricTests {
    /// Through `load`, as `customnet worker` makes it (an executor is not Sendable, so one per test).
    func executor() throws -> GeneratorExecutor {
        try GeneratorExecutor.load(checkpoint: Fixtures.checkpoint, preset: "tiny", modelDigest: String(repeating: "cd", count: 32),
                                   dino: Fixtures.dino, clip: Fixtures.clip)
    }

    @Test func scoresEqualMetricScorerOnTheWrittenPNG() throws {
        let executor = try executor()
        let scorer = try #require(executor.scorer)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for seed: UInt64 in [1, 2] {
            let task = Fixtures.task(references: [Fixtures.sideView], seed: seed)
            let output = try executor.execute(task) { _, _ in true }
            let path = folder.path + "/\(seed).png"
            try Data(output.png).write(to: URL(fileURLWithPath: path))
            let expected = try scorer.scores(ofImageAt: path, references: [Fixtures.object, Fixtures.sideView], prompt: task.prompt)
            let scores = [output.scores.dinoI, output.scores.clipI, output.scores.clipT]
            for (name, score, reference) in zip3(["DINO-I", "CLIP-I", "CLIP-T"], scores, [expected.dinoI, expected.clipI, expected.clipT]) {
                let value = try #require(score, "\(name)")
                #expect((-1...1).contains(value), "\(name) \(value)")
                #expect(abs(value - reference!) <= 1e-6, "\(name): \(value), MetricScorer \(reference!)")
            }
        }
        let statistics = executor.cacheStatistics
        #expect(statistics.referenceEmbeddings.hits >= 2 && statistics.referenceEmbeddings.entries == 2)
        #expect(statistics.promptEmbeddings.hits >= 1 && statistics.promptEmbeddings.entries >= 1)
    }

    @Test func anEmptyPromptHasNoClipT() throws {
        let output = try executor().execute(Fixtures.task(prompt: "", steps: 2)) { _, _ in true }
        #expect(output.scores.dinoI != nil && output.scores.clipI != nil && output.scores.clipT == nil)
    }

    /// References are read before sampling: a missing one fails the task at once, naming it.
    @Test func aMissingReferenceIsATaskFailureNamingIt() throws {
        let missing = NSTemporaryDirectory() + "render-tests-\(UUID().uuidString)/side.png"
        #expect(throws: TaskFailure(.task, missing + ": no such file")) {
            try executor().execute(Fixtures.task(references: [missing])) { _, _ in
                Issue.record("sampling started")
                return true
            }
        }
    }

    @Test func oneEncoderAloneIsRefused() {
        #expect(throws: ExecutorSetupError.self) {
            try GeneratorExecutor.load(checkpoint: Fixtures.checkpoint, preset: nil, modelDigest: "", dino: Fixtures.dino, clip: nil)
        }
        #expect(throws: ExecutorSetupError("unknown preset 'huge'; known: customnet-v1, tiny")) {
            try GeneratorExecutor.load(checkpoint: Fixtures.checkpoint, preset: "huge", modelDigest: "", dino: nil, clip: nil)
        }
    }

    func zip3<A, B, C>(_ a: [A], _ b: [B], _ c: [C]) -> [(A, B, C)] {
        zip(a, zip(b, c)).map { ($0, $1.0, $1.1) }
    }
}
