import ImageIO
import Tensor

/// The CustomNet pipeline (customnet-spec §1): object image + box + pose + prompt + seed → image.
///
/// Load once, render many: conditioning that does not depend on the pose or seed (the object's CLIP
/// embedding, the location latent of a box, a prompt's text embedding) is exposed separately so a worker
/// can cache it.
public final class CustomNetGenerator: Sendable {
    public let preset: CustomNetPreset
    let models: CustomNetModels
    let tokenizer: ClipTokenizer
    let schedule: NoiseSchedule
    /// enc(""): the text half of the unconditional context.
    let emptyPromptEmbedding: Tensor

    /// The 0.18215 that scales VAE latents to unit variance for the UNet.
    static let latentScale: Float = 0.18215

    /// Loads a checkpoint in the official layout (a `torch.save` zip or a safetensors file).
    /// - Parameters:
    ///   - preset: the architecture; nil infers it from the UNet's input convolution.
    ///   - tokenizer: the CLIP tokenizer (from the cached vocabulary, see `ClipVocabularyFile`).
    /// - Throws: `WeightFileError` naming the file and every missing, unexpected or mis-shaped key.
    public init(checkpoint store: WeightStore, preset: CustomNetPreset? = nil, tokenizer: ClipTokenizer) throws {
        guard let preset = preset ?? CustomNetPreset.inferred(from: store) else {
            let found = store.entry(named: CustomNetCheckpoint.unetPrefix + "input_blocks.0.0.weight").map { "\($0.shape)" } ?? "no such key"
            throw WeightFileError(path: store.path, problem: "not a CustomNet checkpoint of a known preset: "
                + "\(CustomNetCheckpoint.unetPrefix)input_blocks.0.0.weight is \(found); known presets: "
                + CustomNetPreset.all.map { "\($0.name) [\($0.unet.modelChannels), \($0.unet.inputChannels), 3, 3]" }.joined(separator: ", "))
        }
        let parameters = ParameterSource(store: store)
        let models = CustomNetModels(parameters, preset: preset)
        try parameters.checkComplete(ownedPrefixes: CustomNetCheckpoint.ownedPrefixes, ignoredKeys: models.unreadKeys)
        if let alphas = store.entry(named: "alphas_cumprod"), alphas.shape == [1000] {
            schedule = NoiseSchedule(alphasCumulative: try store.tensor("alphas_cumprod").scalars)
        } else {
            schedule = .scaledLinear()
        }
        self.preset = preset
        self.models = models
        self.tokenizer = tokenizer
        emptyPromptEmbedding = models.text([tokenizer.encode("", mode: .huggingFace)]).lastHiddenState
    }

    /// The object image as the model sees it: composited onto white, resized to the preset's size as
    /// PIL's default bicubic does, as a `(1, 3, S, S)` tensor in [−1, 1].
    public func objectTensor(_ object: RasterImage) -> Tensor {
        let size = preset.imageSize
        var rgb = object.compositedOnWhite()
        if rgb.width != size || rgb.height != size { rgb = rgb.resized(width: size, height: size, filter: .bicubic) }
        let plane = size * size
        var values = [Float](repeating: 0, count: 3 * plane)
        for p in 0..<plane {
            for c in 0..<3 { values[c * plane + p] = Float(rgb.pixels[p * 3 + c]) / 255 * 2 - 1 }
        }
        return Tensor(shape: [1, 3, size, size], scalars: values)
    }

    /// e_img: the CLIP image embedding of the object, `(1, D)` (depends on the object only).
    public func objectEmbedding(_ object: Tensor) -> Tensor {
        models.vision.embed(signedImage: object)
    }

    /// c_concat: the VAE posterior mean (unscaled) of the object resized bilinearly into `box` on a white
    /// canvas, `(1, 4, L, L)` (depends on the object and the box).
    public func locationLatent(_ object: Tensor, box: Box) -> Tensor {
        let size = preset.imageSize
        let placed = Ops.resizeBilinear(object, height: box.y1 - box.y0, width: box.x1 - box.x0)
        var canvas = Tensor(shape: [1, 3, size, size], repeating: 1)
        canvas.withUnsafeMutableBufferPointer { out in
            placed.withUnsafeBufferPointer { source in
                let width = box.x1 - box.x0
                for c in 0..<3 {
                    for row in 0..<(box.y1 - box.y0) {
                        let from = source.baseAddress! + (c * (box.y1 - box.y0) + row) * width
                        (out.baseAddress! + (c * size + box.y0 + row) * size + box.x0).update(from: from, count: width)
                    }
                }
            }
        }
        return models.vaeEncoder(canvas)
    }

    /// The text embedding of a prompt, `(1, 77, D)` (depends on the prompt only).
    public func textEmbedding(_ prompt: String) -> Tensor {
        models.text([tokenizer.encode(prompt, mode: .huggingFace)]).lastHiddenState
    }

    /// c_img: the object token for a pose, `cc_projection([e_img, T])`, `(1, 1, D)`.
    func objectToken(_ embedding: Tensor, pose: Pose) -> Tensor {
        let joined = Ops.concatenate([embedding, Tensor(shape: [1, 4], scalars: pose.vector)], axis: 1)
        return models.projection(joined).reshaped([1, 1, preset.unet.contextDimension])
    }

    /// x_T for a seed: `torch.randn((1, 4, L, L), generator=torch.Generator().manual_seed(seed))`.
    public func initialNoise(seed: UInt64) -> Tensor {
        var random = TorchRandom(seed: seed)
        return random.normalTensor(shape: [1, 4, preset.latentSize, preset.latentSize])
    }

    /// Runs the sampler and the decoder from prepared conditioning.
    /// - Parameters:
    ///   - afterStep: sees (step index, step count, the new latent) after each DDIM step; throw to stop.
    /// - Returns: the image, RGB `S × S`.
    public func sample(
        objectEmbedding: Tensor, locationLatent: Tensor, textEmbedding: Tensor, pose: Pose, noise: Tensor,
        steps: Int, guidance: Float, afterStep: (Int, Int, Tensor) throws -> Void = { _, _, _ in }
    ) rethrows -> RasterImage {
        let latentShape = [1, 4, preset.latentSize, preset.latentSize]
        precondition(noise.shape == latentShape, "sample: noise \(noise.shape) should be \(latentShape)")
        let conditional = Ops.concatenate([objectToken(objectEmbedding, pose: pose), textEmbedding], axis: 1)
        let unconditional = Ops.concatenate([Tensor(zeros: [1, 1, preset.unet.contextDimension]), emptyPromptEmbedding], axis: 1)
        // Both guidance branches go through the UNet as one batch of 2 (conditional first): the same
        // arithmetic as two separate passes, with GEMMs twice as wide.
        let context = Ops.concatenate([conditional, unconditional], axis: 0)
        let concat = Ops.concatenate([locationLatent, Tensor(zeros: latentShape)], axis: 0)
        let sampler = DDIMSampler(schedule: schedule, steps: steps)
        let latent = try sampler.sample(from: noise, predictNoise: { x, t in
            let input = Ops.concatenate([Ops.concatenate([x, x], axis: 0), concat], axis: 1)
            let epsilon = models.unet(input, timestep: t, context: context)
            return Guidance.combine(conditional: epsilon.slice(0..<1), unconditional: epsilon.slice(1..<2), scale: guidance)
        }, afterStep: { index, x in try afterStep(index, sampler.timesteps.count, x) })
        return decode(latent)
    }

    /// Decodes a diffusion latent to an image: VAE decoder of latent / 0.18215, then
    /// `uint8(clamp((x + 1) / 2, 0, 1) · 255)` truncating, as the official code converts.
    public func decode(_ latent: Tensor) -> RasterImage {
        let image = models.vaeDecoder(Ops.scale(latent, by: 1 / CustomNetGenerator.latentScale))
        let size = preset.imageSize, plane = size * size
        let values = image.scalars
        var pixels = [UInt8](repeating: 0, count: 3 * plane)
        for p in 0..<plane {
            for c in 0..<3 {
                let unit = min(max((values[c * plane + p] + 1) / 2, 0), 1)
                pixels[p * 3 + c] = UInt8(unit * 255)
            }
        }
        return RasterImage(width: size, height: size, layout: .rgb, pixels: pixels)
    }

    /// Renders one request end to end.
    public func render(_ request: RenderRequest, afterStep: (Int, Int, Tensor) throws -> Void = { _, _, _ in }) throws -> RasterImage {
        let box = request.box ?? .wholeFrame(preset.imageSize)
        if let problem = box.problem(inFrame: preset.imageSize) { throw RenderError(problem) }
        guard request.pose.polar.isFinite, request.pose.azimuth.isFinite else { throw RenderError("polar and azimuth must be finite numbers") }
        guard request.guidance.isFinite else { throw RenderError("guidance must be a finite number") }
        guard (2...1000).contains(request.steps) else { throw RenderError("steps must be 2…1000, got \(request.steps)") }
        let latentShape = [1, 4, preset.latentSize, preset.latentSize]
        if let noise = request.noise, noise.shape != latentShape {
            throw RenderError("noise has shape \(noise.shape); this model needs \(latentShape)")
        }
        let object = objectTensor(request.object)
        return try sample(objectEmbedding: objectEmbedding(object), locationLatent: locationLatent(object, box: box),
                          textEmbedding: textEmbedding(request.prompt), pose: request.pose,
                          noise: request.noise ?? initialNoise(seed: request.seed),
                          steps: request.steps, guidance: request.guidance, afterStep: afterStep)
    }
}
