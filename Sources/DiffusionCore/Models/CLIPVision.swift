// Ports clip.model.VisionTransformer (OpenAI CLIP) and the input preprocessing of CustomNet's
// FrozenCLIPImageEmbedder (customnet-spec §2.8).
import Tensor

/// The hyperparameters of an OpenAI CLIP vision transformer (encoders-and-metrics §2.2).
public struct CLIPVisionConfig: Sendable, Equatable {
    /// The side of the square input image, in pixels.
    public var imageSize: Int
    /// The side of a square patch (the stride and kernel of `conv1`).
    public var patchSize: Int
    /// Channels of every token.
    public var width: Int
    /// Residual blocks.
    public var layers: Int
    /// Attention heads per block.
    public var heads: Int
    /// Dimension of the image embedding (the columns of `proj`).
    public var outputDimension: Int
    /// Epsilon of every LayerNorm.
    public var layerNormEpsilon: Float

    /// A configuration; the image must split into whole patches and the width into whole heads.
    public init(imageSize: Int, patchSize: Int, width: Int, layers: Int, heads: Int, outputDimension: Int, layerNormEpsilon: Float = 1e-5) {
        precondition(patchSize >= 1 && imageSize % patchSize == 0, "CLIPVisionConfig: image size \(imageSize) is not a multiple of patch size \(patchSize)")
        precondition(heads >= 1 && width % heads == 0, "CLIPVisionConfig: width \(width) does not split into \(heads) heads")
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.width = width
        self.layers = layers
        self.heads = heads
        self.outputDimension = outputDimension
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// ViT-L/14 at 224 px, CustomNet's image encoder: 257 tokens of 1024, 24 layers, 16 heads, 768-d output.
    public static let vitL14 = CLIPVisionConfig(imageSize: 224, patchSize: 14, width: 1024, layers: 24, heads: 16, outputDimension: 768)
    /// ViT-B/32 at 224 px, the CLIP-I metric's encoder: 50 tokens of 768, 12 layers, 12 heads, 512-d output.
    public static let vitB32 = CLIPVisionConfig(imageSize: 224, patchSize: 32, width: 768, layers: 12, heads: 12, outputDimension: 512)
    /// A tiny tower for tests: 32 px, 8 px patches (17 tokens) of 64, 2 layers, 2 heads, 32-d output.
    public static let tiny = CLIPVisionConfig(imageSize: 32, patchSize: 8, width: 64, layers: 2, heads: 2, outputDimension: 32)

    /// Patches along each side of the image.
    public var gridSize: Int { imageSize / patchSize }
    /// Tokens in the sequence: the class token and one per patch.
    public var tokenCount: Int { gridSize * gridSize + 1 }
    /// Hidden width of each block's MLP (4 × width in every CLIP).
    public var feedForwardWidth: Int { 4 * width }
}

/// An OpenAI CLIP vision tower: an image to its (unnormalised) CLIP image embedding, as `encode_image`
/// and Hugging Face's `CLIPVisionModelWithProjection.image_embeds`.
///
/// Built from the source scoped to the tower (`cond_stage_model.model.visual` in the CustomNet
/// checkpoint), it reads `class_embedding`, `positional_embedding`, `conv1.weight`, `ln_pre.*`,
/// `transformer.resblocks.N.*`, `ln_post.*` and `proj`.
public struct CLIPVisionTower: Sendable {
    /// CLIP's per-channel normalisation of RGB in [0, 1]: `(x − mean) / std`.
    public static let pixelMean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    /// See `pixelMean`.
    public static let pixelStandardDeviation: [Float] = [0.26862954, 0.26130258, 0.27577711]

    /// The configuration it was built with.
    public let config: CLIPVisionConfig
    private let patchEmbedding: Conv2d
    private let classEmbedding: Tensor
    private let positionalEmbedding: Tensor
    private let preNorm: LayerNorm
    private let blocks: [PreNormTransformerBlock]
    private let postNorm: LayerNorm
    private let projection: Tensor

    /// Reads the tower's parameters from `parameters` (scoped to the tower) in the OpenAI layout.
    public init(_ parameters: ParameterSource, config: CLIPVisionConfig) {
        self.config = config
        let width = config.width
        patchEmbedding = Conv2d(parameters.scoped("conv1"), input: 3, output: width, kernel: config.patchSize,
                                stride: config.patchSize, padding: .all(0), bias: false)
        classEmbedding = parameters.tensor("class_embedding", shape: [width])
        positionalEmbedding = parameters.tensor("positional_embedding", shape: [config.tokenCount, width])
        preNorm = LayerNorm(parameters.scoped("ln_pre"), channels: width, epsilon: config.layerNormEpsilon)
        let resblocks = parameters.scoped("transformer").scoped("resblocks")
        blocks = (0..<config.layers).map {
            PreNormTransformerBlock.openAI(resblocks.scoped($0), width: width, heads: config.heads,
                                           feedForwardWidth: config.feedForwardWidth, layerNormEpsilon: config.layerNormEpsilon)
        }
        postNorm = LayerNorm(parameters.scoped("ln_post"), channels: width, epsilon: config.layerNormEpsilon)
        projection = parameters.tensor("proj", shape: [width, config.outputDimension])
    }

    /// Reads the tower in the Hugging Face layout (`CLIPModel`, `CLIPVisionModelWithProjection`):
    /// `vision` scoped to `vision_model` (`embeddings.class_embedding`, `embeddings.patch_embedding.weight`,
    /// `embeddings.position_embedding.weight`, `pre_layrnorm.*`, `encoder.layers.N.*`, `post_layernorm.*`)
    /// and `projection` scoped to `visual_projection` (`weight`, `(outputDimension, width)`: OpenAI's
    /// `proj` transposed).
    public init(huggingFace vision: ParameterSource, projection: ParameterSource, config: CLIPVisionConfig) {
        self.config = config
        let width = config.width, embeddings = vision.scoped("embeddings")
        patchEmbedding = Conv2d(embeddings.scoped("patch_embedding"), input: 3, output: width, kernel: config.patchSize,
                                stride: config.patchSize, padding: .all(0), bias: false)
        classEmbedding = embeddings.tensor("class_embedding", shape: [width])
        positionalEmbedding = embeddings.scoped("position_embedding").tensor("weight", shape: [config.tokenCount, width])
        preNorm = LayerNorm(vision.scoped("pre_layrnorm"), channels: width, epsilon: config.layerNormEpsilon)
        let layers = vision.scoped("encoder").scoped("layers")
        blocks = (0..<config.layers).map {
            PreNormTransformerBlock.huggingFace(layers.scoped($0), width: width, heads: config.heads,
                                                feedForwardWidth: config.feedForwardWidth, layerNormEpsilon: config.layerNormEpsilon)
        }
        postNorm = LayerNorm(vision.scoped("post_layernorm"), channels: width, epsilon: config.layerNormEpsilon)
        self.projection = Ops.transposeLastTwo(projection.tensor("weight", shape: [config.outputDimension, width]))
    }

    /// The image embeddings of normalised images.
    /// - Parameter pixels: `(b, 3, imageSize, imageSize)`, already normalised with `pixelMean` and
    ///   `pixelStandardDeviation`.
    /// - Returns: `(b, outputDimension)`, not normalised.
    public func callAsFunction(_ pixels: Tensor) -> Tensor {
        let side = config.imageSize
        precondition(pixels.shape.count == 4 && Array(pixels.shape.dropFirst()) == [3, side, side],
                     "CLIPVisionTower: pixels \(pixels.shape) should be (b, 3, \(side), \(side))")
        var x = preNorm(embeddedTokens(patchEmbedding(pixels)))
        for block in blocks { x = block(x, causal: false) }
        let classTokens = Ops.narrow(x, axis: 1, range: 0 ..< 1).reshaped([pixels.shape[0], config.width])
        return Ops.matmul(postNorm(classTokens), projection)
    }

    /// CustomNet's preprocessing (customnet-spec §2.8): bicubic resize to `imageSize` with corners
    /// aligned and no antialiasing (as kornia, = `F.interpolate(mode="bicubic", align_corners=True)`),
    /// then `(x + 1) / 2` without clamping, then CLIP's normalisation.
    /// - Parameter image: `(b, 3, H, W)` with values in [−1, 1].
    /// - Returns: `(b, 3, imageSize, imageSize)`, the input of `callAsFunction`.
    public func preprocess(signedImage image: Tensor) -> Tensor {
        precondition(image.shape.count == 4 && image.shape[1] == 3, "CLIPVisionTower.preprocess: image \(image.shape) should be (b, 3, H, W)")
        var pixels = Ops.resizeBicubic(image, height: config.imageSize, width: config.imageSize)
        let plane = config.imageSize * config.imageSize
        pixels.withUnsafeMutableBufferPointer { values in
            for index in values.indices {
                let channel = index / plane % 3
                values[index] = ((values[index] + 1) / 2 - Self.pixelMean[channel]) / Self.pixelStandardDeviation[channel]
            }
        }
        return pixels
    }

    /// The image embeddings of images in [−1, 1] of any size, preprocessed as CustomNet does:
    /// `self(preprocess(signedImage: image))`. - Returns: `(b, outputDimension)`.
    public func embed(signedImage image: Tensor) -> Tensor {
        self(preprocess(signedImage: image))
    }

    /// The token sequence before `ln_pre`: the class embedding, then the patches in row-major order, each
    /// plus its positional embedding.
    /// - Parameter patches: `(b, width, grid, grid)`, the output of `conv1`. - Returns: `(b, tokens, width)`.
    private func embeddedTokens(_ patches: Tensor) -> Tensor {
        let (batch, width, tokenCount) = (patches.shape[0], config.width, config.tokenCount)
        let patchCount = tokenCount - 1
        var tokens = Tensor(zeros: [batch, tokenCount, width])
        tokens.withUnsafeMutableBufferPointer { output in
            patches.withUnsafeBufferPointer { patch in
                classEmbedding.withUnsafeBufferPointer { classValues in
                    positionalEmbedding.withUnsafeBufferPointer { position in
                        for image in 0..<batch {
                            let sequence = image * tokenCount * width, grid = image * width * patchCount
                            for channel in 0..<width { output[sequence + channel] = classValues[channel] + position[channel] }
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
