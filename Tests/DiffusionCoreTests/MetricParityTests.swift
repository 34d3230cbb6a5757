import Foundation
import ImageIO
import Tensor
import Testing
@testable import DiffusionCore

/// A folder of metric fixtures written by ops/reference/make_metric_fixtures.py (tiny, in the repository)
/// or check_metrics_full_size.py (real sizes, outside it): the DINO ViT as a Hugging Face folder and as
/// a torch-hub state dict, the CLIP folder, images, and what transformers, the DINO repository's model,
/// torchvision and open_clip compute from them. Model sizes come from the folders' config.json.
struct MetricFixtures: Sendable {
    /// What the generator records besides the arrays.
    struct Manifest: Decodable {
        /// `customnet score`'s inputs and its expected `--json` output.
        struct Score: Decodable {
            let references: [String]
            let prompt: String
            let images: [ScoreReport.Image]
            let mean: ImageScores
        }

        let images: [String]
        let prompts: [String]
        /// The rows of the DINO input stored in `dino_pixel_rows.npy`: start and end.
        let dinoPixelRows: [Int]
        let score: Score

        enum CodingKeys: String, CodingKey {
            case images, prompts, dinoPixelRows = "dino_pixel_rows", score
        }
    }

    let folder: String

    /// Tests/Fixtures/metrics.
    static let tiny = MetricFixtures(folder: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/metrics").standardized.path)

    /// The real sizes (DINO ViT-S/16, CLIP ViT-B/32), when `CUSTOMNET_FULL_SIZE_METRIC_FIXTURES` names a
    /// folder written by ops/reference/check_metrics_full_size.py.
    static let fullSize: MetricFixtures? = ProcessInfo.processInfo.environment["CUSTOMNET_FULL_SIZE_METRIC_FIXTURES"].map(MetricFixtures.init)

    /// Loaded once for all tests: reading the 48,894 merges is the slow part.
    static let tokenizer = Result { () throws -> ClipTokenizer in try ClipTokenizer(openCLIPMergesFileAt: ClipVocabularyFile.locate()) }

    var dinoFolder: String { folder + "/dino" }
    var dinoHubFile: String { folder + "/dino_hub.pth" }
    var clipFolder: String { folder + "/clip" }

    func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json")))
    }

    func array(_ name: String) throws -> Tensor { try NumPyFile.read(path: folder + "/\(name).npy") }

    func image(_ name: String) throws -> RasterImage { try ImageFile.read(path: folder + "/" + name) }

    /// Compares and, for the full-size run, prints the largest errors.
    func compare(_ actual: Tensor, _ expected: Tensor, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        expectClose(actual, expected, what + " (\(folder))", sourceLocation: sourceLocation)
        guard self.folder != Self.tiny.folder, actual.shape == expected.shape else { return }
        let (a, e) = (actual.scalars, expected.scalars)
        let largest = zip(a, e).map { abs(Double($0) - Double($1)) }.max() ?? 0
        let scale = e.map { abs(Double($0)) }.max() ?? 0
        print("\(what): max abs error \(largest), relative to the largest value \(largest / max(scale, 1e-30))")
    }

    /// Row `index` of a stacked `(n, …)` array, shaped `(1, …)` like a model output.
    func row(_ tensor: Tensor, _ index: Int) -> Tensor {
        tensor.slice(index ..< index + 1)
    }

    /// The DINO preprocessing (a strip of rows) and the embeddings of the Hugging Face folder's model, at
    /// its own size and at 224 px (position embeddings interpolated as transformers does).
    func checkDINO() throws {
        let model = try DINOViT.load(from: dinoFolder)
        #expect(model.layout == .huggingFace)
        compare(model(try array("dino_native_pixels")), try array("dino_native_embeds"), "DINO (HF) at its own size")
        let manifest = try manifest(), rows = manifest.dinoPixelRows[0] ..< manifest.dinoPixelRows[1]
        let expectedRows = try array("dino_pixel_rows"), expectedEmbeddings = try array("dino_embeds")
        for (index, name) in manifest.images.enumerated() {
            let pixels = MetricPreprocessing.dino.tensor(try image(name))
            #expect(pixels.shape == [1, 3, 224, 224])
            let strip = Ops.narrow(pixels, axis: 2, range: rows)
            compare(strip, row(expectedRows, index).reshaped(strip.shape), "DINO preprocessing of \(name), rows \(rows)")
            compare(model(pixels), row(expectedEmbeddings, index), "DINO (HF) embedding of \(name)")
        }
    }

    /// The same weights as a torch-hub state dict: the DINO repository's interpolation at 224 px.
    func checkDINOTorchHub() throws {
        let config = try DINOViT.load(from: dinoFolder).config
        let model = try DINOViT(weights: WeightStore(path: dinoHubFile), config: config)
        #expect(model.layout == .torchHub)
        compare(model(try array("dino_native_pixels")), try array("dino_native_embeds"), "DINO (torch hub) at its own size")
        let expected = try array("dino_hub_embeds")
        for (index, name) in try manifest().images.enumerated() {
            compare(model(MetricPreprocessing.dino.tensor(try image(name))), row(expected, index), "DINO (torch hub) embedding of \(name)")
        }
    }

    /// CLIP's preprocessing, image embeddings, tokens and text embeddings.
    func checkCLIP() throws {
        let model = try CLIPMetricModel.load(folder: clipFolder)
        let size = model.config.vision.imageSize
        let expectedPixels = try array("clip_pixels"), expectedEmbeddings = try array("clip_image_embeds")
        let manifest = try manifest()
        for (index, name) in manifest.images.enumerated() {
            let pixels = MetricPreprocessing.clip(size: size).tensor(try image(name))
            compare(pixels, row(expectedPixels, index), "CLIP preprocessing of \(name)")
            compare(model.imageEmbeddings(pixels), row(expectedEmbeddings, index), "CLIP image embedding of \(name)")
        }
        let tokenizer = try Self.tokenizer.get()
        let tokens = manifest.prompts.map { tokenizer.encode($0, mode: .openCLIP) }
        let expectedTokens = try array("prompt_tokens")
        #expect(tokens.flatMap { $0 }.map(Float.init) == expectedTokens.scalars, "token ids differ from open_clip.tokenize")
        compare(model.textEmbeddings(tokens), try array("clip_text_embeds"), "CLIP text embeddings")
    }

    /// `MetricScorer` end to end on the image files: every score within 1e-5 of the reference's.
    func checkScores() throws {
        let scorer = MetricScorer(dino: try DINOViT.load(from: dinoFolder), clip: try CLIPMetricModel.load(folder: clipFolder),
                                  tokenizer: try Self.tokenizer.get())
        let score = try manifest().score
        let references = score.references.map { folder + "/" + $0 }
        var computed: [ImageScores] = []
        for expected in score.images {
            let scores = try scorer.scores(ofImageAt: folder + "/" + expected.path, references: references, prompt: score.prompt)
            computed.append(scores)
            for (name, ours, theirs) in [("DINO-I", scores.dinoI, expected.scores.dinoI), ("CLIP-I", scores.clipI, expected.scores.clipI),
                                         ("CLIP-T", scores.clipT ?? .nan, expected.scores.clipT ?? .nan)] {
                #expect(abs(ours - theirs) <= 1e-5, "\(name) of \(expected.path): \(ours), reference \(theirs)")
                if folder != Self.tiny.folder { print("\(name) of \(expected.path): \(ours), reference \(theirs), error \(abs(ours - theirs))") }
            }
        }
        let mean = try #require(MetricSummary(computed)).means
        #expect(abs(mean.dinoI - score.mean.dinoI) <= 1e-5 && abs(mean.clipI - score.mean.clipI) <= 1e-5
                && abs((mean.clipT ?? .nan) - (score.mean.clipT ?? .nan)) <= 1e-5, "means \(mean), reference \(score.mean)")
    }
}

/// The metric encoders against transformers' ViTModel and CLIPModel, the DINO repository's
/// VisionTransformer, torchvision's transforms and open_clip's tokenizer, on tiny random models (fp16
/// weights, references in float64). Embeddings pass at |ours − reference| ≤ 1e-5 + 1e-4·|reference|,
/// scores at 1e-5 absolute.
struct MetricParityTests {
    let fixtures = MetricFixtures.tiny

    @Test func dinoFromTheHuggingFaceFolderPreprocessesAndEmbeds() throws { try fixtures.checkDINO() }

    @Test func dinoFromTheTorchHubStateDictInterpolatesAsTheDINORepository() throws { try fixtures.checkDINOTorchHub() }

    @Test func clipPreprocessesTokenisesAndEmbedsImagesAndText() throws { try fixtures.checkCLIP() }

    @Test func scoresMatchTheReference() throws { try fixtures.checkScores() }

    /// The two interpolation conventions differ at 224 px for a 4 × 4 grid: the hub fixture is not just
    /// the Hugging Face one again.
    @Test func theTwoInterpolationConventionsDiffer() throws {
        let (huggingFace, hub) = (try fixtures.array("dino_embeds"), try fixtures.array("dino_hub_embeds"))
        let largest = zip(huggingFace.scalars, hub.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(largest > 1e-3)
    }
}

/// The same checks at the real sizes (DINO ViT-S/16 at 224 px, CLIP ViT-B/32) with random weights,
/// printing the largest errors. Opt-in: `ops/reference/check_metrics_full_size.py` writes the folder and
/// `CUSTOMNET_FULL_SIZE_METRIC_FIXTURES=<folder>` runs these (best in a release build).
@Suite(.serialized, .enabled(if: MetricFixtures.fullSize != nil, "CUSTOMNET_FULL_SIZE_METRIC_FIXTURES names no fixture folder"))
struct FullSizeMetricParityTests {
    @Test func dino() throws { try MetricFixtures.fullSize!.checkDINO() }
    @Test func dinoTorchHub() throws { try MetricFixtures.fullSize!.checkDINOTorchHub() }
    @Test func clip() throws { try MetricFixtures.fullSize!.checkCLIP() }
    @Test func scores() throws { try MetricFixtures.fullSize!.checkScores() }
}
