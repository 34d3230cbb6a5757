import Foundation
import Testing

/// `customnet score` as a user runs it: a real process on the tiny metric fixtures
/// (ops/reference/make_metric_fixtures.py), whose manifest holds the reference scores.
@Suite(.serialized)
struct ScoreCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/metrics").standardized.path

    let folder = NSTemporaryDirectory() + "customnet-score-\(UUID().uuidString)"

    init() throws { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }

    /// The manifest's `score` entry: references, prompt, per-image scores and their mean.
    func expectedScore() throws -> [String: Any] {
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/manifest.json")))
        return try #require((manifest as? [String: Any])?["score"] as? [String: Any])
    }

    func score(_ extra: [String], dino: String = fixtures + "/dino", clip: String = fixtures + "/clip") throws -> (status: Int32, output: String) {
        try runCustomNet(["score", "--dino", dino, "--clip", clip] + extra)
    }

    func inFixtures(_ name: String) -> String { Self.fixtures + "/" + name }

    @Test func jsonHasEveryImagesScoresAndTheirMean() throws {
        let expected = try expectedScore()
        let references = try #require(expected["references"] as? [String]).flatMap { ["--reference", inFixtures($0)] }
        let expectedImages = try #require(expected["images"] as? [[String: Any]])
        let paths = expectedImages.map { inFixtures($0["path"] as! String) }
        let result = try score(references + ["--prompt", try #require(expected["prompt"] as? String), "--json"] + paths)
        #expect(result.status == 0, "\(result.output)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(Set(report.keys) == ["images", "mean"])
        let images = try #require(report["images"] as? [[String: Any]])
        #expect(images.map { $0["path"] as? String } == paths)
        for (ours, theirs) in zip(images, expectedImages) {
            #expect(Set(ours.keys) == ["path", "dino_i", "clip_i", "clip_t"])
            for key in ["dino_i", "clip_i", "clip_t"] {
                #expect(abs(try #require(ours[key] as? Double) - (theirs[key] as! Double)) <= 1e-5, "\(key) of \(ours["path"]!)")
            }
        }
        let mean = try #require(report["mean"] as? [String: Double]), expectedMean = try #require(expected["mean"] as? [String: Double])
        for key in ["dino_i", "clip_i", "clip_t"] { #expect(abs(mean[key]! - expectedMean[key]!) <= 1e-5, "mean \(key)") }
    }

    @Test func withoutAPromptThereIsNoClipT() throws {
        let result = try score(["--reference", inFixtures("object.png"), "--json", inFixtures("generated_flat.png")])
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("clip_t") && result.output.contains("\"dino_i\""), "\(result.output)")
    }

    @Test func aTerminalGetsATableWithMeanAndStandardDeviation() throws {
        let result = try score(["--reference", inFixtures("object.png"), "--prompt", "a toy",
                                inFixtures("generated_flat.png"), inFixtures("generated_portrait.png")])
        #expect(result.status == 0, "\(result.output)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("DINO-I") == true && lines.first?.contains("CLIP-T") == true, "\(result.output)")
        #expect(lines.contains { $0.hasPrefix("mean ") } && lines.contains { $0.hasPrefix("std ") }, "\(result.output)")
        #expect(result.output.contains("2 images, 1 reference, prompt \"a toy\""), "\(result.output)")
    }

    /// Random weights from `customnet model init-random` load and score like the real folders.
    @Test func initRandomMetricPresetsWriteFoldersThatScore() throws {
        for preset in ["dino-tiny", "clip-tiny"] {
            let result = try runCustomNet(["model", "init-random", "--preset", preset, "--dtype", "f16", "--out", folder + "/" + preset])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("wrote \(folder)/\(preset): preset \(preset), config.json and model.safetensors"), "\(result.output)")
        }
        let result = try score(["--reference", inFixtures("object.png"), inFixtures("generated_flat.png")],
                               dino: folder + "/dino-tiny", clip: folder + "/clip-tiny")
        #expect(result.status == 0, "\(result.output)")
    }

    @Test(arguments: [
        ([] as [String], "give at least one --reference image"),
        (["--reference", "object.png"], "give at least one generated image to score"),
        (["--reference", "object.png", "--threads", "0", "generated_flat.png"], "--threads must be at least 1"),
    ])
    func missingArgumentsAreClearErrors(_ arguments: [String], _ message: String) throws {
        let result = try score(arguments.map { $0.hasSuffix(".png") ? inFixtures($0) : $0 })
        #expect(result.status != 0)
        #expect(result.output.contains(message), "\(result.output)")
    }

    @Test func anUnreadableImageIsNamed() throws {
        let missing = folder + "/nope.png"
        var result = try score(["--reference", missing, inFixtures("generated_flat.png")])
        #expect(result.status != 0 && result.output.contains("\(missing): no such file"), "\(result.output)")
        let corrupt = folder + "/corrupt.png"
        let bytes = try #require(FileManager.default.contents(atPath: inFixtures("generated_portrait.png")))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: corrupt))
        result = try score(["--reference", inFixtures("object.png"), corrupt])
        #expect(result.status != 0 && result.output.contains(corrupt), "\(result.output)")
    }

    /// The CLIP folder given for DINO: refused by its config, naming the file and the field.
    @Test func theWrongModelFolderIsNamed() throws {
        let result = try score(["--reference", inFixtures("object.png"), inFixtures("generated_flat.png")], dino: Self.fixtures + "/clip")
        #expect(result.status != 0)
        #expect(result.output.contains("\(Self.fixtures)/clip/config.json: not a DINO ViT config: model_type is \"clip\", not \"vit\""), "\(result.output)")
    }
}
