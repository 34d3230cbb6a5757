/// Hyperparameters of CustomNet's UNet (LDM `UNetModel` with `use_spatial_transformer`, 1×1-conv
/// projections, and the dual cross-attention of `new_text_att`).
public struct UNetConfig: Sendable, Equatable {
    public var inputChannels: Int
    public var outputChannels: Int
    public var modelChannels: Int
    public var channelMultipliers: [Int]
    public var resBlocksPerLevel: Int
    /// Down-sampling factors (1, 2, 4, …) at which a SpatialTransformer follows each ResBlock.
    public var attentionFactors: Set<Int>
    public var heads: Int
    public var contextDimension: Int

    /// The official CustomNet v1 UNet: SD-1.5 with 8 input channels (878,701,764 parameters).
    public static let customNetV1 = UNetConfig(
        inputChannels: 8, outputChannels: 4, modelChannels: 320, channelMultipliers: [1, 2, 4, 4],
        resBlocksPerLevel: 2, attentionFactors: [1, 2, 4], heads: 8, contextDimension: 768)

    /// A small UNet of the same structure for tests and demos: 3 levels, 32–64 channels.
    public static let tiny = UNetConfig(
        inputChannels: 8, outputChannels: 4, modelChannels: 32, channelMultipliers: [1, 2, 2],
        resBlocksPerLevel: 1, attentionFactors: [1, 2], heads: 8, contextDimension: 32)

    /// Width of the time embedding (4 × model channels).
    public var timeEmbeddingChannels: Int { modelChannels * 4 }
}
