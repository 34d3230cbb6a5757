import Tensor

/// The key layout of the official CustomNet checkpoint (customnet-spec §3): where each part's parameters
/// live, and the keys a strict load accepts without reading them.
public enum CustomNetCheckpoint {
    static let unetPrefix = "model.diffusion_model."
    static let vaePrefix = "first_stage_model."
    static let visionPrefix = "cond_stage_model.model.visual."
    static let projectionPrefix = "cc_projection."
    static let textPrefix = "text_encoder.transformer.text_model."

    /// Every prefix the five parts own; a key under one of them that no part reads is an error.
    static let ownedPrefixes = [unetPrefix, vaePrefix, "cond_stage_model.", projectionPrefix, textPrefix]

    /// The DDPM schedule buffers saved at the top level (only `alphas_cumprod` is used).
    static let scheduleBuffers = ["betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod",
                                  "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod",
                                  "sqrt_recipm1_alphas_cumprod", "posterior_variance", "posterior_log_variance_clipped",
                                  "posterior_mean_coef1", "posterior_mean_coef2"]

    /// Leftovers of OpenAI CLIP's text side under `cond_stage_model.model.` (its transformer was deleted,
    /// these were not); a strict load needs them present, nothing reads them.
    static func clipTextLeftovers(_ text: CLIPTextConfig, projection: Int) -> [(name: String, shape: [Int])] {
        let prefix = "cond_stage_model.model."
        return [(prefix + "positional_embedding", [text.contextLength, text.width]),
                (prefix + "text_projection", [text.width, projection]),
                (prefix + "logit_scale", []),
                (prefix + "token_embedding.weight", [text.vocabularySize, text.width]),
                (prefix + "ln_final.weight", [text.width]),
                (prefix + "ln_final.bias", [text.width])]
    }
}

/// The five parts of a CustomNet checkpoint, built from one parameter source.
struct CustomNetModels: Sendable {
    let unet: UNet
    let vaeEncoder: VAEEncoder
    let vaeDecoder: VAEDecoder
    let vision: CLIPVisionTower
    let projection: Linear
    let text: CLIPTextTower
    /// Keys the parts do not read but a checkpoint may hold (`embeddings.position_ids`, CLIP leftovers).
    let unreadKeys: Set<String>

    init(_ parameters: ParameterSource, preset: CustomNetPreset) {
        unet = UNet(parameters.scoped("model").scoped("diffusion_model"), config: preset.unet)
        let autoencoder = parameters.scoped("first_stage_model")
        vaeEncoder = VAEEncoder(autoencoder, config: preset.vae)
        vaeDecoder = VAEDecoder(autoencoder, config: preset.vae)
        let clip = parameters.scoped("cond_stage_model").scoped("model")
        vision = CLIPVisionTower(clip.scoped("visual"), config: preset.vision)
        // The object token: [CLIP image embedding, pose (4)] → context width.
        projection = Linear(parameters.scoped("cc_projection"), input: preset.vision.outputDimension + 4,
                            output: preset.unet.contextDimension)
        text = CLIPTextTower(parameters.scoped("text_encoder").scoped("transformer").scoped("text_model"), config: preset.text)
        for leftover in CustomNetCheckpoint.clipTextLeftovers(preset.text, projection: preset.vision.outputDimension) {
            _ = parameters.tensor(leftover.name, shape: leftover.shape)
        }
        unreadKeys = text.unreadKeys.union(CustomNetCheckpoint.scheduleBuffers)
    }
}

extension CustomNetCheckpoint {
    /// Every key of a checkpoint of `preset`, with its shape, in the order the models read them, then the
    /// schedule buffers.
    public static func layout(of preset: CustomNetPreset) -> [(name: String, shape: [Int])] {
        let recorder = ParameterSource()
        _ = CustomNetModels(recorder, preset: preset)
        return recorder.requested + scheduleBuffers.map { ($0, [1000]) }
    }

    /// The twelve schedule buffers, computed once rather than for every tensor written.
    private static let scheduleBufferValues = NoiseSchedule.ldmBuffers()

    /// The value `customnet model init-random` stores under `name`: LDM's DDPM schedule buffers for the
    /// schedule keys, random weights (`RandomWeights`) otherwise.
    public static func initialValue(named name: String, shape: [Int], seed: UInt64) -> Tensor {
        if let buffer = scheduleBufferValues[name] { return Tensor(shape: [buffer.count], scalars: buffer) }
        return RandomWeights.tensor(named: name, shape: shape, seed: seed)
    }
}
