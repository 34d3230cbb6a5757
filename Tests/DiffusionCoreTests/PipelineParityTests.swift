import Foundation
import ImageIO
import Tensor
import Testing
@testable import DiffusionCore

/// The whole generator against an independent PyTorch run of the official procedure
/// (ops/reference/make_pipeline_fixtures.py): tiny preset, random weights, a real torch.save checkpoint.
struct PipelineParityTests {
    struct Manifest: Decodable {
        let box: [Int]
        let polar, azimuth: Double
        let prompt: String
        let seed: UInt64
        let steps: Int
        let guidance: Float
        let timesteps: [Int]
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/pipeline").standardized.path

    static func load(_ name: String) throws -> Tensor { try NumPyFile.read(path: folder + "/\(name).npy") }

    static func setUp() throws -> (CustomNetGenerator, Manifest) {
        let manifest = try JSONDecoder().decode(Manifest.self, from: try #require(FileManager.default.contents(atPath: folder + "/manifest.json")))
        let tokenizer = try ClipTokenizer(openCLIPMergesFileAt: ClipVocabularyFile.locate())
        let generator = try CustomNetGenerator(checkpoint: WeightStore(path: folder + "/customnet_tiny.pt"), tokenizer: tokenizer)
        return (generator, manifest)
    }

    @Test func conditioningMatchesTheReference() throws {
        let (generator, manifest) = try Self.setUp()
        #expect(generator.preset.name == "tiny")
        let object = generator.objectTensor(try PNG.read(path: Self.folder + "/object.png"))
        expectClose(object, try Self.load("object_tensor"), relative: 0, absolute: 1e-6, "object tensor (PIL bicubic resize)")
        expectClose(generator.objectEmbedding(object), try Self.load("object_embedding"), "CLIP image embedding")
        let box = Box(x0: manifest.box[0], y0: manifest.box[1], x1: manifest.box[2], y1: manifest.box[3])
        expectClose(generator.locationLatent(object, box: box), try Self.load("c_concat"), "location latent (VAE mean)")
        expectClose(generator.textEmbedding(manifest.prompt), try Self.load("text_embedding"), "text embedding")
        expectClose(generator.initialNoise(seed: manifest.seed), try Self.load("x_T"), relative: 0, absolute: 2e-6, "seeded x_T")
    }

    /// Every DDIM step's latent within 1e-4 relative to the latent's scale (max |error| / max |value|;
    /// elementwise relative error is meaningless for values that cross zero) and the image within
    /// PSNR ≥ 45 dB with at most 0.1 % of the 8-bit values differing.
    @Test func everyStepAndTheImageMatchTheReference() throws {
        let (generator, manifest) = try Self.setUp()
        let object = generator.objectTensor(try PNG.read(path: Self.folder + "/object.png"))
        let box = Box(x0: manifest.box[0], y0: manifest.box[1], x1: manifest.box[2], y1: manifest.box[3])
        let expectedLatents = try Self.load("latents")
        var latents: [Tensor] = []
        let image = generator.sample(
            objectEmbedding: generator.objectEmbedding(object), locationLatent: generator.locationLatent(object, box: box),
            textEmbedding: generator.textEmbedding(manifest.prompt), pose: Pose(polar: manifest.polar, azimuth: manifest.azimuth),
            noise: try Self.load("x_T"), steps: manifest.steps, guidance: manifest.guidance) { _, _, latent in latents.append(latent) }
        try #require(latents.count == manifest.timesteps.count)
        var worst = 0.0
        for (index, latent) in latents.enumerated() {
            let expected = expectedLatents.slice(index..<index + 1).scalars
            let error = zip(latent.scalars, expected).map { abs(Double($0) - Double($1)) }.max()!
            let scale = expected.map { abs(Double($0)) }.max()!
            worst = max(worst, error / scale)
            #expect(error / scale <= 1e-4, "latent after step \(index) (t=\(manifest.timesteps[index])): max error \(error), scale \(scale)")
        }
        print("pipeline parity: worst latent error \(worst) of the latent's scale over \(latents.count) steps")
        let expected = try PNG.read(path: Self.folder + "/expected.png")
        let differences = zip(image.pixels, expected.pixels).map { Double(Int($0) - Int($1)) }
        let meanSquare = differences.map { $0 * $0 }.reduce(0, +) / Double(differences.count)
        let psnr = meanSquare == 0 ? Double.infinity : 10 * log10(255 * 255 / meanSquare)
        let differing = differences.filter { $0 != 0 }.count
        print("pipeline parity: PSNR \(psnr) dB, \(differing) of \(differences.count) 8-bit values differ")
        #expect(psnr >= 45, "PSNR \(psnr) dB")
        #expect(Double(differing) <= 0.001 * Double(differences.count), "\(differing) of \(differences.count) values differ")
    }

    @Test func renderingTheSameTaskWithOneAndTwoThreadsGivesIdenticalPNGBytes() throws {
        let (generator, manifest) = try Self.setUp()
        let request = RenderRequest(object: try PNG.read(path: Self.folder + "/object.png"), pose: Pose(polar: 10, azimuth: 20),
                                    prompt: manifest.prompt, seed: 7, steps: 6)
        let before = Compute.threadCount
        defer { Compute.threadCount = before }
        Compute.threadCount = 1
        let single = try PNG.encode(try generator.render(request))
        Compute.threadCount = 2
        let double = try PNG.encode(try generator.render(request))
        #expect(single == double)
    }
}
