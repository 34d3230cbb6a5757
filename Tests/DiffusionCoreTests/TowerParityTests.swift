import Foundation
import Tensor
import Testing
@testable import DiffusionCore

/// A folder of tower fixtures: the VAE and both CLIP towers in the official checkpoint layout, with
/// reference inputs and outputs from diffusers / transformers (ops/reference/make_tower_fixtures.py,
/// or check_towers_full_size.py for the real sizes), and the configurations it was made with.
struct TowerFixtures: Sendable {
    let folder: String
    let vae: VAEConfig
    let vision: CLIPVisionConfig
    let text: CLIPTextConfig

    static let vaePrefix = "first_stage_model", visionPrefix = "cond_stage_model.model.visual"
    static let textPrefix = "text_encoder.transformer.text_model"

    /// Tests/Fixtures/towers: the tiny presets (the text tower at width 16 to keep its 49408-row token
    /// table small).
    static let tiny = TowerFixtures(
        folder: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/towers").standardized.path,
        vae: .tiny, vision: .tiny, text: CLIPTextConfig(width: 16, layers: 2, heads: 2))

    /// The real-size configurations, when `CUSTOMNET_FULL_SIZE_FIXTURES` names a folder written by
    /// ops/reference/check_towers_full_size.py.
    static let fullSize: TowerFixtures? = ProcessInfo.processInfo.environment["CUSTOMNET_FULL_SIZE_FIXTURES"].map {
        TowerFixtures(folder: $0, vae: .customNetV1, vision: .vitL14, text: .vitL14)
    }

    func array(_ name: String) throws -> Tensor { try NumPyFile.read(path: folder + "/\(name).npy") }

    func store(_ name: String) throws -> WeightStore { try WeightStore(path: folder + "/\(name).safetensors") }

    /// The encoder and decoder from one source, checked complete together.
    func autoencoder() throws -> (VAEEncoder, VAEDecoder) {
        let source = ParameterSource(store: try store("vae"))
        let scoped = source.scoped(Self.vaePrefix)
        let models = (VAEEncoder(scoped, config: vae), VAEDecoder(scoped, config: vae))
        try source.checkComplete(ownedPrefixes: [Self.vaePrefix + "."])
        return models
    }

    func visionTower() throws -> CLIPVisionTower {
        let source = ParameterSource(store: try store("clip_vision"))
        let tower = CLIPVisionTower(source.scoped(Self.visionPrefix), config: vision)
        try source.checkComplete(ownedPrefixes: [Self.visionPrefix + "."])
        return tower
    }

    func textTower() throws -> CLIPTextTower {
        let source = ParameterSource(store: try store("clip_text"))
        let tower = CLIPTextTower(source.scoped(Self.textPrefix), config: text)
        try source.checkComplete(ownedPrefixes: [Self.textPrefix + "."], ignoredKeys: tower.unreadKeys)
        return tower
    }

    /// The token rows stored as float32 ids.
    func tokens() throws -> [[Int32]] {
        let ids = try array("text_tokens")
        let context = ids.shape[1]
        return (0..<ids.shape[0]).map { row in ids.scalars[row * context ..< (row + 1) * context].map { Int32($0) } }
    }

    func checkVAE() throws {
        let (encoder, decoder) = try autoencoder()
        expectClose(encoder(try array("image")), try array("vae_mean"), "VAE encoder posterior mean (\(folder))")
        expectClose(decoder(try array("vae_latent")), try array("vae_decoded"), "VAE decoder (\(folder))")
    }

    func checkVision() throws {
        let tower = try visionTower()
        let image = try array("image")
        expectClose(tower.preprocess(signedImage: image), try array("clip_pixels"), "CLIP preprocessing (\(folder))")
        expectClose(tower(try array("clip_pixels")), try array("clip_embeds"), "CLIP image embeds from reference pixels (\(folder))")
        expectClose(tower.embed(signedImage: image), try array("clip_embeds"), "CLIP image embeds from the [-1, 1] image (\(folder))")
    }

    func checkText() throws {
        let encoding = try textTower()(try tokens())
        expectClose(encoding.lastHiddenState, try array("text_hidden"), "CLIP text last_hidden_state (\(folder))")
        expectClose(encoding.pooled, try array("text_pooled"), "CLIP text pooled output (\(folder))")
    }
}

/// The VAE and both CLIP towers against diffusers' AutoencoderKL and transformers' CLIP models on the
/// tiny presets with random fp16-rounded weights; the references ran in float64. An element passes
/// when |ours − reference| ≤ 1e-5 + 1e-4·|reference|.
struct TowerParityTests {
    let fixtures = TowerFixtures.tiny

    @Test func vaeEncodesToThePosteriorMeanAndDecodes() throws { try fixtures.checkVAE() }

    @Test func clipVisionPreprocessesAndEmbedsImages() throws { try fixtures.checkVision() }

    @Test func clipTextGivesTheLastHiddenStateAndThePooledOutput() throws { try fixtures.checkText() }

    /// The official checkpoint holds HF's int64 `position_ids` buffer; the tower leaves it unread and names it.
    @Test func theTextTowersPositionIdsAreAnUnreadKeyTheCallerMayIgnore() throws {
        let source = ParameterSource(store: try fixtures.store("clip_text"))
        let tower = CLIPTextTower(source.scoped(TowerFixtures.textPrefix), config: fixtures.text)
        let positionIds = TowerFixtures.textPrefix + ".embeddings.position_ids"
        #expect(tower.unreadKeys == [positionIds])
        #expect(try fixtures.store("clip_text").entry(named: positionIds)?.dtype == .i64)
        let error = #expect(throws: WeightFileError.self) { try source.checkComplete(ownedPrefixes: [TowerFixtures.textPrefix + "."]) }
        #expect(error?.problem == "1 problem: unexpected \(positionIds)")
        try source.checkComplete(ownedPrefixes: [TowerFixtures.textPrefix + "."], ignoredKeys: tower.unreadKeys)
    }

    /// A missing, a mis-shaped and an unexpected key give one error naming the file and each key; keys
    /// outside the owned prefix are not the VAE's business.
    @Test func aDamagedCheckpointGivesOneErrorNamingTheFileAndEveryKey() throws {
        let original = try fixtures.store("vae")
        var tensors: [String: Tensor] = [:]
        for name in original.names { tensors[name] = try original.tensor(name) }
        let prefix = TowerFixtures.vaePrefix + "."
        #expect(tensors.removeValue(forKey: prefix + "encoder.mid.attn_1.q.bias") != nil)
        tensors[prefix + "decoder.up.1.block.0.nin_shortcut.weight"] = Tensor(zeros: [32, 64, 3, 3])
        tensors[prefix + "encoder.down.0.block.0.conv3.weight"] = Tensor(zeros: [2])
        tensors["model.diffusion_model.out.2.bias"] = Tensor(zeros: [4])
        let folder = try TemporaryFolder()
        let path = folder.path + "/damaged.safetensors"
        try SafetensorsWriter.write(tensors, to: path, dtype: .f16)

        let source = ParameterSource(store: try WeightStore(path: path))
        _ = (VAEEncoder(source.scoped(TowerFixtures.vaePrefix), config: .tiny), VAEDecoder(source.scoped(TowerFixtures.vaePrefix), config: .tiny))
        let error = #expect(throws: WeightFileError.self) { try source.checkComplete(ownedPrefixes: [prefix]) }
        #expect(error?.path == path)
        #expect(error?.description == path + ": 3 problems: missing \(prefix)encoder.mid.attn_1.q.bias (expected [64]); "
                + "\(prefix)decoder.up.1.block.0.nin_shortcut.weight: expected [32, 64, 1, 1], found [32, 64, 3, 3]; "
                + "unexpected \(prefix)encoder.down.0.block.0.conv3.weight")
    }

    @Test func presetsHaveTheOfficialShapes() {
        #expect(VAEConfig.customNetV1.downsamplingFactor == 8 && VAEConfig.tiny.downsamplingFactor == 8)
        #expect((0..<4).map(VAEConfig.customNetV1.channels(atLevel:)) == [128, 256, 512, 512])
        #expect(CLIPVisionConfig.vitL14.tokenCount == 257 && CLIPVisionConfig.vitB32.tokenCount == 50)
        #expect(CLIPTextConfig.vitL14.feedForwardWidth == 3072)
    }

    /// Every parameter the real-size models ask for, counted against customnet-spec §2.6, §2.8 and §2.9.
    @Test func realSizeModelsAskForTheOfficialParameterCounts() {
        func count(_ build: (ParameterSource) -> Void) -> Int {
            let source = ParameterSource()
            build(source)
            return source.requested.reduce(0) { $0 + $1.shape.reduce(1, *) }
        }
        #expect(count { _ = (VAEEncoder($0, config: .customNetV1), VAEDecoder($0, config: .customNetV1)) } == 83_653_863)
        #expect(count { _ = CLIPVisionTower($0, config: .vitL14) } == 303_966_208)
        #expect(count { _ = CLIPTextTower($0, config: .vitL14) } == 123_060_480)
    }
}

/// The same checks at the real sizes (VAE customNetV1 at 256², CLIP ViT-L/14 vision, CLIP-L text) with
/// random weights. Opt-in: `ops/reference/check_towers_full_size.py` writes the folder, and
/// `CUSTOMNET_FULL_SIZE_FIXTURES=<folder>` runs these (best in a release build), one at a time since
/// each uses every core.
@Suite(.serialized, .enabled(if: TowerFixtures.fullSize != nil, "CUSTOMNET_FULL_SIZE_FIXTURES names no fixture folder"))
struct FullSizeTowerParityTests {
    @Test func vae() throws { try TowerFixtures.fullSize!.checkVAE() }
    @Test func clipVision() throws { try TowerFixtures.fullSize!.checkVision() }
    @Test func clipText() throws { try TowerFixtures.fullSize!.checkText() }
}
