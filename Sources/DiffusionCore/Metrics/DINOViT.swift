// Ports the backbone of facebookresearch/dino's vision_transformer.VisionTransformer (the torch-hub
// `dino_vits16`), which transformers' ViTModel reproduces for `facebook/dino-vits16`.
import Tensor

/// The sizes of a DINO vision transformer. LayerNorm epsilon is DINO's 1e-6 in every configuration
/// (encoders-and-metrics §1.3).
public struct DINOViTConfig: Sendable, Equatable {
    /// The side of the square images it was trained on, in pixels (its position embeddings' grid).
    public var imageSize: Int
    /// The side of a square patch (kernel and stride of the patch embedding).
    public var patchSize: Int
    /// Channels of every token (the embedding's dimension).
    public var width: Int
    /// Transformer blocks.
    public var layers: Int
    /// Attention heads per block.
    public var heads: Int
    /// Hidden width of each block's MLP.
    public var feedForwardWidth: Int

    /// Epsilon of every LayerNorm: `partial(nn.LayerNorm, eps=1e-6)` in DINO. (The `facebook/dino-vits16`
    /// config.json says 1e-12, an artefact of its conversion; the model it was converted from, which the
    /// published DINO-I numbers used, has 1e-6.)
    public static let layerNormEpsilon: Float = 1e-6

    /// A configuration; the image must split into whole patches and the width into whole heads.
    public init(imageSize: Int, patchSize: Int, width: Int, layers: Int, heads: Int, feedForwardWidth: Int) {
        precondition(patchSize >= 1 && imageSize % patchSize == 0, "DINOViTConfig: image size \(imageSize) is not a multiple of patch size \(patchSize)")
        precondition(heads >= 1 && width % heads == 0, "DINOViTConfig: width \(width) does not split into \(heads) heads")
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.width = width
        self.layers = layers
        self.heads = heads
        self.feedForwardWidth = feedForwardWidth
    }

    /// ViT-S/16, the DINO-I encoder: 224 px, 16 px patches, 384 wide, 12 layers, 6 heads, MLP 1536.
    public static let vitS16 = DINOViTConfig(imageSize: 224, patchSize: 16, width: 384, layers: 12, heads: 6, feedForwardWidth: 1536)
    /// A tiny one for tests and demos: 64 px, 16 px patches (a 4 × 4 grid, 14 × 14 at 224 px), 64 wide,
    /// 2 layers, 2 heads, MLP 256.
    public static let tiny = DINOViTConfig(imageSize: 64, patchSize: 16, width: 64, layers: 2, heads: 2, feedForwardWidth: 256)

    /// Patches along each side of the trained image.
    public var gridSize: Int { imageSize / patchSize }

    /// A short description for messages: `DINO ViT (384 wide, 12 layers, 6 heads, 16 px patches, 224 px)`.
    public var summary: String {
        "DINO ViT (\(width) wide, \(layers) layers, \(heads) heads, \(patchSize) px patches, \(imageSize) px)"
    }
}

/// The two key layouts of DINO checkpoints, and the translation of each into the model: the one place
/// where they differ.
public enum DINOWeightLayout: Sendable, Equatable {
    /// transformers' `ViTModel` (`facebook/dino-vits16`): `embeddings.cls_token` (1, 1, w),
    /// `embeddings.position_embeddings` (1, t, w), `embeddings.patch_embeddings.projection.*`,
    /// `encoder.layer.N.{layernorm_before, attention.attention.{query,key,value}, attention.output.dense,
    /// layernorm_after, intermediate.dense, output.dense}.*`, `layernorm.*`; `pooler.dense.*` when saved
    /// with a pooler, which is not part of the DINO embedding and is not read.
    case huggingFace
    /// The torch-hub / facebookresearch/dino state dict (timm's names too): `cls_token`, `pos_embed`,
    /// `patch_embed.proj.*`, `blocks.N.{norm1, attn.qkv (query, key and value rows stacked), attn.proj,
    /// norm2, mlp.fc1, mlp.fc2}.*`, `norm.*`.
    case torchHub

    /// The layout whose class-token key `store` holds, if any.
    public static func detect(in store: WeightStore) -> DINOWeightLayout? {
        if store.entry(named: "embeddings.cls_token") != nil { return .huggingFace }
        if store.entry(named: "cls_token") != nil { return .torchHub }
        return nil
    }

    /// How the reference implementation of this layout resizes position embeddings for other image
    /// sizes: transformers' for the Hugging Face layout, the DINO repository's for the torch-hub one.
    public var interpolation: PositionEmbeddingInterpolation {
        switch self {
        case .huggingFace: .huggingFace
        case .torchHub: .dinoRepository
        }
    }

    /// Keys a file in this layout may hold that the model does not read.
    var unreadKeys: Set<String> {
        switch self {
        case .huggingFace: ["pooler.dense.weight", "pooler.dense.bias"]
        case .torchHub: []
        }
    }

    /// The class-token key, the one `detect` looks for.
    var classTokenKey: String {
        switch self {
        case .huggingFace: "embeddings.cls_token"
        case .torchHub: "cls_token"
        }
    }

    /// The model's parameters read from `source` (scoped to the model's root) under this layout's names.
    func parameters(_ source: ParameterSource, config: DINOViTConfig) -> DINOViT.Parameters {
        let (width, patch) = (config.width, config.patchSize)
        let tokens = config.gridSize * config.gridSize + 1
        switch self {
        case .huggingFace:
            let embeddings = source.scoped("embeddings"), layers = source.scoped("encoder").scoped("layer")
            return DINOViT.Parameters(
                patchEmbedding: Conv2d(embeddings.scoped("patch_embeddings").scoped("projection"), input: 3, output: width,
                                       kernel: patch, stride: patch, padding: .all(0)),
                classToken: embeddings.tensor("cls_token", shape: [1, 1, width]).reshaped([width]),
                positionEmbedding: embeddings.tensor("position_embeddings", shape: [1, tokens, width]).reshaped([tokens, width]),
                blocks: (0..<config.layers).map { index in
                    let layer = layers.scoped(index), attention = layer.scoped("attention")
                    let selfAttention = attention.scoped("attention")
                    return DINOTransformerBlock(
                        attentionNorm: LayerNorm(layer.scoped("layernorm_before"), channels: width, epsilon: DINOViTConfig.layerNormEpsilon),
                        attention: MultiHeadSelfAttention(
                            query: Linear(selfAttention.scoped("query"), input: width, output: width),
                            key: Linear(selfAttention.scoped("key"), input: width, output: width),
                            value: Linear(selfAttention.scoped("value"), input: width, output: width),
                            output: Linear(attention.scoped("output").scoped("dense"), input: width, output: width),
                            heads: config.heads),
                        feedForwardNorm: LayerNorm(layer.scoped("layernorm_after"), channels: width, epsilon: DINOViTConfig.layerNormEpsilon),
                        feedForwardIn: Linear(layer.scoped("intermediate").scoped("dense"), input: width, output: config.feedForwardWidth),
                        feedForwardOut: Linear(layer.scoped("output").scoped("dense"), input: config.feedForwardWidth, output: width))
                },
                finalNorm: LayerNorm(source.scoped("layernorm"), channels: width, epsilon: DINOViTConfig.layerNormEpsilon))
        case .torchHub:
            let blocks = source.scoped("blocks")
            return DINOViT.Parameters(
                patchEmbedding: Conv2d(source.scoped("patch_embed").scoped("proj"), input: 3, output: width,
                                       kernel: patch, stride: patch, padding: .all(0)),
                classToken: source.tensor("cls_token", shape: [1, 1, width]).reshaped([width]),
                positionEmbedding: source.tensor("pos_embed", shape: [1, tokens, width]).reshaped([tokens, width]),
                blocks: (0..<config.layers).map { index in
                    let block = blocks.scoped(index), attention = block.scoped("attn")
                    let packed = attention.scoped("qkv")
                    let weight = packed.tensor("weight", shape: [3 * width, width]), bias = packed.tensor("bias", shape: [3 * width])
                    func rows(_ part: Int) -> Linear {
                        Linear(weight: weight.slice(part * width ..< (part + 1) * width), bias: bias.slice(part * width ..< (part + 1) * width))
                    }
                    return DINOTransformerBlock(
                        attentionNorm: LayerNorm(block.scoped("norm1"), channels: width, epsilon: DINOViTConfig.layerNormEpsilon),
                        attention: MultiHeadSelfAttention(query: rows(0), key: rows(1), value: rows(2),
                                                          output: Linear(attention.scoped("proj"), input: width, output: width),
                                                          heads: config.heads),
                        feedForwardNorm: LayerNorm(block.scoped("norm2"), channels: width, epsilon: DINOViTConfig.layerNormEpsilon),
                        feedForwardIn: Linear(block.scoped("mlp").scoped("fc1"), input: width, output: config.feedForwardWidth),
                        feedForwardOut: Linear(block.scoped("mlp").scoped("fc2"), input: config.feedForwardWidth, output: width))
                },
                finalNorm: LayerNorm(source.scoped("norm"), channels: width, epsilon: DINOViTConfig.layerNormEpsilon))
        }
    }
}

/// A DINO vision transformer without its projection head: images to the CLS token of the last block
/// after the final LayerNorm, the embedding DINO-I compares (`model(x)` of the torch-hub model,
/// `last_hidden_state[:, 0]` of transformers' ViTModel — not its `pooler_output`).
public struct DINOViT: Sendable {
    /// ImageNet's per-channel normalisation of RGB in [0, 1]: `(x − mean) / std`.
    public static let pixelMean: [Float] = [0.485, 0.456, 0.406]
    /// See `pixelMean`.
    public static let pixelStandardDeviation: [Float] = [0.229, 0.224, 0.225]

    /// Everything the model reads from a checkpoint, whatever the layout.
    struct Parameters: Sendable {
        let patchEmbedding: Conv2d
        /// `(width)`.
        let classToken: Tensor
        /// `(1 + grid², width)`: the class token's, then the patches' in row-major order.
        let positionEmbedding: Tensor
        let blocks: [DINOTransformerBlock]
        let finalNorm: LayerNorm
    }

    /// The configuration it was built with.
    public let config: DINOViTConfig
    /// The key layout it was read in; it decides how position embeddings are resized.
    public let layout: DINOWeightLayout
    private let parameters: Parameters

    /// Reads the model from `source` (scoped to the model's root) in `layout`.
    public init(_ source: ParameterSource, config: DINOViTConfig, layout: DINOWeightLayout) {
        self.config = config
        self.layout = layout
        parameters = layout.parameters(source, config: config)
    }

    /// The embeddings of normalised images.
    /// - Parameter pixels: `(b, 3, H, W)` with `H` and `W` multiples of the patch size, normalised with
    ///   `pixelMean` and `pixelStandardDeviation`. Another size than the trained one resizes the position
    ///   embeddings as the layout's reference does (`layout.interpolation`).
    /// - Returns: `(b, width)`, not normalised.
    public func callAsFunction(_ pixels: Tensor) -> Tensor {
        precondition(pixels.shape.count == 4 && pixels.shape[1] == 3 && pixels.shape[2] % config.patchSize == 0
                     && pixels.shape[3] % config.patchSize == 0 && pixels.shape[2] > 0 && pixels.shape[3] > 0,
                     "DINOViT: pixels \(pixels.shape) should be (b, 3, H, W) with H and W multiples of \(config.patchSize)")
        var x = embeddedTokens(parameters.patchEmbedding(pixels))
        for block in parameters.blocks { x = block(x) }
        let classTokens = Ops.narrow(x, axis: 1, range: 0 ..< 1).reshaped([pixels.shape[0], config.width])
        return parameters.finalNorm(classTokens)
    }

    /// The position embeddings for a `rows × columns` patch grid: the class token's, then the patches'
    /// resized by `layout.interpolation`. - Returns: `(1 + rows · columns, width)`.
    func positionEmbedding(rows: Int, columns: Int) -> Tensor {
        let all = parameters.positionEmbedding, count = all.shape[0]
        let patches = layout.interpolation.resample(all.slice(1 ..< count), rows: rows, columns: columns)
        return Ops.concatenate([all.slice(0 ..< 1), patches], axis: 0)
    }

    /// The token sequence entering the first block: the class token, then the patches in row-major
    /// order, each plus its position embedding.
    /// - Parameter patches: `(b, width, rows, columns)`, the patch embedding. - Returns: `(b, 1 + rows · columns, width)`.
    private func embeddedTokens(_ patches: Tensor) -> Tensor {
        let (batch, width, rows, columns) = (patches.shape[0], config.width, patches.shape[2], patches.shape[3])
        let patchCount = rows * columns, tokenCount = patchCount + 1
        let position = positionEmbedding(rows: rows, columns: columns)
        var tokens = Tensor(zeros: [batch, tokenCount, width])
        tokens.withUnsafeMutableBufferPointer { output in
            patches.withUnsafeBufferPointer { patch in
                parameters.classToken.withUnsafeBufferPointer { classToken in
                    position.withUnsafeBufferPointer { position in
                        for image in 0..<batch {
                            let sequence = image * tokenCount * width, grid = image * width * patchCount
                            for channel in 0..<width { output[sequence + channel] = classToken[channel] + position[channel] }
                            for token in 1..<tokenCount {
                                for channel in 0..<width {
                                    output[sequence + token * width + channel] = patch[grid + channel * patchCount + token - 1] + position[token * width + channel]
                                }
                            }
                        }
                    }
                }
            }
        }
        return tokens
    }
}

/// DINO's pre-LN block with an exact (erf) GELU MLP: `x += attention(norm₁(x))`, then
/// `x += fc₂(GELU(fc₁(norm₂(x))))`.
struct DINOTransformerBlock: Sendable {
    let attentionNorm: LayerNorm
    let attention: MultiHeadSelfAttention
    let feedForwardNorm: LayerNorm
    let feedForwardIn: Linear, feedForwardOut: Linear

    /// Runs the block. - Parameter x: `(b, tokens, width)`. - Returns: `(b, tokens, width)`.
    func callAsFunction(_ x: Tensor) -> Tensor {
        let attended = Ops.add(x, attention(attentionNorm(x), causal: false))
        return Ops.add(attended, feedForwardOut(Ops.gelu(feedForwardIn(feedForwardNorm(attended)))))
    }
}

extension MultiHeadSelfAttention {
    /// Attention from projections already built, for layouts whose names differ from CLIP's.
    init(query: Linear, key: Linear, value: Linear, output: Linear, heads: Int) {
        precondition(heads >= 1 && query.weight.shape[0] % heads == 0, "MultiHeadSelfAttention: width \(query.weight.shape[0]) does not split into \(heads) heads")
        self.query = query
        self.key = key
        self.value = value
        self.output = output
        self.heads = heads
    }
}
