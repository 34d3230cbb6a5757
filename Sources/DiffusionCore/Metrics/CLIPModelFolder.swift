// The CLIP model of the CLIP-I / CLIP-T metrics in the layout of transformers' CLIPModel
// (`openai/clip-vit-base-patch32`): both towers with their projections.
import Foundation
import Tensor

/// The sizes of a CLIP model: both towers and the shared embedding dimension (`projection_dim`).
public struct CLIPMetricConfig: Sendable, Equatable {
    /// The image tower; its `outputDimension` is the projection dimension.
    public var vision: CLIPVisionConfig
    /// The text tower.
    public var text: CLIPTextConfig

    /// A configuration; both towers must project to the same dimension (`vision.outputDimension`).
    public init(vision: CLIPVisionConfig, text: CLIPTextConfig) {
        self.vision = vision
        self.text = text
    }

    /// The dimension of image and text embeddings.
    public var projectionDimension: Int { vision.outputDimension }

    /// OpenAI CLIP ViT-B/32, the CLIP-I / CLIP-T encoder: images 224 px in 32 px patches, 768 wide,
    /// 12 layers, 12 heads; text 512 wide, 12 layers, 8 heads; 512-d embeddings.
    public static let vitB32 = CLIPMetricConfig(vision: .vitB32, text: CLIPTextConfig(width: 512, layers: 12, heads: 8))
    /// A tiny one for tests and demos: `CLIPVisionConfig.tiny` (32 px, 32-d embeddings) and a text tower
    /// 8 wide, 2 layers, 2 heads (the full vocabulary and context).
    public static let tiny = CLIPMetricConfig(vision: .tiny, text: CLIPTextConfig(width: 8, layers: 2, heads: 2))

    /// A short description for messages: `CLIP (ViT 768 wide, 12 layers, 32 px patches, 224 px; text 512 wide, 12 layers; 512-d)`.
    public var summary: String {
        "CLIP (ViT \(vision.width) wide, \(vision.layers) layers, \(vision.patchSize) px patches, \(vision.imageSize) px; "
            + "text \(text.width) wide, \(text.layers) layers; \(projectionDimension)-d)"
    }
}

/// CLIP's image and text towers with their projections, as transformers' `CLIPModel` computes
/// `get_image_features` and `get_text_features` (QuickGELU, causal text mask, pooling at the end-of-text
/// token). Embeddings are not normalised and `logit_scale` is not applied.
///
/// Built from the source of a whole `CLIPModel` file, it reads `vision_model.*`, `visual_projection.weight`,
/// `text_model.*` and `text_projection.weight`.
public struct CLIPMetricModel: Sendable {
    /// The configuration it was built with.
    public let config: CLIPMetricConfig
    /// The image tower, its projection included.
    public let vision: CLIPVisionTower
    /// The text tower, before its projection.
    public let text: CLIPTextTower
    private let textProjection: Linear

    /// Keys of a `CLIPModel` file the model does not read: `logit_scale`, and the `position_ids` buffers
    /// transformers < 4.31 saved.
    static let unreadKeys: Set<String> = ["logit_scale", "text_model.embeddings.position_ids", "vision_model.embeddings.position_ids"]

    /// Reads the model from `source` (scoped to the file's root) in the Hugging Face `CLIPModel` layout.
    public init(huggingFace source: ParameterSource, config: CLIPMetricConfig) {
        self.config = config
        vision = CLIPVisionTower(huggingFace: source.scoped("vision_model"), projection: source.scoped("visual_projection"),
                                 config: config.vision)
        text = CLIPTextTower(source.scoped("text_model"), config: config.text)
        textProjection = Linear(source.scoped("text_projection"), input: config.text.width, output: config.projectionDimension, bias: false)
    }

    /// The image embeddings of normalised images (`get_image_features`).
    /// - Parameter pixels: `(b, 3, imageSize, imageSize)`, normalised with CLIP's mean and standard deviation.
    /// - Returns: `(b, projectionDimension)`.
    public func imageEmbeddings(_ pixels: Tensor) -> Tensor { vision(pixels) }

    /// The text embeddings of token rows (`get_text_features`): each row's end-of-text token after the
    /// final LayerNorm, projected. - Returns: `(b, projectionDimension)`.
    public func textEmbeddings(_ tokens: [[Int32]]) -> Tensor { textProjection(text(tokens).pooled) }
}

extension CLIPMetricModel {
    /// The CLIP model in a Hugging Face folder (`openai/clip-vit-base-patch32` and the like): sizes from
    /// config.json, weights from model.safetensors or pytorch_model.bin, checked complete (every
    /// missing, mis-shaped or unexpected key named in one error, with the file and the model).
    public static func load(folder path: String) throws(MetricError) -> CLIPMetricModel {
        let folder = try HuggingFaceModelFolder(path: path, model: "CLIP")
        let config = try folder.config(HuggingFaceCLIPConfig.self).metricConfig(configPath: folder.configPath)
        return try CLIPMetricModel(weights: folder.weights(), config: config)
    }

    /// The model in `store`, a whole `CLIPModel` state dict, checked complete.
    public init(weights store: WeightStore, config: CLIPMetricConfig) throws(MetricError) {
        guard store.entry(named: "vision_model.embeddings.class_embedding") != nil || store.entry(named: "text_model.embeddings.token_embedding.weight") != nil else {
            throw MetricError(path: store.path, problem: "not a Hugging Face CLIPModel: it holds neither vision_model.embeddings.class_embedding "
                              + "nor text_model.embeddings.token_embedding.weight")
        }
        let source = ParameterSource(store: store)
        self.init(huggingFace: source, config: config)
        do {
            try source.checkComplete(ownedPrefixes: [""], ignoredKeys: Self.unreadKeys)
        } catch {
            throw MetricError(model: config.summary, error)
        }
    }
}

/// The fields of a Hugging Face `CLIPConfig` (config.json) that decide the metric model. Absent fields
/// take transformers' defaults (`to_json_file` leaves those out), which are ViT-B/32's. Older files carry
/// `text_config_dict` / `vision_config_dict`; as in transformers, such a dictionary (with defaults for
/// what it leaves out) replaces `text_config` / `vision_config` (openai/clip-vit-large-patch14 has its
/// real sizes only there).
struct HuggingFaceCLIPConfig: Codable, Equatable {
    var architectures: [String]?
    var modelType: String
    var projectionDim: Int
    var logitScaleInitValue: Double
    var textConfig: Text
    var visionConfig: Vision

    /// `text_config`: a `CLIPTextConfig`.
    struct Text: Codable, Equatable {
        var modelType: String
        var vocabSize: Int
        var maxPositionEmbeddings: Int
        var hiddenSize: Int
        var intermediateSize: Int
        var numHiddenLayers: Int
        var numAttentionHeads: Int
        var hiddenAct: String
        var layerNormEps: Double
        var bosTokenId: Int
        var eosTokenId: Int
        var padTokenId: Int

        enum CodingKeys: String, CodingKey {
            case modelType = "model_type", vocabSize = "vocab_size", maxPositionEmbeddings = "max_position_embeddings"
            case hiddenSize = "hidden_size", intermediateSize = "intermediate_size", numHiddenLayers = "num_hidden_layers"
            case numAttentionHeads = "num_attention_heads", hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps"
            case bosTokenId = "bos_token_id", eosTokenId = "eos_token_id", padTokenId = "pad_token_id"
        }

        init(from decoder: any Decoder) throws {
            let fields = try decoder.container(keyedBy: CodingKeys.self)
            modelType = try fields.value(.modelType, default: "clip_text_model")
            vocabSize = try fields.value(.vocabSize, default: 49408)
            maxPositionEmbeddings = try fields.value(.maxPositionEmbeddings, default: 77)
            hiddenSize = try fields.value(.hiddenSize, default: 512)
            intermediateSize = try fields.value(.intermediateSize, default: 2048)
            numHiddenLayers = try fields.value(.numHiddenLayers, default: 12)
            numAttentionHeads = try fields.value(.numAttentionHeads, default: 8)
            hiddenAct = try fields.value(.hiddenAct, default: "quick_gelu")
            layerNormEps = try fields.value(.layerNormEps, default: 1e-5)
            bosTokenId = try fields.value(.bosTokenId, default: 49406)
            eosTokenId = try fields.value(.eosTokenId, default: 49407)
            padTokenId = try fields.value(.padTokenId, default: 1)
        }

        init(_ config: CLIPTextConfig) {
            modelType = "clip_text_model"
            vocabSize = config.vocabularySize
            maxPositionEmbeddings = config.contextLength
            hiddenSize = config.width
            intermediateSize = config.feedForwardWidth
            numHiddenLayers = config.layers
            numAttentionHeads = config.heads
            hiddenAct = "quick_gelu"
            layerNormEps = Double(config.layerNormEpsilon)
            (bosTokenId, eosTokenId, padTokenId) = (49406, 49407, 1)
        }
    }

    /// `vision_config`: a `CLIPVisionConfig`.
    struct Vision: Codable, Equatable {
        var modelType: String
        var hiddenSize: Int
        var intermediateSize: Int
        var numHiddenLayers: Int
        var numAttentionHeads: Int
        var numChannels: Int
        var imageSize: Int
        var patchSize: Int
        var hiddenAct: String
        var layerNormEps: Double

        enum CodingKeys: String, CodingKey {
            case modelType = "model_type", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
            case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads", numChannels = "num_channels"
            case imageSize = "image_size", patchSize = "patch_size", hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps"
        }

        init(from decoder: any Decoder) throws {
            let fields = try decoder.container(keyedBy: CodingKeys.self)
            modelType = try fields.value(.modelType, default: "clip_vision_model")
            hiddenSize = try fields.value(.hiddenSize, default: 768)
            intermediateSize = try fields.value(.intermediateSize, default: 3072)
            numHiddenLayers = try fields.value(.numHiddenLayers, default: 12)
            numAttentionHeads = try fields.value(.numAttentionHeads, default: 12)
            numChannels = try fields.value(.numChannels, default: 3)
            imageSize = try fields.value(.imageSize, default: 224)
            patchSize = try fields.value(.patchSize, default: 32)
            hiddenAct = try fields.value(.hiddenAct, default: "quick_gelu")
            layerNormEps = try fields.value(.layerNormEps, default: 1e-5)
        }

        init(_ config: CLIPVisionConfig) {
            modelType = "clip_vision_model"
            hiddenSize = config.width
            intermediateSize = config.feedForwardWidth
            numHiddenLayers = config.layers
            numAttentionHeads = config.heads
            numChannels = 3
            imageSize = config.imageSize
            patchSize = config.patchSize
            hiddenAct = "quick_gelu"
            layerNormEps = Double(config.layerNormEpsilon)
        }
    }

    enum CodingKeys: String, CodingKey {
        case architectures, modelType = "model_type", projectionDim = "projection_dim", logitScaleInitValue = "logit_scale_init_value"
        case textConfig = "text_config", visionConfig = "vision_config"
        case textConfigDictionary = "text_config_dict", visionConfigDictionary = "vision_config_dict"
    }

    init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        architectures = try fields.decodeIfPresent([String].self, forKey: .architectures)
        modelType = try fields.value(.modelType, default: "clip")
        projectionDim = try fields.value(.projectionDim, default: 512)
        logitScaleInitValue = try fields.value(.logitScaleInitValue, default: 2.6592)
        textConfig = try fields.decodeIfPresent(Text.self, forKey: .textConfigDictionary)
            ?? fields.decodeIfPresent(Text.self, forKey: .textConfig) ?? Text(CLIPMetricConfig.vitB32.text)
        visionConfig = try fields.decodeIfPresent(Vision.self, forKey: .visionConfigDictionary)
            ?? fields.decodeIfPresent(Vision.self, forKey: .visionConfig) ?? Vision(CLIPMetricConfig.vitB32.vision)
    }

    func encode(to encoder: any Encoder) throws {
        var fields = encoder.container(keyedBy: CodingKeys.self)
        try fields.encodeIfPresent(architectures, forKey: .architectures)
        try fields.encode(modelType, forKey: .modelType)
        try fields.encode(projectionDim, forKey: .projectionDim)
        try fields.encode(logitScaleInitValue, forKey: .logitScaleInitValue)
        try fields.encode(textConfig, forKey: .textConfig)
        try fields.encode(visionConfig, forKey: .visionConfig)
    }

    /// The config.json `CLIPModel` loads as `config`.
    init(_ config: CLIPMetricConfig) {
        architectures = ["CLIPModel"]
        modelType = "clip"
        projectionDim = config.projectionDimension
        logitScaleInitValue = CLIPMetricModel.initialLogitScale
        textConfig = Text(config.text)
        visionConfig = Vision(config.vision)
    }

    /// The metric configuration, or an error naming the field the model cannot have.
    func metricConfig(configPath: String) throws(MetricError) -> CLIPMetricConfig {
        func refuse(_ problem: String) -> MetricError { MetricError(path: configPath, problem: "not an OpenAI CLIP config: \(problem)") }
        let (text, vision) = (textConfig, visionConfig)
        guard modelType == "clip" else { throw refuse("model_type is \"\(modelType)\", not \"clip\"") }
        for (field, activation) in [("text_config.hidden_act", text.hiddenAct), ("vision_config.hidden_act", vision.hiddenAct)] where activation != "quick_gelu" {
            throw refuse("\(field) is \"\(activation)\"; OpenAI CLIP uses \"quick_gelu\"")
        }
        guard text.vocabSize == 49408 else { throw refuse("text_config.vocab_size is \(text.vocabSize), not the CLIP BPE vocabulary's 49408") }
        guard text.maxPositionEmbeddings == 77 else {
            throw refuse("text_config.max_position_embeddings is \(text.maxPositionEmbeddings), not the tokenizer's 77")
        }
        for (field, width, intermediate) in [("text_config", text.hiddenSize, text.intermediateSize), ("vision_config", vision.hiddenSize, vision.intermediateSize)]
        where intermediate != 4 * width {
            throw refuse("\(field).intermediate_size is \(intermediate), not 4 × hidden_size (\(4 * width))")
        }
        for (field, width, heads) in [("text_config", text.hiddenSize, text.numAttentionHeads), ("vision_config", vision.hiddenSize, vision.numAttentionHeads)]
        where width <= 0 || heads <= 0 || width % heads != 0 {
            throw refuse("\(field).hidden_size \(width) does not split into \(heads) heads")
        }
        guard vision.numChannels == 3 else { throw refuse("vision_config.num_channels is \(vision.numChannels), not 3 (RGB)") }
        guard vision.patchSize > 0 && vision.imageSize > 0 && vision.imageSize % vision.patchSize == 0 else {
            throw refuse("vision_config.image_size \(vision.imageSize) is not a multiple of patch_size \(vision.patchSize)")
        }
        guard projectionDim > 0, text.numHiddenLayers >= 0, vision.numHiddenLayers >= 0 else { throw refuse("sizes must be positive") }
        return CLIPMetricConfig(
            vision: CLIPVisionConfig(imageSize: vision.imageSize, patchSize: vision.patchSize, width: vision.hiddenSize,
                                     layers: vision.numHiddenLayers, heads: vision.numAttentionHeads, outputDimension: projectionDim,
                                     layerNormEpsilon: Float(vision.layerNormEps)),
            text: CLIPTextConfig(vocabularySize: text.vocabSize, contextLength: text.maxPositionEmbeddings, width: text.hiddenSize,
                                 layers: text.numHiddenLayers, heads: text.numAttentionHeads, layerNormEpsilon: Float(text.layerNormEps)))
    }
}

extension CLIPMetricModel {
    /// `logit_scale` of a freshly initialised CLIP, ln(1 / 0.07): what random weights store.
    static let initialLogitScale = 2.6592
}
