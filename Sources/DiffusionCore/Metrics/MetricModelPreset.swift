import Tensor

/// A metric encoder architecture that `customnet model init-random` writes with random weights, as a
/// Hugging Face model folder (config.json + model.safetensors) that `DINOViT.load(from:)`,
/// `CLIPMetricModel.load(folder:)` and transformers' `ViTModel` / `CLIPModel` all read.
public struct MetricModelPreset: Sendable, Equatable {
    /// The two kinds of metric encoder.
    public enum Architecture: Sendable, Equatable {
        /// A DINO ViT (`ViTModel` folder).
        case dino(DINOViTConfig)
        /// A CLIP model (`CLIPModel` folder).
        case clip(CLIPMetricConfig)
    }

    /// `dino-tiny`, `dino-vits16`, `clip-tiny` or `clip-vit-b32`.
    public let name: String
    /// What it builds.
    public let architecture: Architecture

    /// `DINOViTConfig.tiny`: tests and demos.
    public static let dinoTiny = MetricModelPreset(name: "dino-tiny", architecture: .dino(.tiny))
    /// `DINOViTConfig.vitS16`, the shapes of `facebook/dino-vits16`.
    public static let dinoViTS16 = MetricModelPreset(name: "dino-vits16", architecture: .dino(.vitS16))
    /// `CLIPMetricConfig.tiny`: tests and demos.
    public static let clipTiny = MetricModelPreset(name: "clip-tiny", architecture: .clip(.tiny))
    /// `CLIPMetricConfig.vitB32`, the shapes of `openai/clip-vit-base-patch32`.
    public static let clipViTB32 = MetricModelPreset(name: "clip-vit-b32", architecture: .clip(.vitB32))

    /// Every preset, as `init-random` lists them.
    public static let all = [dinoTiny, dinoViTS16, clipTiny, clipViTB32]

    /// The preset named `name`, if any.
    public static func named(_ name: String) -> MetricModelPreset? { all.first { $0.name == name } }

    /// Every tensor of the model folder's weight file, with its shape, in the order the model reads them
    /// (CLIP's unread `logit_scale` last).
    public var layout: [(name: String, shape: [Int])] {
        let recorder = ParameterSource()
        switch architecture {
        case .dino(let config):
            _ = DINOViT(recorder, config: config, layout: .huggingFace)
            return recorder.requested
        case .clip(let config):
            _ = CLIPMetricModel(huggingFace: recorder, config: config)
            return recorder.requested + [("logit_scale", [])]
        }
    }

    /// Writes the model folder `folder` (created if missing): config.json and model.safetensors with
    /// random weights (`RandomWeights`, the same for the same seed) stored as `dtype`.
    public func writeRandomFolder(_ folder: String, seed: UInt64, dtype: WeightDType) throws {
        let metadata = ["format": "pt", "customnet.preset": name, "customnet.weights": "random, seed \(seed)"]
        let tensor = { (name: String, shape: [Int]) -> Tensor in
            name == "logit_scale" ? Tensor(shape: [], scalars: [Float(CLIPMetricModel.initialLogitScale)])
                : RandomWeights.tensor(named: name, shape: shape, seed: seed)
        }
        let layout = layout
        let shapes = Dictionary(layout.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
        switch architecture {
        case .dino(let config):
            try HuggingFaceModelFolder.write(config: HuggingFaceViTConfig(config), layout: layout, to: folder, dtype: dtype,
                                             metadata: metadata) { tensor($0, shapes[$0]!) }
        case .clip(let config):
            try HuggingFaceModelFolder.write(config: HuggingFaceCLIPConfig(config), layout: layout, to: folder, dtype: dtype,
                                             metadata: metadata) { tensor($0, shapes[$0]!) }
        }
    }
}
