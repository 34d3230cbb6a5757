// Ports ldm.modules.diffusionmodules.model.Encoder and Decoder (with ResnetBlock, AttnBlock, Downsample,
// Upsample) and the quant_conv / post_quant_conv of ldm.models.autoencoder.AutoencoderKL.
import Tensor

/// The hyperparameters of LDM's `AutoencoderKL` (its `ddconfig`; customnet-spec §2.6), for an
/// autoencoder without attention outside the mid blocks, as in Stable Diffusion.
public struct VAEConfig: Sendable, Equatable {
    /// `ch`: the channels of level 0.
    public var baseChannels: Int
    /// `ch_mult`: level i has `baseChannels · channelMultipliers[i]` channels; every level but the last
    /// halves the resolution.
    public var channelMultipliers: [Int]
    /// `num_res_blocks`: ResnetBlocks per encoder level (the decoder has one more per level).
    public var resBlocksPerLevel: Int
    /// `z_channels` = `embed_dim`: channels of the latent (the encoder's moments have twice as many).
    public var latentChannels: Int
    /// Channels of the image (RGB).
    public var imageChannels: Int
    /// Groups of every GroupNorm.
    public var groups: Int
    /// Epsilon of every GroupNorm.
    public var groupNormEpsilon: Float
    /// The factor between the posterior mean and the diffusion latent: the pipeline multiplies the
    /// encoder's output by it and divides a latent by it before decoding. The encoder and decoder here
    /// do neither.
    public var scalingFactor: Float

    /// A configuration; the defaults are those of every Stable Diffusion 1.x VAE.
    public init(baseChannels: Int, channelMultipliers: [Int], resBlocksPerLevel: Int, latentChannels: Int = 4,
                imageChannels: Int = 3, groups: Int = 32, groupNormEpsilon: Float = 1e-6, scalingFactor: Float = 0.18215) {
        precondition(!channelMultipliers.isEmpty && channelMultipliers.allSatisfy { baseChannels * $0 % groups == 0 },
                     "VAEConfig: channels \(channelMultipliers.map { baseChannels * $0 }) must be non-empty multiples of \(groups) groups")
        self.baseChannels = baseChannels
        self.channelMultipliers = channelMultipliers
        self.resBlocksPerLevel = resBlocksPerLevel
        self.latentChannels = latentChannels
        self.imageChannels = imageChannels
        self.groups = groups
        self.groupNormEpsilon = groupNormEpsilon
        self.scalingFactor = scalingFactor
    }

    /// CustomNet's (= Stable Diffusion 1.x's `kl-f8`) VAE: 128 channels × [1, 2, 4, 4], 2 ResnetBlocks per level.
    public static let customNetV1 = VAEConfig(baseChannels: 128, channelMultipliers: [1, 2, 4, 4], resBlocksPerLevel: 2)

    /// A tiny VAE for tests: 32 channels × [1, 1, 2, 2], 1 ResnetBlock per level; still 8× down-sampling.
    public static let tiny = VAEConfig(baseChannels: 32, channelMultipliers: [1, 1, 2, 2], resBlocksPerLevel: 1)

    /// The channels of level `level`.
    public func channels(atLevel level: Int) -> Int { baseChannels * channelMultipliers[level] }

    /// The image side divided by the latent side: 2^(levels − 1), 8 for both presets.
    public var downsamplingFactor: Int { 1 << (channelMultipliers.count - 1) }
}

/// The VAE encoder with `quant_conv`: an image to the mean of its latent posterior.
///
/// Built from the source scoped to the autoencoder (`first_stage_model` in the CustomNet checkpoint),
/// it reads `encoder.*` and `quant_conv.*`.
public struct VAEEncoder: Sendable {
    /// The configuration it was built with.
    public let config: VAEConfig
    private let convIn: Conv2d
    private let levels: [(blocks: [VAEResnetBlock], downsample: Conv2d?)]
    private let mid: VAEMidBlock
    private let normOut: GroupNorm
    private let convOut: Conv2d
    private let quantConv: Conv2d

    /// Reads the encoder's parameters from `parameters` (scoped to the autoencoder) in the LDM layout.
    public init(_ parameters: ParameterSource, config: VAEConfig) {
        self.config = config
        let encoder = parameters.scoped("encoder")
        convIn = Conv2d(encoder.scoped("conv_in"), input: config.imageChannels, output: config.baseChannels, kernel: 3)
        var channels = config.baseChannels
        var levels: [(blocks: [VAEResnetBlock], downsample: Conv2d?)] = []
        for level in config.channelMultipliers.indices {
            let source = encoder.scoped("down").scoped(level), output = config.channels(atLevel: level)
            var blocks: [VAEResnetBlock] = []
            for index in 0..<config.resBlocksPerLevel {
                blocks.append(VAEResnetBlock(source.scoped("block").scoped(index), input: channels, output: output, config: config))
                channels = output
            }
            let isLast = level == config.channelMultipliers.count - 1
            let downsample = isLast ? nil : Conv2d(source.scoped("downsample").scoped("conv"), input: channels, output: channels,
                                                   kernel: 3, stride: 2, padding: .bottomRight)
            levels.append((blocks, downsample))
        }
        self.levels = levels
        mid = VAEMidBlock(encoder.scoped("mid"), channels: channels, config: config)
        normOut = GroupNorm(encoder.scoped("norm_out"), channels: channels, groups: config.groups, epsilon: config.groupNormEpsilon)
        convOut = Conv2d(encoder.scoped("conv_out"), input: channels, output: 2 * config.latentChannels, kernel: 3)
        quantConv = Conv2d(parameters.scoped("quant_conv"), input: 2 * config.latentChannels, output: 2 * config.latentChannels, kernel: 1)
    }

    /// The posterior mean (`latent_dist.mode()`), unscaled: multiply it by `config.scalingFactor` to get
    /// the diffusion latent.
    /// - Parameter image: `(b, imageChannels, H, W)` with values in [−1, 1].
    /// - Returns: `(b, latentChannels, H/8, W/8)` for the 8× presets (each halving rounds down).
    public func callAsFunction(_ image: Tensor) -> Tensor {
        precondition(image.shape.count == 4 && image.shape[1] == config.imageChannels,
                     "VAEEncoder: image \(image.shape) should be (b, \(config.imageChannels), H, W)")
        var h = convIn(image)
        for level in levels {
            for block in level.blocks { h = block(h) }
            if let downsample = level.downsample { h = downsample(h) }
        }
        h = convOut(Ops.silu(normOut(mid(h))))
        // The moments' channels [0, latent) are the mean, [latent, 2·latent) the log-variance.
        return Ops.narrow(quantConv(h), axis: 1, range: 0 ..< config.latentChannels)
    }
}

/// The VAE decoder with `post_quant_conv`: a latent to an image.
///
/// Built from the source scoped to the autoencoder (`first_stage_model` in the CustomNet checkpoint),
/// it reads `post_quant_conv.*` and `decoder.*`. The caller divides the diffusion latent by
/// `config.scalingFactor` (0.18215) before decoding.
public struct VAEDecoder: Sendable {
    /// The configuration it was built with.
    public let config: VAEConfig
    private let postQuantConv: Conv2d
    private let convIn: Conv2d
    private let mid: VAEMidBlock
    /// Indexed by level, as the checkpoint's `up.i`; run from the last level to level 0.
    private let levels: [(blocks: [VAEResnetBlock], upsample: Conv2d?)]
    private let normOut: GroupNorm
    private let convOut: Conv2d

    /// Reads the decoder's parameters from `parameters` (scoped to the autoencoder) in the LDM layout.
    public init(_ parameters: ParameterSource, config: VAEConfig) {
        self.config = config
        postQuantConv = Conv2d(parameters.scoped("post_quant_conv"), input: config.latentChannels, output: config.latentChannels, kernel: 1)
        let decoder = parameters.scoped("decoder")
        var channels = config.channels(atLevel: config.channelMultipliers.count - 1)
        convIn = Conv2d(decoder.scoped("conv_in"), input: config.latentChannels, output: channels, kernel: 3)
        mid = VAEMidBlock(decoder.scoped("mid"), channels: channels, config: config)
        var levels: [(blocks: [VAEResnetBlock], upsample: Conv2d?)] = []
        for level in config.channelMultipliers.indices.reversed() {
            let source = decoder.scoped("up").scoped(level), output = config.channels(atLevel: level)
            var blocks: [VAEResnetBlock] = []
            for index in 0...config.resBlocksPerLevel {
                blocks.append(VAEResnetBlock(source.scoped("block").scoped(index), input: channels, output: output, config: config))
                channels = output
            }
            let upsample = level == 0 ? nil : Conv2d(source.scoped("upsample").scoped("conv"), input: channels, output: channels, kernel: 3)
            levels.insert((blocks, upsample), at: 0)
        }
        self.levels = levels
        normOut = GroupNorm(decoder.scoped("norm_out"), channels: channels, groups: config.groups, epsilon: config.groupNormEpsilon)
        convOut = Conv2d(decoder.scoped("conv_out"), input: channels, output: config.imageChannels, kernel: 3)
    }

    /// The image for a latent already divided by `config.scalingFactor`.
    /// - Parameter latent: `(b, latentChannels, h, w)`.
    /// - Returns: `(b, imageChannels, 8h, 8w)` for the 8× presets, roughly in [−1, 1] and not clamped.
    public func callAsFunction(_ latent: Tensor) -> Tensor {
        precondition(latent.shape.count == 4 && latent.shape[1] == config.latentChannels,
                     "VAEDecoder: latent \(latent.shape) should be (b, \(config.latentChannels), h, w)")
        var h = mid(convIn(postQuantConv(latent)))
        for level in levels.reversed() {
            for block in level.blocks { h = block(h) }
            if let upsample = level.upsample { h = upsample(Ops.upsampleNearest2x(h)) }
        }
        return convOut(Ops.silu(normOut(h)))
    }
}

/// LDM's `ResnetBlock` without a time embedding: GN, swish, conv3×3, GN, swish, conv3×3, plus the input
/// (through the 1×1 `nin_shortcut` when the channel count changes).
struct VAEResnetBlock: Sendable {
    let norm1: GroupNorm
    let conv1: Conv2d
    let norm2: GroupNorm
    let conv2: Conv2d
    let shortcut: Conv2d?

    init(_ parameters: ParameterSource, input: Int, output: Int, config: VAEConfig) {
        norm1 = GroupNorm(parameters.scoped("norm1"), channels: input, groups: config.groups, epsilon: config.groupNormEpsilon)
        conv1 = Conv2d(parameters.scoped("conv1"), input: input, output: output, kernel: 3)
        norm2 = GroupNorm(parameters.scoped("norm2"), channels: output, groups: config.groups, epsilon: config.groupNormEpsilon)
        conv2 = Conv2d(parameters.scoped("conv2"), input: output, output: output, kernel: 3)
        shortcut = input == output ? nil : Conv2d(parameters.scoped("nin_shortcut"), input: input, output: output, kernel: 1)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let h = conv2(Ops.silu(norm2(conv1(Ops.silu(norm1(x))))))
        return Ops.add(shortcut.map { $0(x) } ?? x, h)
    }
}

/// LDM's `AttnBlock`: GN, then single-head attention over the h·w pixels with 1×1-conv `q`, `k`, `v`
/// and `proj_out` (scale C^−½), plus the input.
struct VAEAttentionBlock: Sendable {
    let norm: GroupNorm
    let query: Conv2d
    let key: Conv2d
    let value: Conv2d
    let projection: Conv2d

    init(_ parameters: ParameterSource, channels: Int, config: VAEConfig) {
        norm = GroupNorm(parameters.scoped("norm"), channels: channels, groups: config.groups, epsilon: config.groupNormEpsilon)
        query = Conv2d(parameters.scoped("q"), input: channels, output: channels, kernel: 1)
        key = Conv2d(parameters.scoped("k"), input: channels, output: channels, kernel: 1)
        value = Conv2d(parameters.scoped("v"), input: channels, output: channels, kernel: 1)
        projection = Conv2d(parameters.scoped("proj_out"), input: channels, output: channels, kernel: 1)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        // A 1×1 convolution on pixels is a linear layer on tokens with the (C, C, 1, 1) weight as (C, C).
        func tokenwise(_ conv: Conv2d, _ tokens: Tensor) -> Tensor {
            Ops.linear(tokens, weight: conv.weight.reshaped([channels, channels]), bias: conv.bias)
        }
        let tokens = Ops.transposeLastTwo(norm(x).reshaped([batch, channels, height * width]))
        let attended = Ops.attention(query: tokenwise(query, tokens), key: tokenwise(key, tokens), value: tokenwise(value, tokens), heads: 1)
        return Ops.add(x, Ops.transposeLastTwo(tokenwise(projection, attended)).reshaped([batch, channels, height, width]))
    }
}

/// The `mid` of LDM's Encoder and Decoder: `block_1`, `attn_1`, `block_2`.
struct VAEMidBlock: Sendable {
    let block1: VAEResnetBlock
    let attention: VAEAttentionBlock
    let block2: VAEResnetBlock

    init(_ parameters: ParameterSource, channels: Int, config: VAEConfig) {
        block1 = VAEResnetBlock(parameters.scoped("block_1"), input: channels, output: channels, config: config)
        attention = VAEAttentionBlock(parameters.scoped("attn_1"), channels: channels, config: config)
        block2 = VAEResnetBlock(parameters.scoped("block_2"), input: channels, output: channels, config: config)
    }

    func callAsFunction(_ x: Tensor) -> Tensor { block2(attention(block1(x))) }
}
