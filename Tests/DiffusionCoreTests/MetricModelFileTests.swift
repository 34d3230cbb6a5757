import Foundation
import ImageIO
import Tensor
import Testing
@testable import DiffusionCore

/// Loading the metric encoders: config.json with transformers' defaults, torch-hub size inference, the
/// random-weight presets, and every kind of bad input giving an error that names the file, the model and
/// the key (or the image).
struct MetricModelFileTests {
    let fixtures = MetricFixtures.tiny

    /// A copy of a fixture model folder in `folder`, its config.json passed through `editConfig` and its
    /// tensors through `editTensors`, written as model.safetensors.
    func copy(_ source: String, into folder: TemporaryFolder, named name: String,
              editConfig: (inout [String: Any]) -> Void = { _ in }, editTensors: (inout [String: Tensor]) -> Void = { _ in }) throws -> String {
        let target = folder.path + "/" + name
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        var config = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source + "/config.json"))) as? [String: Any])
        editConfig(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: target + "/config.json"))
        let store = try HuggingFaceModelFolder(path: source, model: "test").weights()
        var tensors: [String: Tensor] = [:]
        for entry in store.entries where entry.dtype != .i64 { tensors[entry.name] = try store.tensor(entry.name) }
        editTensors(&tensors)
        try SafetensorsWriter.write(tensors, to: target + "/model.safetensors", dtype: .f32)
        return target
    }

    /// The fixtures' config.json files leave out the fields equal to transformers' defaults (hidden_act,
    /// layer_norm_eps, vocab_size, …), which the decoders fill in.
    @Test func configsDecodeWithTransformersDefaults() throws {
        #expect(try DINOViT.load(from: fixtures.dinoFolder).config == .tiny)
        #expect(try CLIPMetricModel.load(folder: fixtures.clipFolder).config == .tiny)
        for json in ["{}", #"{"text_config": {}, "vision_config": {}, "text_config_dict": null}"#] {
            let defaults = try JSONDecoder().decode(HuggingFaceCLIPConfig.self, from: Data(json.utf8))
            #expect(try defaults.metricConfig(configPath: "config.json") == .vitB32)
        }
        // openai/clip-vit-large-patch14's layout: the real sizes only in the *_dict entries, which win.
        let legacy = try JSONDecoder().decode(HuggingFaceCLIPConfig.self, from: Data("""
            {"projection_dim": 768, "text_config": {"hidden_size": 512}, "vision_config": {"hidden_size": 768},
             "text_config_dict": {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12},
             "vision_config_dict": {"hidden_size": 1024, "intermediate_size": 4096, "num_attention_heads": 16,
                                    "num_hidden_layers": 24, "patch_size": 14}}
            """.utf8))
        #expect(try legacy.metricConfig(configPath: "config.json") == CLIPMetricConfig(vision: .vitL14, text: .vitL14))
        #expect(try JSONDecoder().decode(HuggingFaceViTConfig.self, from: Data("{}".utf8)).dinoConfig(configPath: "config.json")
                == DINOViTConfig(imageSize: 224, patchSize: 16, width: 768, layers: 12, heads: 12, feedForwardWidth: 3072))
    }

    /// Every preset writes a folder that the loaders and transformers read; the real-size ones have the
    /// parameter counts of transformers' models (ViTModel without pooler, CLIPModel).
    @Test func initRandomPresetsWriteLoadableFolders() throws {
        let folder = try TemporaryFolder()
        try MetricModelPreset.dinoTiny.writeRandomFolder(folder.path + "/dino", seed: 3, dtype: .f16)
        try MetricModelPreset.clipTiny.writeRandomFolder(folder.path + "/clip", seed: 3, dtype: .f16)
        let dino = try DINOViT.load(from: folder.path + "/dino"), clip = try CLIPMetricModel.load(folder: folder.path + "/clip")
        #expect(dino.config == .tiny && dino.layout == .huggingFace && clip.config == .tiny)
        let scorer = MetricScorer(dino: dino, clip: clip, tokenizer: try MetricFixtures.tokenizer.get())
        let scores = try scorer.scores(ofImageAt: fixtures.folder + "/generated_portrait.png", references: [fixtures.folder + "/object.png"],
                                       prompt: "a toy")
        #expect(scores.dinoI.isFinite && scores.clipI.isFinite && scores.clipT?.isFinite == true)

        func parameterCount(_ preset: MetricModelPreset) -> Int { preset.layout.reduce(0) { $0 + $1.shape.reduce(1, *) } }
        #expect(parameterCount(.dinoViTS16) == 21_665_664)
        #expect(parameterCount(.clipViTB32) == 151_277_313)
        #expect(MetricModelPreset.all.map(\.name) == ["dino-tiny", "dino-vits16", "clip-tiny", "clip-vit-b32"])
    }

    /// A torch-hub state dict carries no config: its sizes come from its shapes, heads from DINO's
    /// published widths; another width is refused rather than guessed.
    @Test func torchHubSizesAreInferredFromShapes() throws {
        let config = DINOViTConfig(imageSize: 32, patchSize: 16, width: 192, layers: 1, heads: 3, feedForwardWidth: 768)
        let recorder = ParameterSource()
        _ = DINOViT(recorder, config: config, layout: .torchHub)
        let shapes = Dictionary(recorder.requested.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
        let folder = try TemporaryFolder(), path = folder.path + "/dino_vitt16.safetensors"
        try SafetensorsWriter.write(shapes: recorder.requested, to: path, dtype: .f16) { RandomWeights.tensor(named: $0, shape: shapes[$0]!, seed: 1) }
        #expect(try DINOViT.inferredConfig(torchHub: WeightStore(path: path)) == config)
        #expect(try DINOViT.load(from: path).layout == .torchHub)

        let tiny = fixtures.dinoHubFile
        #expect(throws: MetricError(path: tiny, problem: "width 64 is none of DINO's published ViTs (192, 384, 768), so its head count is unknown; "
                                    + "give the model as a Hugging Face folder whose config.json has num_attention_heads")) {
            try DINOViT.load(from: tiny)
        }
        let hfFile = fixtures.dinoFolder + "/model.safetensors"
        #expect(throws: MetricError(path: hfFile, problem: "a Hugging Face ViTModel weight file: give its folder, whose config.json has the sizes")) {
            try DINOViT.load(from: hfFile)
        }
    }

    @Test func aMissingOrIncompleteFolderIsNamed() throws {
        #expect(throws: MetricError(path: "/nonexistent/dino", problem: "no such file or folder (expected a DINO ViT model folder or a torch-hub state dict)")) {
            try DINOViT.load(from: "/nonexistent/dino")
        }
        #expect(throws: MetricError(path: "/nonexistent/clip", problem: "no such folder (expected a CLIP model folder)")) {
            try CLIPMetricModel.load(folder: "/nonexistent/clip")
        }
        #expect(throws: MetricError(path: fixtures.dinoHubFile, problem: "not a folder (a CLIP model folder holds config.json and model.safetensors or pytorch_model.bin)")) {
            try CLIPMetricModel.load(folder: fixtures.dinoHubFile)
        }
        let folder = try TemporaryFolder()
        #expect(throws: MetricError(path: folder.path, problem: "not a Hugging Face CLIP model folder: it has no readable config.json")) {
            try CLIPMetricModel.load(folder: folder.path)
        }
        try FileManager.default.copyItem(atPath: fixtures.clipFolder + "/config.json", toPath: folder.path + "/config.json")
        #expect(throws: MetricError(path: folder.path, problem: "not a Hugging Face CLIP model folder: it holds neither model.safetensors nor pytorch_model.bin")) {
            try CLIPMetricModel.load(folder: folder.path)
        }
    }

    /// The CLIP folder given for DINO and the other way round; a CLIP with exact GELU (not OpenAI's).
    @Test func theWrongModelIsRefusedByItsConfig() throws {
        #expect(throws: MetricError(path: fixtures.clipFolder + "/config.json", problem: "not a DINO ViT config: model_type is \"clip\", not \"vit\"")) {
            try DINOViT.load(from: fixtures.clipFolder)
        }
        #expect(throws: MetricError(path: fixtures.dinoFolder + "/config.json", problem: "not an OpenAI CLIP config: model_type is \"vit\", not \"clip\"")) {
            try CLIPMetricModel.load(folder: fixtures.dinoFolder)
        }
        let folder = try TemporaryFolder()
        let gelu = try copy(fixtures.clipFolder, into: folder, named: "clip-gelu") { config in
            var vision = config["vision_config"] as! [String: Any]
            vision["hidden_act"] = "gelu"
            config["vision_config"] = vision
        }
        #expect(throws: MetricError(path: gelu + "/config.json",
                                    problem: "not an OpenAI CLIP config: vision_config.hidden_act is \"gelu\"; OpenAI CLIP uses \"quick_gelu\"")) {
            try CLIPMetricModel.load(folder: gelu)
        }
        let mistyped = try copy(fixtures.dinoFolder, into: folder, named: "dino-mistyped") { $0["hidden_size"] = "wide" }
        let error = #expect(throws: MetricError.self) { try DINOViT.load(from: mistyped) }
        #expect(error?.path == mistyped + "/config.json")
        #expect(error?.problem.hasPrefix("not a DINO ViT config: field hidden_size: ") == true, "\(error.map(String.init(describing:)) ?? "")")
    }

    /// Weights that do not match the config: one error naming the weight file, the model and each key.
    @Test func mismatchedWeightsNameTheModelAndEveryKey() throws {
        let folder = try TemporaryFolder()
        let deeper = try copy(fixtures.dinoFolder, into: folder, named: "dino-3-layers") { $0["num_hidden_layers"] = 3 }
        let error = #expect(throws: MetricError.self) { try DINOViT.load(from: deeper) }
        #expect(error?.path == deeper + "/model.safetensors")
        #expect(error?.problem.hasPrefix("does not hold a DINO ViT (64 wide, 3 layers, 2 heads, 16 px patches, 64 px): 16 problems: "
                                         + "missing encoder.layer.2.layernorm_before.weight (expected [64]); ") == true, "\(error.map(String.init(describing:)) ?? "")")

        let damaged = try copy(fixtures.clipFolder, into: folder, named: "clip-damaged") { _ in } editTensors: { tensors in
            tensors["text_projection.weight"] = nil
            tensors["vision_model.post_layernorm.bias"] = Tensor(zeros: [65])
            tensors["vision_model.head.weight"] = Tensor(zeros: [2])
        }
        #expect(throws: MetricError(path: damaged + "/model.safetensors",
                                    problem: "does not hold a CLIP (ViT 64 wide, 2 layers, 8 px patches, 32 px; text 8 wide, 2 layers; 32-d): 3 problems: "
                                    + "missing text_projection.weight (expected [32, 8]); vision_model.post_layernorm.bias: expected [64], found [65]; "
                                    + "unexpected vision_model.head.weight")) {
            try CLIPMetricModel.load(folder: damaged)
        }
        #expect(throws: MetricError(path: fixtures.clipFolder + "/pytorch_model.bin",
                                    problem: "not a DINO ViT: it holds neither embeddings.cls_token (Hugging Face ViTModel) nor cls_token (torch-hub DINO)")) {
            try DINOViT(weights: WeightStore(path: fixtures.clipFolder + "/pytorch_model.bin"), config: .tiny)
        }
    }

    /// A constant image scores normally; weights that make a NaN embedding are an error naming the image;
    /// an unreadable image is an error naming the file.
    @Test func badImagesAndNaNEmbeddingsAreErrorsNamingTheImage() throws {
        let folder = try TemporaryFolder()
        let nanDINO = try copy(fixtures.dinoFolder, into: folder, named: "dino-nan") { _ in } editTensors: { tensors in
            tensors["layernorm.weight"] = Tensor(shape: [64], repeating: .nan)
        }
        let tokenizer = try MetricFixtures.tokenizer.get(), clip = try CLIPMetricModel.load(folder: fixtures.clipFolder)
        let flat = fixtures.folder + "/generated_flat.png", reference = fixtures.folder + "/object.png"
        let scorer = MetricScorer(dino: try DINOViT.load(from: fixtures.dinoFolder), clip: clip, tokenizer: tokenizer)
        #expect(try scorer.scores(ofImageAt: flat, references: [reference], prompt: nil).dinoI.isFinite)

        let broken = MetricScorer(dino: try DINOViT.load(from: nanDINO), clip: clip, tokenizer: tokenizer)
        #expect(throws: MetricError(path: flat, problem: "the DINO embedding holds NaN or infinite values")) {
            try broken.embeddings(ofImageAt: flat)
        }
        let text = try folder.file("notes.png", Array("not an image".utf8))
        #expect(throws: ImageIOError(source: text, problem: "neither a PNG nor a JPEG file (it starts with 6E 6F 74 20)")) {
            try scorer.scores(ofImageAt: text, references: [reference], prompt: nil)
        }
        #expect(throws: ImageIOError.self) { try scorer.scores(ofImageAt: flat, references: [folder.path + "/missing.png"], prompt: nil) }
    }

    /// Reference and prompt embeddings are computed once: the second call returns the kept value.
    @Test func referenceAndPromptEmbeddingsAreKept() throws {
        let scorer = MetricScorer(dino: try DINOViT.load(from: fixtures.dinoFolder), clip: try CLIPMetricModel.load(folder: fixtures.clipFolder),
                                  tokenizer: try MetricFixtures.tokenizer.get())
        let folder = try TemporaryFolder(), path = folder.path + "/reference.png"
        try FileManager.default.copyItem(atPath: fixtures.folder + "/object.png", toPath: path)
        let first = try scorer.referenceEmbeddings(ofImageAt: path)
        try FileManager.default.removeItem(atPath: path)
        #expect(try scorer.referenceEmbeddings(ofImageAt: path) == first)
        #expect(try scorer.promptEmbedding("a red clock") == scorer.promptEmbedding("a red clock"))
    }
}
