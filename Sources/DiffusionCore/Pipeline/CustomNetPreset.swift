/// The architecture of a CustomNet checkpoint: the configs of its five parts and its image size.
public struct CustomNetPreset: Sendable, Equatable {
    /// `customnet-v1` or `tiny`.
    public let name: String
    public let unet: UNetConfig
    public let vae: VAEConfig
    public let vision: CLIPVisionConfig
    public let text: CLIPTextConfig
    /// Side of the square images the model makes and takes (the latent is 1/8 of it).
    public let imageSize: Int

    /// The official `customnet_v1.pt`: SD-1.5 UNet with dual cross-attention, the SD VAE, OpenAI CLIP
    /// ViT-L/14 image tower, CLIP-L text encoder; 256×256 images.
    public static let customNetV1 = CustomNetPreset(name: "customnet-v1", unet: .customNetV1, vae: .customNetV1,
                                                    vision: .vitL14, text: .vitL14, imageSize: 256)

    /// The same structure at toy sizes (64×64 images, 32-wide conditioning): tests and the demo.
    public static let tiny = CustomNetPreset(name: "tiny", unet: .tiny, vae: .tiny, vision: .tiny, text: .tiny, imageSize: 64)

    public static let all = [customNetV1, tiny]

    /// The preset named `name`, if any.
    public static func named(_ name: String) -> CustomNetPreset? { all.first { $0.name == name } }

    /// Side of the latent (image size / 8).
    public var latentSize: Int { imageSize / 8 }

    /// The preset whose UNet input convolution has the shape this checkpoint holds, if any.
    static func inferred(from store: WeightStore) -> CustomNetPreset? {
        guard let entry = store.entry(named: CustomNetCheckpoint.unetPrefix + "input_blocks.0.0.weight") else { return nil }
        return all.first { entry.shape == [$0.unet.modelChannels, $0.unet.inputChannels, 3, 3] }
    }
}
