// Ports transformers.models.clip.modeling_clip.CLIPTextTransformer (the `text_model` of CLIPTextModel).
import Tensor

/// The hyperparameters of a CLIP text transformer (customnet-spec §2.9, encoders-and-metrics §2.3).
public struct CLIPTextConfig: Sendable, Equatable {
    /// Rows of the token embedding; token ids are below it.
    public var vocabularySize: Int
    /// Tokens per sequence (rows of the position embedding).
    public var contextLength: Int
    /// Channels of every token.
    public var width: Int
    /// Encoder layers.
    public var layers: Int
    /// Attention heads per layer.
    public var heads: Int
    /// Epsilon of every LayerNorm.
    public var layerNormEpsilon: Float

    /// A configuration; the width must split into whole heads.
    public init(vocabularySize: Int = 49408, contextLength: Int = 77, width: Int, layers: Int, heads: Int, layerNormEpsilon: Float = 1e-5) {
        precondition(heads >= 1 && width % heads == 0, "CLIPTextConfig: width \(width) does not split into \(heads) heads")
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.width = width
        self.layers = layers
        self.heads = heads
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// CLIP ViT-L/14's text tower, CustomNet's (and Stable Diffusion 1.x's) text encoder: 768 wide, 12 layers, 12 heads.
    public static let vitL14 = CLIPTextConfig(width: 768, layers: 12, heads: 12)
    /// CLIP ViT-B/32's text tower, the CLIP-T metric's: 512 wide, 8 layers, 8 heads.
    public static let vitB32 = CLIPTextConfig(width: 512, layers: 12, heads: 8)
    /// A tiny tower for tests: 32 wide, 2 layers, 2 heads (still the full vocabulary and context).
    public static let tiny = CLIPTextConfig(width: 32, layers: 2, heads: 2)

    /// Hidden width of each layer's MLP (4 × width in every CLIP).
    public var feedForwardWidth: Int { 4 * width }
}

/// What the text tower gives for a batch of token sequences.
public struct CLIPTextEncoding: Sendable {
    /// `(b, contextLength, width)`, after `final_layer_norm`: what CustomNet feeds the UNet.
    public let lastHiddenState: Tensor
    /// `(b, width)`: each sequence's row of `lastHiddenState` at its end-of-text token, the first position
    /// of its largest id (OpenAI's `argmax` pooling; for ids from the CLIP tokenizer, the first 49407).
    public let pooled: Tensor
}

/// A CLIP text tower in the Hugging Face layout (`CLIPTextModel`'s `text_model`), with a causal mask and
/// no padding mask, as CustomNet and Stable Diffusion run it.
///
/// Built from the source scoped to `text_model` (`text_encoder.transformer.text_model` in the CustomNet
/// checkpoint), it reads `embeddings.token_embedding.weight`, `embeddings.position_embedding.weight`,
/// `encoder.layers.N.*` and `final_layer_norm.*`. It does not read `embeddings.position_ids` (HF's
/// buffer of 0…76, saved by transformers < 4.31 and absent from newer exports); `unreadKeys` names it
/// for `ParameterSource.checkComplete(ignoredKeys:)`.
public struct CLIPTextTower: Sendable {
    /// The configuration it was built with.
    public let config: CLIPTextConfig
    /// The keys under this tower's prefix that a checkpoint may hold and the tower does not read:
    /// `<prefix>embeddings.position_ids`.
    public let unreadKeys: Set<String>
    private let tokenEmbedding: Tensor
    private let positionEmbedding: Tensor
    private let layers: [PreNormTransformerBlock]
    private let finalNorm: LayerNorm

    /// Reads the tower's parameters from `parameters` (scoped to `text_model`) in the Hugging Face layout.
    public init(_ parameters: ParameterSource, config: CLIPTextConfig) {
        self.config = config
        unreadKeys = [parameters.prefix + "embeddings.position_ids"]
        let embeddings = parameters.scoped("embeddings")
        tokenEmbedding = embeddings.scoped("token_embedding").tensor("weight", shape: [config.vocabularySize, config.width])
        positionEmbedding = embeddings.scoped("position_embedding").tensor("weight", shape: [config.contextLength, config.width])
        let encoderLayers = parameters.scoped("encoder").scoped("layers")
        layers = (0..<config.layers).map {
            PreNormTransformerBlock.huggingFace(encoderLayers.scoped($0), width: config.width, heads: config.heads,
                                                feedForwardWidth: config.feedForwardWidth, layerNormEpsilon: config.layerNormEpsilon)
        }
        finalNorm = LayerNorm(parameters.scoped("final_layer_norm"), channels: config.width, epsilon: config.layerNormEpsilon)
    }

    /// Encodes token sequences.
    /// - Parameter tokens: one row of `contextLength` ids per sequence, each below `vocabularySize`
    ///   (BOS 49406, the text, EOS 49407, padding 49407, as CustomNet's tokenizer gives them).
    public func callAsFunction(_ tokens: [[Int32]]) -> CLIPTextEncoding {
        let (context, width) = (config.contextLength, config.width)
        precondition(!tokens.isEmpty, "CLIPTextTower: no token rows to encode")
        for row in tokens {
            precondition(row.count == context, "CLIPTextTower: a token row has \(row.count) ids, expected \(context)")
            precondition(row.allSatisfy { $0 >= 0 && Int($0) < config.vocabularySize },
                         "CLIPTextTower: token ids \(row) should lie in 0..<\(config.vocabularySize)")
        }
        var x = embedded(tokens)
        for layer in layers { x = layer(x, causal: true) }
        let lastHiddenState = finalNorm(x)
        let pooledRows = tokens.enumerated().map { image, row in
            let end = row.firstIndex(of: row.max()!)!
            return lastHiddenState.slice(image ..< image + 1).reshaped([context, width]).slice(end ..< end + 1)
        }
        return CLIPTextEncoding(lastHiddenState: lastHiddenState, pooled: Ops.concatenate(pooledRows, axis: 0))
    }

    /// Token embedding plus position embedding: `(b, contextLength, width)`.
    private func embedded(_ tokens: [[Int32]]) -> Tensor {
        let (context, width) = (config.contextLength, config.width)
        var x = Tensor(zeros: [tokens.count, context, width])
        x.withUnsafeMutableBufferPointer { output in
            tokenEmbedding.withUnsafeBufferPointer { table in
                positionEmbedding.withUnsafeBufferPointer { position in
                    for (sequence, row) in tokens.enumerated() {
                        for (place, id) in row.enumerated() {
                            let destination = (sequence * context + place) * width, source = Int(id) * width
                            for channel in 0..<width { output[destination + channel] = table[source + channel] + position[place * width + channel] }
                        }
                    }
                }
            }
        }
        return x
    }
}
