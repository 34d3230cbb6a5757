// Ports the pre-LN residual block shared by both CLIP towers: clip.model.ResidualAttentionBlock (OpenAI
// layout) and transformers.models.clip.modeling_clip.CLIPEncoderLayer (Hugging Face layout).
import Tensor

/// Multi-head self-attention with query, key, value and output projections (all with bias), as
/// `torch.nn.MultiheadAttention` without a mask (or with the causal one) and HF `CLIPAttention`.
public struct MultiHeadSelfAttention: Sendable {
    /// The query, key and value projections, width → width.
    public let query: Linear, key: Linear, value: Linear
    /// The projection of the concatenated heads, width → width.
    public let output: Linear
    /// The channel axis splits into `heads` heads of `width / heads` channels, scaled by `(width / heads)^−½`.
    public let heads: Int

    /// The OpenAI layout (`torch.nn.MultiheadAttention`): `in_proj_weight` (3·width, width) and
    /// `in_proj_bias` (3·width) with the query, key and value rows in that order, and `out_proj`.
    public init(packed parameters: ParameterSource, width: Int, heads: Int) {
        precondition(heads >= 1 && width % heads == 0, "MultiHeadSelfAttention: width \(width) does not split into \(heads) heads")
        let weight = parameters.tensor("in_proj_weight", shape: [3 * width, width])
        let bias = parameters.tensor("in_proj_bias", shape: [3 * width])
        func rows(_ part: Int) -> Linear {
            Linear(weight: weight.slice(part * width ..< (part + 1) * width), bias: bias.slice(part * width ..< (part + 1) * width))
        }
        query = rows(0)
        key = rows(1)
        value = rows(2)
        output = Linear(parameters.scoped("out_proj"), input: width, output: width)
        self.heads = heads
    }

    /// The Hugging Face layout: `q_proj`, `k_proj`, `v_proj` and `out_proj`.
    public init(separate parameters: ParameterSource, width: Int, heads: Int) {
        precondition(heads >= 1 && width % heads == 0, "MultiHeadSelfAttention: width \(width) does not split into \(heads) heads")
        query = Linear(parameters.scoped("q_proj"), input: width, output: width)
        key = Linear(parameters.scoped("k_proj"), input: width, output: width)
        value = Linear(parameters.scoped("v_proj"), input: width, output: width)
        output = Linear(parameters.scoped("out_proj"), input: width, output: width)
        self.heads = heads
    }

    /// Attends every token to every token (to itself and the ones before it when `causal`).
    /// - Parameter x: `(b, tokens, width)`. - Returns: `(b, tokens, width)`.
    public func callAsFunction(_ x: Tensor, causal: Bool) -> Tensor {
        output(Ops.attention(query: query(x), key: key(x), value: value(x), heads: heads, causal: causal))
    }
}

/// A pre-LN transformer block with a QuickGELU MLP, as both CLIP towers use:
/// `x += attention(norm₁(x))`, then `x += fc₂(QuickGELU(fc₁(norm₂(x))))`.
public struct PreNormTransformerBlock: Sendable {
    /// norm₁, before the attention.
    public let attentionNorm: LayerNorm
    /// Self-attention over the block's tokens.
    public let attention: MultiHeadSelfAttention
    /// norm₂, before the MLP.
    public let feedForwardNorm: LayerNorm
    /// The MLP: width → feed-forward width, QuickGELU, → width.
    public let feedForwardIn: Linear, feedForwardOut: Linear

    /// OpenAI CLIP's `ResidualAttentionBlock` (`transformer.resblocks.N`): `ln_1`, `attn` (packed),
    /// `ln_2`, `mlp.c_fc`, `mlp.c_proj`.
    public static func openAI(_ parameters: ParameterSource, width: Int, heads: Int, feedForwardWidth: Int,
                              layerNormEpsilon: Float) -> PreNormTransformerBlock {
        PreNormTransformerBlock(
            attentionNorm: LayerNorm(parameters.scoped("ln_1"), channels: width, epsilon: layerNormEpsilon),
            attention: MultiHeadSelfAttention(packed: parameters.scoped("attn"), width: width, heads: heads),
            feedForwardNorm: LayerNorm(parameters.scoped("ln_2"), channels: width, epsilon: layerNormEpsilon),
            feedForwardIn: Linear(parameters.scoped("mlp").scoped("c_fc"), input: width, output: feedForwardWidth),
            feedForwardOut: Linear(parameters.scoped("mlp").scoped("c_proj"), input: feedForwardWidth, output: width))
    }

    /// Hugging Face's `CLIPEncoderLayer` (`encoder.layers.N`): `layer_norm1`, `self_attn.{q,k,v,out}_proj`,
    /// `layer_norm2`, `mlp.fc1`, `mlp.fc2`.
    public static func huggingFace(_ parameters: ParameterSource, width: Int, heads: Int, feedForwardWidth: Int,
                                   layerNormEpsilon: Float) -> PreNormTransformerBlock {
        PreNormTransformerBlock(
            attentionNorm: LayerNorm(parameters.scoped("layer_norm1"), channels: width, epsilon: layerNormEpsilon),
            attention: MultiHeadSelfAttention(separate: parameters.scoped("self_attn"), width: width, heads: heads),
            feedForwardNorm: LayerNorm(parameters.scoped("layer_norm2"), channels: width, epsilon: layerNormEpsilon),
            feedForwardIn: Linear(parameters.scoped("mlp").scoped("fc1"), input: width, output: feedForwardWidth),
            feedForwardOut: Linear(parameters.scoped("mlp").scoped("fc2"), input: feedForwardWidth, output: width))
    }

    /// Runs the block. - Parameter x: `(b, tokens, width)`. - Returns: `(b, tokens, width)`.
    public func callAsFunction(_ x: Tensor, causal: Bool) -> Tensor {
        let attended = Ops.add(x, attention(attentionNorm(x), causal: causal))
        return Ops.add(attended, feedForwardOut(Ops.quickGELU(feedForwardIn(feedForwardNorm(attended)))))
    }
}

extension Linear {
    /// A linear layer over tensors already loaded, e.g. row blocks of a packed projection.
    init(weight: Tensor, bias: Tensor?) {
        self.weight = weight
        self.bias = bias
    }
}
