import Foundation

extension DINOViT {
    /// The DINO ViT at `path`: a Hugging Face model folder (`config.json` and `model.safetensors` or
    /// `pytorch_model.bin`, keys in either layout), or a torch-hub state dict file such as
    /// `dino_deitsmall16_pretrain.pth`, whose sizes are read from its shapes (`inferredConfig(torchHub:)`).
    public static func load(from path: String) throws(MetricError) -> DINOViT {
        guard FileManager.default.fileExists(atPath: path) else {
            throw MetricError(path: path, problem: "no such file or folder (expected a DINO ViT model folder or a torch-hub state dict)")
        }
        if HuggingFaceModelFolder.isFolder(path) {
            let folder = try HuggingFaceModelFolder(path: path, model: "DINO ViT")
            let config = try folder.config(HuggingFaceViTConfig.self).dinoConfig(configPath: folder.configPath)
            return try DINOViT(weights: folder.weights(), config: config)
        }
        let store: WeightStore
        do {
            store = try WeightStore(path: path)
        } catch {
            throw MetricError(path: error.path, problem: error.problem)
        }
        return try DINOViT(weights: store, config: inferredConfig(torchHub: store))
    }

    /// The model in `store`, in whichever layout its keys are, checked complete: every missing,
    /// mis-shaped or unexpected key is named in one error, with the file and the model.
    public init(weights store: WeightStore, config: DINOViTConfig) throws(MetricError) {
        guard let layout = DINOWeightLayout.detect(in: store) else {
            throw MetricError(path: store.path, problem: "not a DINO ViT: it holds neither \(DINOWeightLayout.huggingFace.classTokenKey) "
                              + "(Hugging Face ViTModel) nor \(DINOWeightLayout.torchHub.classTokenKey) (torch-hub DINO)")
        }
        let source = ParameterSource(store: store)
        self.init(source, config: config, layout: layout)
        do {
            try source.checkComplete(ownedPrefixes: [""], ignoredKeys: layout.unreadKeys)
        } catch {
            throw MetricError(model: config.summary, error)
        }
    }

    /// The head count of each width DINO published (`vit_tiny`, `vit_small`, `vit_base`: 64-channel heads);
    /// no weight shape records it, so a state dict of another width needs a config.json.
    static let publishedHeadCounts = [192: 3, 384: 6, 768: 12]

    /// The sizes of a torch-hub DINO state dict, read from its shapes: width from `cls_token`, patch size
    /// from `patch_embed.proj.weight`, the trained grid from `pos_embed`, layers by counting `blocks.N`,
    /// the MLP from `blocks.0.mlp.fc1.weight`, and heads from the width (`publishedHeadCounts`).
    public static func inferredConfig(torchHub store: WeightStore) throws(MetricError) -> DINOViTConfig {
        if DINOWeightLayout.detect(in: store) == .huggingFace {
            throw MetricError(path: store.path, problem: "a Hugging Face ViTModel weight file: give its folder, whose config.json has the sizes")
        }
        func shape(_ key: String, rank: Int) throws(MetricError) -> [Int] {
            guard let entry = store.entry(named: key) else {
                throw MetricError(path: store.path, problem: "not a torch-hub DINO state dict: it has no \(key)")
            }
            guard entry.shape.count == rank, entry.shape.allSatisfy({ $0 > 0 }) else {
                throw MetricError(path: store.path, problem: "not a torch-hub DINO state dict: \(key) has shape \(entry.shape)")
            }
            return entry.shape
        }
        let width = try shape("cls_token", rank: 3)[2]
        let patchSize = try shape("patch_embed.proj.weight", rank: 4)[2]
        let tokens = try shape("pos_embed", rank: 3)[1]
        let grid = Int(Double(tokens - 1).squareRoot().rounded())
        guard grid * grid == tokens - 1 else {
            throw MetricError(path: store.path, problem: "pos_embed holds \(tokens) positions, not a class token and a square grid")
        }
        let feedForwardWidth = try shape("blocks.0.mlp.fc1.weight", rank: 2)[0]
        let layers = (0...).first { store.entry(named: "blocks.\($0).norm1.weight") == nil }!
        guard let heads = publishedHeadCounts[width] else {
            throw MetricError(path: store.path, problem: "width \(width) is none of DINO's published ViTs (192, 384, 768), so its head count "
                              + "is unknown; give the model as a Hugging Face folder whose config.json has num_attention_heads")
        }
        return DINOViTConfig(imageSize: grid * patchSize, patchSize: patchSize, width: width, layers: layers,
                             heads: heads, feedForwardWidth: feedForwardWidth)
    }
}

/// The fields of a Hugging Face `ViTConfig` (config.json) that decide a DINO ViT. Absent fields take
/// transformers' defaults, which `to_json_file` leaves out. `layer_norm_eps` is written but not used
/// (see `DINOViTConfig.layerNormEpsilon`).
struct HuggingFaceViTConfig: Codable, Equatable {
    var architectures: [String]?
    var modelType: String
    var hiddenSize: Int
    var numHiddenLayers: Int
    var numAttentionHeads: Int
    var intermediateSize: Int
    var hiddenAct: String
    var imageSize: Int
    var patchSize: Int
    var numChannels: Int
    var qkvBias: Bool
    var layerNormEps: Double

    enum CodingKeys: String, CodingKey {
        case architectures, modelType = "model_type", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size", hiddenAct = "hidden_act"
        case imageSize = "image_size", patchSize = "patch_size", numChannels = "num_channels", qkvBias = "qkv_bias"
        case layerNormEps = "layer_norm_eps"
    }

    init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        architectures = try fields.decodeIfPresent([String].self, forKey: .architectures)
        modelType = try fields.value(.modelType, default: "vit")
        hiddenSize = try fields.value(.hiddenSize, default: 768)
        numHiddenLayers = try fields.value(.numHiddenLayers, default: 12)
        numAttentionHeads = try fields.value(.numAttentionHeads, default: 12)
        intermediateSize = try fields.value(.intermediateSize, default: 3072)
        hiddenAct = try fields.value(.hiddenAct, default: "gelu")
        imageSize = try fields.value(.imageSize, default: 224)
        patchSize = try fields.value(.patchSize, default: 16)
        numChannels = try fields.value(.numChannels, default: 3)
        qkvBias = try fields.value(.qkvBias, default: true)
        layerNormEps = try fields.value(.layerNormEps, default: 1e-12)
    }

    /// The config.json that `ViTModel(config, add_pooling_layer=False)` loads as `config`.
    init(_ config: DINOViTConfig) {
        architectures = ["ViTModel"]
        modelType = "vit"
        hiddenSize = config.width
        numHiddenLayers = config.layers
        numAttentionHeads = config.heads
        intermediateSize = config.feedForwardWidth
        hiddenAct = "gelu"
        imageSize = config.imageSize
        patchSize = config.patchSize
        numChannels = 3
        qkvBias = true
        layerNormEps = Double(DINOViTConfig.layerNormEpsilon)
    }

    /// The DINO configuration, or an error naming the field that a DINO ViT cannot have.
    func dinoConfig(configPath: String) throws(MetricError) -> DINOViTConfig {
        func refuse(_ problem: String) -> MetricError { MetricError(path: configPath, problem: "not a DINO ViT config: \(problem)") }
        guard modelType == "vit" else { throw refuse("model_type is \"\(modelType)\", not \"vit\"") }
        guard hiddenAct == "gelu" else { throw refuse("hidden_act is \"\(hiddenAct)\", not \"gelu\" (DINO's exact GELU)") }
        guard qkvBias else { throw refuse("qkv_bias is false; DINO's attention has biases") }
        guard numChannels == 3 else { throw refuse("num_channels is \(numChannels), not 3 (RGB)") }
        guard [hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, imageSize, patchSize].allSatisfy({ $0 > 0 }) else {
            throw refuse("sizes must be positive")
        }
        guard hiddenSize % numAttentionHeads == 0 else { throw refuse("hidden_size \(hiddenSize) does not split into \(numAttentionHeads) heads") }
        guard imageSize % patchSize == 0 else { throw refuse("image_size \(imageSize) is not a multiple of patch_size \(patchSize)") }
        return DINOViTConfig(imageSize: imageSize, patchSize: patchSize, width: hiddenSize, layers: numHiddenLayers,
                             heads: numAttentionHeads, feedForwardWidth: intermediateSize)
    }
}
