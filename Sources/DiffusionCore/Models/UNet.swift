// Ports customnet/openaimodel.py `UNetModel` and customnet/attention.py `SpatialTransformer` (the
// LDM UNet of Stable Diffusion 1.x) with CustomNet's dual cross-attention. Parameter names are the
// checkpoint's, below `model.diffusion_model.`.
import Foundation
import Tensor

/// CustomNet's denoising UNet: ε = UNet([x_t, c_concat], t, context).
public struct UNet: Sendable {
    public let config: UNetConfig
    let timeEmbedding: (Linear, Linear)
    let inputBlocks: [UNetBlock]
    let middle: (ResBlock, SpatialTransformer, ResBlock)
    let outputBlocks: [UNetBlock]
    let outNorm: GroupNorm
    let outConv: Conv2d

    /// Builds the UNet from `parameters` scoped to the UNet's prefix (`model.diffusion_model`).
    public init(_ parameters: ParameterSource, config: UNetConfig) {
        self.config = config
        let mc = config.modelChannels, embedding = config.timeEmbeddingChannels
        timeEmbedding = (Linear(parameters.scoped("time_embed").scoped(0), input: mc, output: embedding),
                         Linear(parameters.scoped("time_embed").scoped(2), input: embedding, output: embedding))

        let input = parameters.scoped("input_blocks")
        var blocks = [UNetBlock(layers: [.convolution(Conv2d(input.scoped(0).scoped(0), input: config.inputChannels, output: mc, kernel: 3))])]
        var skipChannels = [mc]
        var channels = mc, factor = 1
        for (level, multiplier) in config.channelMultipliers.enumerated() {
            for _ in 0..<config.resBlocksPerLevel {
                let block = input.scoped(blocks.count)
                var layers: [UNetLayer] = [.res(ResBlock(block.scoped(0), input: channels, output: multiplier * mc, embedding: embedding))]
                channels = multiplier * mc
                if config.attentionFactors.contains(factor) {
                    layers.append(.transformer(SpatialTransformer(block.scoped(1), channels: channels, heads: config.heads, context: config.contextDimension)))
                }
                blocks.append(UNetBlock(layers: layers))
                skipChannels.append(channels)
            }
            if level != config.channelMultipliers.count - 1 {
                let down = Conv2d(input.scoped(blocks.count).scoped(0).scoped("op"), input: channels, output: channels, kernel: 3, stride: 2)
                blocks.append(UNetBlock(layers: [.convolution(down)]))
                skipChannels.append(channels)
                factor *= 2
            }
        }
        inputBlocks = blocks

        let mid = parameters.scoped("middle_block")
        middle = (ResBlock(mid.scoped(0), input: channels, output: channels, embedding: embedding),
                  SpatialTransformer(mid.scoped(1), channels: channels, heads: config.heads, context: config.contextDimension),
                  ResBlock(mid.scoped(2), input: channels, output: channels, embedding: embedding))

        let output = parameters.scoped("output_blocks")
        blocks = []
        for (level, multiplier) in config.channelMultipliers.enumerated().reversed() {
            for index in 0...config.resBlocksPerLevel {
                let block = output.scoped(blocks.count)
                let skip = skipChannels.removeLast()
                var layers: [UNetLayer] = [.res(ResBlock(block.scoped(0), input: channels + skip, output: multiplier * mc, embedding: embedding))]
                channels = multiplier * mc
                if config.attentionFactors.contains(factor) {
                    layers.append(.transformer(SpatialTransformer(block.scoped(1), channels: channels, heads: config.heads, context: config.contextDimension)))
                }
                if level != 0 && index == config.resBlocksPerLevel {
                    layers.append(.upsample(Conv2d(block.scoped(layers.count).scoped("conv"), input: channels, output: channels, kernel: 3)))
                    factor /= 2
                }
                blocks.append(UNetBlock(layers: layers))
            }
        }
        outputBlocks = blocks
        outNorm = GroupNorm(parameters.scoped("out").scoped(0), channels: mc, epsilon: 1e-5)
        outConv = Conv2d(parameters.scoped("out").scoped(2), input: mc, output: config.outputChannels, kernel: 3)
    }

    /// Predicts the noise.
    /// - Parameters:
    ///   - x: `(b, inputChannels, h, w)`: the noisy latent and the concat conditioning, joined on channels.
    ///   - timestep: the DDPM index t, the same for the whole batch.
    ///   - context: `(b, 1 + text tokens, contextDimension)`: the object token, then the text tokens.
    /// - Returns: ε, `(b, outputChannels, h, w)`.
    public func callAsFunction(_ x: Tensor, timestep: Int, context: Tensor) -> Tensor {
        precondition(x.shape.count == 4 && x.shape[1] == config.inputChannels, "UNet: input \(x.shape) should be (b, \(config.inputChannels), h, w)")
        precondition(context.shape.count == 3 && context.shape[0] == x.shape[0] && context.shape[1] >= 2 && context.shape[2] == config.contextDimension,
                     "UNet: context \(context.shape) should be (\(x.shape[0]), 1 + tokens, \(config.contextDimension))")
        let sinusoid = UNet.timestepEmbedding(timestep, channels: config.modelChannels, batch: x.shape[0])
        let embedding = timeEmbedding.1(Ops.silu(timeEmbedding.0(sinusoid)))

        var h = x
        var skips: [Tensor] = []
        for block in inputBlocks {
            h = block(h, embedding: embedding, context: context)
            skips.append(h)
        }
        h = middle.0(h, embedding: embedding)
        h = middle.1(h, context: context)
        h = middle.2(h, embedding: embedding)
        for block in outputBlocks {
            h = block(Ops.concatenate([h, skips.removeLast()], axis: 1), embedding: embedding, context: context)
        }
        return outConv(Ops.silu(outNorm(h)))
    }

    /// The sinusoidal embedding of t: `[cos(t·f_i), sin(t·f_i)]` with f_i = exp(−ln(10⁴)·i/half), cosine first.
    static func timestepEmbedding(_ timestep: Int, channels: Int, batch: Int) -> Tensor {
        let half = channels / 2
        let t = Float(timestep)
        var row = [Float](repeating: 0, count: channels)
        for i in 0..<half {
            let frequency = Foundation.exp(-Float(log(10_000.0)) * Float(i) / Float(half))
            row[i] = Foundation.cos(t * frequency)
            row[half + i] = Foundation.sin(t * frequency)
        }
        return Tensor(shape: [batch, channels], scalars: Array([[Float]](repeating: row, count: batch).joined()))
    }
}

/// One entry of `input_blocks` or `output_blocks`: layers applied in order.
struct UNetBlock: Sendable {
    let layers: [UNetLayer]

    func callAsFunction(_ x: Tensor, embedding: Tensor, context: Tensor) -> Tensor {
        layers.reduce(x) { h, layer in
            switch layer {
            case .convolution(let conv): conv(h)
            case .res(let block): block(h, embedding: embedding)
            case .transformer(let transformer): transformer(h, context: context)
            case .upsample(let conv): conv(Ops.upsampleNearest2x(h))
            }
        }
    }
}

enum UNetLayer: Sendable {
    case convolution(Conv2d)
    case res(ResBlock)
    case transformer(SpatialTransformer)
    case upsample(Conv2d)
}

/// LDM `ResBlock` without scale-shift norm: GN → SiLU → conv, + projected time embedding, GN → SiLU →
/// conv, plus the input (through a 1×1 `skip_connection` when the channel count changes).
struct ResBlock: Sendable {
    let inNorm: GroupNorm, inConv: Conv2d
    let embeddingProjection: Linear
    let outNorm: GroupNorm, outConv: Conv2d
    let skip: Conv2d?

    init(_ parameters: ParameterSource, input: Int, output: Int, embedding: Int) {
        inNorm = GroupNorm(parameters.scoped("in_layers").scoped(0), channels: input, epsilon: 1e-5)
        inConv = Conv2d(parameters.scoped("in_layers").scoped(2), input: input, output: output, kernel: 3)
        embeddingProjection = Linear(parameters.scoped("emb_layers").scoped(1), input: embedding, output: output)
        outNorm = GroupNorm(parameters.scoped("out_layers").scoped(0), channels: output, epsilon: 1e-5)
        outConv = Conv2d(parameters.scoped("out_layers").scoped(3), input: output, output: output, kernel: 3)
        skip = input == output ? nil : Conv2d(parameters.scoped("skip_connection"), input: input, output: output, kernel: 1)
    }

    func callAsFunction(_ x: Tensor, embedding: Tensor) -> Tensor {
        var h = inConv(Ops.silu(inNorm(x)))
        h = Ops.addPerChannel(h, embeddingProjection(Ops.silu(embedding)))
        h = outConv(Ops.silu(outNorm(h)))
        return Ops.add(skip.map { $0(x) } ?? x, h)
    }
}

/// LDM `SpatialTransformer` with one `BasicTransformerBlock`: GN (ε 1e-6) → 1×1 `proj_in` → tokens →
/// self-attention, dual cross-attention and GEGLU feed-forward (each pre-LN with a residual) → 1×1
/// `proj_out` → plus the input.
struct SpatialTransformer: Sendable {
    let norm: GroupNorm
    let projectIn: Conv2d, projectOut: Conv2d
    let norm1: LayerNorm, norm2: LayerNorm, norm3: LayerNorm
    let selfAttention: SelfAttention
    let crossAttention: DualCrossAttention
    let feedForwardIn: Linear, feedForwardOut: Linear

    init(_ parameters: ParameterSource, channels: Int, heads: Int, context: Int) {
        norm = GroupNorm(parameters.scoped("norm"), channels: channels, epsilon: 1e-6)
        projectIn = Conv2d(parameters.scoped("proj_in"), input: channels, output: channels, kernel: 1)
        projectOut = Conv2d(parameters.scoped("proj_out"), input: channels, output: channels, kernel: 1)
        let block = parameters.scoped("transformer_blocks").scoped(0)
        selfAttention = SelfAttention(block.scoped("attn1"), channels: channels, heads: heads)
        feedForwardIn = Linear(block.scoped("ff").scoped("net").scoped(0).scoped("proj"), input: channels, output: channels * 8)
        feedForwardOut = Linear(block.scoped("ff").scoped("net").scoped(2), input: channels * 4, output: channels)
        crossAttention = DualCrossAttention(block.scoped("attn2"), channels: channels, heads: heads, context: context)
        norm1 = LayerNorm(block.scoped("norm1"), channels: channels)
        norm2 = LayerNorm(block.scoped("norm2"), channels: channels)
        norm3 = LayerNorm(block.scoped("norm3"), channels: channels)
    }

    func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let projected = projectIn(norm(x))
        var tokens = Ops.transposeLastTwo(projected.reshaped([batch, channels, height * width]))
        tokens = Ops.add(tokens, selfAttention(norm1(tokens)))
        tokens = Ops.add(tokens, crossAttention(norm2(tokens), context: context))
        tokens = Ops.add(tokens, feedForwardOut(Ops.geglu(feedForwardIn(norm3(tokens)))))
        let map = Ops.transposeLastTwo(tokens).reshaped([batch, channels, height, width])
        return Ops.add(projectOut(map), x)
    }
}

/// `attn1`: multi-head self-attention, q/k/v without bias, `to_out.0` with bias.
struct SelfAttention: Sendable {
    let query: Linear, key: Linear, value: Linear, out: Linear
    let heads: Int

    init(_ parameters: ParameterSource, channels: Int, heads: Int) {
        query = Linear(parameters.scoped("to_q"), input: channels, output: channels, bias: false)
        key = Linear(parameters.scoped("to_k"), input: channels, output: channels, bias: false)
        value = Linear(parameters.scoped("to_v"), input: channels, output: channels, bias: false)
        out = Linear(parameters.scoped("to_out").scoped(0), input: channels, output: channels)
        self.heads = heads
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        out(Ops.attention(query: query(x), key: key(x), value: value(x), heads: heads))
    }
}

/// `attn2` with CustomNet's dual cross-attention: context token 0 (the object/pose token) goes through
/// `to_k`/`to_v`, tokens 1… (text) through `to_k_text`/`to_v_text`, with the same queries; the two
/// attention outputs are summed (text scale 1) before `to_out`. Softmax over the single object key is
/// exactly 1, so the object branch is `to_v(token 0)` for every query; `to_q` still serves the text branch.
struct DualCrossAttention: Sendable {
    let query: Linear, objectValue: Linear, textKey: Linear, textValue: Linear, out: Linear
    let heads: Int

    init(_ parameters: ParameterSource, channels: Int, heads: Int, context: Int) {
        query = Linear(parameters.scoped("to_q"), input: channels, output: channels, bias: false)
        // `to_k` is in the checkpoint but cannot change the output (one key): accounted for, not kept.
        _ = parameters.scoped("to_k").tensor("weight", shape: [channels, context])
        objectValue = Linear(parameters.scoped("to_v"), input: context, output: channels, bias: false)
        out = Linear(parameters.scoped("to_out").scoped(0), input: channels, output: channels)
        textKey = Linear(parameters.scoped("to_k_text"), input: context, output: channels, bias: false)
        textValue = Linear(parameters.scoped("to_v_text"), input: context, output: channels, bias: false)
        self.heads = heads
    }

    func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        let objectToken = Ops.narrow(context, axis: 1, range: 0..<1)
        let text = Ops.narrow(context, axis: 1, range: 1..<context.shape[1])
        let textAttention = Ops.attention(query: query(x), key: textKey(text), value: textValue(text), heads: heads)
        return out(Ops.addToEveryToken(textAttention, objectValue(objectToken)))
    }
}
