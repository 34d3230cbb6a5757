import Foundation
import ImageIO
import Tensor
import Testing
@testable import DiffusionCore

/// The score arithmetic (cosines, means over references, statistics and groups), the JSON format, and
/// properties of the preprocessing and interpolation that hold whatever the model.
struct MetricScoreTests {
    func unit(_ values: [Float], _ source: String = "test") throws -> UnitEmbedding {
        try UnitEmbedding(values, source: source, model: "test")
    }

    func embeddings(dino: [Float], clip: [Float]) throws -> ImageEmbeddings {
        ImageEmbeddings(dino: try unit(dino), clip: try unit(clip))
    }

    @Test func embeddingsAreScaledToUnitLengthAndCompareByCosine() throws {
        let a = try unit([3, 4]), b = try unit([-4, 3]), c = try unit([6, 8])
        #expect(a.values == [0.6, 0.8])
        #expect(a.cosine(b) == 0)
        #expect(abs(a.cosine(c) - 1) < 1e-12)
    }

    /// No score may silently become NaN: a NaN, infinite or zero embedding is an error naming its source.
    @Test func nanInfiniteAndZeroEmbeddingsAreErrorsNamingTheImage() {
        #expect(throws: MetricError(path: "out/a.png", problem: "the DINO embedding holds NaN or infinite values")) {
            try UnitEmbedding([1, .nan], source: "out/a.png", model: "DINO")
        }
        #expect(throws: MetricError(path: "out/b.png", problem: "the CLIP image embedding holds NaN or infinite values")) {
            try UnitEmbedding([.infinity, 0], source: "out/b.png", model: "CLIP image")
        }
        #expect(throws: MetricError(path: "out/c.png", problem: "the DINO embedding is the zero vector")) {
            try UnitEmbedding([0, 0], source: "out/c.png", model: "DINO")
        }
    }

    /// DINO-I and CLIP-I average the cosines with every reference; CLIP-T is the cosine with the prompt.
    @Test func imageScoresAverageOverReferences() throws {
        let generated = try embeddings(dino: [1, 0], clip: [0, 1])
        let references = [try embeddings(dino: [1, 0], clip: [1, 0]), try embeddings(dino: [0, 1], clip: [1, 1])]
        let scores = ImageScores(generated: generated, references: references, prompt: try unit([0, 2]))
        #expect(scores.dinoI == 0.5)
        #expect(abs(scores.clipI - (0 + 1 / 2.0.squareRoot()) / 2) < 1e-12)
        #expect(scores.clipT == 1)
        #expect(ImageScores(generated: generated, references: references, prompt: nil).clipT == nil)
    }

    @Test func statisticsArePopulationMeanAndStandardDeviation() throws {
        let statistics = try #require(ScoreStatistics([1, 2, 3, 4]))
        #expect(statistics.count == 4 && statistics.mean == 2.5)
        #expect(abs(statistics.standardDeviation - 1.25.squareRoot()) < 1e-12)
        #expect(ScoreStatistics([0.7])?.standardDeviation == 0)
        #expect(ScoreStatistics([]) == nil)
    }

    /// CLIP-T is summarised over the images that have one, and is absent when none has.
    @Test func summariesSkipMissingClipT() throws {
        let summary = try #require(MetricSummary([ImageScores(dinoI: 0.2, clipI: 0.4, clipT: 0.3),
                                                  ImageScores(dinoI: 0.4, clipI: 0.6, clipT: nil)]))
        #expect(abs(summary.dinoI.mean - 0.3) < 1e-15 && abs(summary.clipI.mean - 0.5) < 1e-12)
        #expect(summary.clipT == ScoreStatistics([0.3]))
        #expect(MetricSummary([ImageScores(dinoI: 0.2, clipI: 0.4, clipT: nil)])?.clipT == nil)
        #expect(MetricSummary([]) == nil)
    }

    @Test func aggregatesGroupByObjectPromptAndViewpoint() throws {
        func image(_ object: String, _ prompt: String, _ viewpoint: String, _ dino: Double) -> LabelledScores {
            LabelledScores(labels: ScoreLabels(object: object, prompt: prompt, viewpoint: viewpoint),
                           scores: ImageScores(dinoI: dino, clipI: dino / 2, clipT: 0.3))
        }
        let images = [image("clock", "beach", "front", 0.8), image("clock", "snow", "left", 0.6),
                      image("teapot", "beach", "front", 0.5), image("teapot", "beach", "left", 0.3)]
        let aggregate = try #require(ScoreAggregate(images))
        #expect(aggregate.overall.dinoI.count == 4 && abs(aggregate.overall.dinoI.mean - 0.55) < 1e-12)
        #expect(aggregate.byObject.keys.sorted() == ["clock", "teapot"])
        #expect(abs(aggregate.byObject["clock"]!.dinoI.mean - 0.7) < 1e-12)
        #expect(abs(aggregate.byObject["clock"]!.dinoI.standardDeviation - 0.1) < 1e-12)
        #expect(aggregate.byPrompt["beach"]!.dinoI.count == 3 && aggregate.byPrompt["snow"]!.dinoI.count == 1)
        #expect(abs(aggregate.byViewpoint["left"]!.clipI.mean - 0.225) < 1e-12)
        #expect(aggregate.byViewpoint["front"]!.clipT == ScoreStatistics([0.3, 0.3]))
        #expect(ScoreAggregate([]) == nil)
    }

    /// The `customnet score --json` format, with and without CLIP-T, and back.
    @Test func reportsEncodeToTheSharedJSONFormat() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let withPrompt = ScoreReport(images: [ScoreReport.Image(path: "out/a.png", scores: ImageScores(dinoI: 0.5, clipI: 0.75, clipT: 0.25)),
                                              ScoreReport.Image(path: "out/b.png", scores: ImageScores(dinoI: 0.25, clipI: 0.5, clipT: 0.125))])
        #expect(String(decoding: try encoder.encode(withPrompt), as: UTF8.self)
                == #"{"images":[{"clip_i":0.75,"clip_t":0.25,"dino_i":0.5,"path":"out/a.png"},"#
                + #"{"clip_i":0.5,"clip_t":0.125,"dino_i":0.25,"path":"out/b.png"}],"mean":{"clip_i":0.625,"clip_t":0.1875,"dino_i":0.375}}"#)
        let withoutPrompt = ScoreReport(images: [ScoreReport.Image(path: "a.png", scores: ImageScores(dinoI: 0.5, clipI: 0.75, clipT: nil))])
        #expect(String(decoding: try encoder.encode(withoutPrompt), as: UTF8.self)
                == #"{"images":[{"clip_i":0.75,"dino_i":0.5,"path":"a.png"}],"mean":{"clip_i":0.75,"dino_i":0.5}}"#)
        #expect(try JSONDecoder().decode(ScoreReport.self, from: encoder.encode(withPrompt)) == withPrompt)
    }

    /// A fully transparent RGBA image is white after compositing; a flat image stays flat.
    @Test func preprocessingCompositesOntoWhiteAndNormalises() {
        let transparent = RasterImage(width: 40, height: 30, layout: .rgba, filledWith: 0)
        let pixels = MetricPreprocessing.dino.tensor(transparent)
        #expect(pixels.shape == [1, 3, 224, 224])
        for channel in 0..<3 {
            let expected = (1 - DINOViT.pixelMean[channel]) / DINOViT.pixelStandardDeviation[channel]
            #expect(pixels[0, channel, 0, 0] == expected && pixels[0, channel, 223, 223] == expected && pixels[0, channel, 111, 57] == expected)
        }
        let grey = MetricPreprocessing.clip(size: 32).tensor(RasterImage(width: 64, height: 48, layout: .rgb, filledWith: 128))
        #expect(grey.shape == [1, 3, 32, 32])
        #expect(Set(Ops.narrow(grey, axis: 1, range: 2 ..< 3).scalars) == [(Float(128) / 255 - CLIPVisionTower.pixelMean[2]) / CLIPVisionTower.pixelStandardDeviation[2]])
    }

    /// Same grid: unchanged. Constant embeddings: constant whatever the grid (the cubic weights sum to 1).
    @Test func positionInterpolationKeepsTheTrainedGridAndConstants() {
        let grid = Tensor(shape: [16, 2], scalars: (0..<32).map(Float.init))
        for convention in [PositionEmbeddingInterpolation.huggingFace, .dinoRepository] {
            #expect(convention.resample(grid, rows: 4, columns: 4).scalars == grid.scalars)
            let constant = convention.resample(Tensor(shape: [16, 2], repeating: 0.5), rows: 7, columns: 3)
            #expect(constant.shape == [21, 2])
            #expect(constant.scalars.allSatisfy { abs($0 - 0.5) < 1e-6 })
        }
    }
}
