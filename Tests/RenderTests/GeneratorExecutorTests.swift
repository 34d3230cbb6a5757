import DiffusionCore
import FarmProtocol
import Foundation
import ImageIO
import Testing
import Render

/// The executor renders what `CustomNetGenerator.render` renders, reuses conditioning across tasks, and
/// turns bad tasks and cancellation into the right `TaskFailure`.
struct GeneratorExecutorTests {
    func executor() throws -> GeneratorExecutor {
        GeneratorExecutor(generator: try Fixtures.generator.get(), modelDigest: String(repeating: "ab", count: 32))
    }

    func render(_ task: TaskAssignment, object: RasterImage? = nil) throws -> RasterImage {
        try Fixtures.generator.get().render(Fixtures.request(for: task, object: object ?? PNG.read(path: Fixtures.object)))
    }

    @Test func pixelsAreThoseOfGeneratorRender() throws {
        let executor = try executor()
        let task = Fixtures.task()
        let output = try executor.execute(task) { _, _ in true }
        #expect(try PNG.decode(output.png) == render(task))
        #expect(output.scores == FarmProtocol.ImageScores())
        #expect(output.timings.renderSeconds > 0 && output.timings.encodeSeconds >= 0)
        let statistics = executor.cacheStatistics
        #expect(statistics.objectEmbeddings == CacheCounts(hits: 0, misses: 1, entries: 1))
        #expect(statistics.locationLatents == CacheCounts(hits: 0, misses: 1, entries: 1))
        #expect(statistics.textEmbeddings == CacheCounts(hits: 0, misses: 1, entries: 1))
        #expect(statistics.referenceEmbeddings == CacheCounts(hits: 0, misses: 0, entries: 0))
    }

    /// Another pose of the same object, box and prompt reuses all three and is still the uncached image;
    /// another box reuses the object embedding only.
    @Test func anotherPoseHitsTheCachesAndStillMatches() throws {
        let executor = try executor()
        _ = try executor.execute(Fixtures.task()) { _, _ in true }
        let turned = Fixtures.task(polar: -10, azimuth: 60, seed: 99)
        #expect(try PNG.decode(executor.execute(turned) { _, _ in true }.png) == render(turned))
        var statistics = executor.cacheStatistics
        #expect(statistics.objectEmbeddings == CacheCounts(hits: 1, misses: 1, entries: 1))
        #expect(statistics.locationLatents == CacheCounts(hits: 1, misses: 1, entries: 1))
        #expect(statistics.textEmbeddings == CacheCounts(hits: 1, misses: 1, entries: 1))

        let wholeFrame = Fixtures.task(box: nil, polar: -10, azimuth: 60, seed: 99)
        #expect(try PNG.decode(executor.execute(wholeFrame) { _, _ in true }.png) == render(wholeFrame))
        statistics = executor.cacheStatistics
        #expect(statistics.objectEmbeddings.hits == 2 && statistics.textEmbeddings.hits == 2)
        #expect(statistics.locationLatents == CacheCounts(hits: 1, misses: 2, entries: 2))
    }

    /// The object is decoded by its signature, not its name: a JPEG called .png renders like the JPEG.
    @Test func aJPEGObjectIsDecodedByItsSignature() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let jpeg = try JPEG.encode(PNG.read(path: Fixtures.object))
        let path = folder.path + "/object.png"
        try Data(jpeg).write(to: URL(fileURLWithPath: path))
        let task = Fixtures.task(imagePath: path, imageDigest: SHA256.hexDigest(jpeg), steps: 2)
        #expect(try PNG.decode(executor().execute(task) { _, _ in true }.png) == render(task, object: JPEG.decode(jpeg)))
    }

    func expectTaskFailure(_ task: TaskAssignment, mentioning fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let executor = try executor()
        do {
            _ = try executor.execute(task) { _, _ in true }
            Issue.record("\(task.outputName) rendered; expected a task failure mentioning \(fragments)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.failureClass == .task && !error.wasCancelled, "\(error)", sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func aChangedOrMissingObjectIsATaskFailureNamingTheFile() throws {
        try expectTaskFailure(Fixtures.task(imageDigest: String(repeating: "0", count: 64)),
                              mentioning: [Fixtures.object + ": SHA-256 is \(Fixtures.objectDigest)", "expects " + String(repeating: "0", count: 64)])
        let missing = NSTemporaryDirectory() + "render-tests-\(UUID().uuidString)/object.png"
        try expectTaskFailure(Fixtures.task(imagePath: missing), mentioning: [missing + ": no such file"])

        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let text = folder.path + "/object.png"
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: text))
        try expectTaskFailure(Fixtures.task(imagePath: text, imageDigest: Fixtures.digest(ofFileAt: text)),
                              mentioning: [text + ": neither a PNG nor a JPEG file"])
    }

    @Test func badNumbersAreTaskFailuresSayingWhich() throws {
        try expectTaskFailure(Fixtures.task(box: WireBox(x0: 0, y0: 0, x1: 80, y1: 40)), mentioning: ["box 0,0,80,40 is outside the 64×64 frame"])
        try expectTaskFailure(Fixtures.task(box: WireBox(x0: 5, y0: 5, x1: 5, y1: 40)), mentioning: ["box 5,5,5,40 is empty"])
        try expectTaskFailure(Fixtures.task(steps: 1), mentioning: ["steps must be 2…1000, got 1"])
        try expectTaskFailure(Fixtures.task(steps: 1001), mentioning: ["steps must be 2…1000, got 1001"])
        try expectTaskFailure(Fixtures.task(azimuth: .infinity), mentioning: ["polar and azimuth must be finite"])
        try expectTaskFailure(Fixtures.task(guidance: .nan), mentioning: ["guidance must be a finite number"])
    }

    @Test func progressReturningFalseCancels() throws {
        var calls: [[Int]] = []
        #expect(throws: TaskFailure.cancelled) {
            try executor().execute(Fixtures.task(steps: 6)) { step, steps in
                calls.append([step, steps])
                return step < 2
            }
        }
        #expect(calls == [[1, 5], [2, 5]])
        #expect(TaskFailure.cancelled.wasCancelled)
    }

    @Test func progressSeesEveryStep() throws {
        var steps: [Int] = []
        _ = try executor().execute(Fixtures.task(steps: 5)) { step, total in
            #expect(total == 4)
            steps.append(step)
            return true
        }
        #expect(steps == [1, 2, 3, 4])
    }
}
