import ImageIO
import Tensor

/// The image preprocessing of a metric recipe, torchvision on PIL images step for step: composite RGBA
/// onto white, `Resize(shorterSide, bicubic)`, `CenterCrop(crop)`, `ToTensor()` (bytes / 255),
/// `Normalize(mean, std)` — all in Float32, as torchvision computes them.
public struct MetricPreprocessing: Sendable, Equatable {
    /// The shorter side after the Pillow-exact bicubic resize (the longer keeps the aspect ratio).
    public var shorterSide: Int
    /// The side of the square centre crop: the model's input.
    public var crop: Int
    /// Per-channel mean subtracted from RGB in [0, 1].
    public var mean: [Float]
    /// Per-channel standard deviation the result is divided by.
    public var standardDeviation: [Float]

    /// A recipe; the mean and standard deviation have one value per RGB channel.
    public init(shorterSide: Int, crop: Int, mean: [Float], standardDeviation: [Float]) {
        precondition(shorterSide >= 1 && crop >= 1 && mean.count == 3 && standardDeviation.count == 3,
                     "MetricPreprocessing: sizes must be positive and mean/std have 3 values")
        self.shorterSide = shorterSide
        self.crop = crop
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// DINO-I (DreamVideo, MagicBrush; timm's `.dino` data config): `Resize(256, bicubic)`,
    /// `CenterCrop(224)`, ImageNet mean and standard deviation. Not Hugging Face's `ViTImageProcessor`,
    /// which squashes the image to 224 × 224 with bilinear resampling.
    public static let dino = MetricPreprocessing(shorterSide: 256, crop: 224, mean: DINOViT.pixelMean,
                                                 standardDeviation: DINOViT.pixelStandardDeviation)

    /// CLIP-I and CLIP-T: openai/CLIP's `_transform(n_px)` — `Resize(n_px, bicubic)`, `CenterCrop(n_px)`,
    /// CLIP's mean and standard deviation — for a model that takes `size`-pixel images.
    public static func clip(size: Int) -> MetricPreprocessing {
        MetricPreprocessing(shorterSide: size, crop: size, mean: CLIPVisionTower.pixelMean,
                            standardDeviation: CLIPVisionTower.pixelStandardDeviation)
    }

    /// The 8-bit RGB crop the model sees: `image` composited onto white, resized and centre-cropped.
    public func croppedImage(_ image: RasterImage) -> RasterImage {
        image.compositedOnWhite()
            .resizedShorterSide(to: shorterSide, filter: .bicubic)
            .centreCropped(width: crop, height: crop)
    }

    /// The model input for `image` (8-bit RGB or RGBA, any size): `(1, 3, crop, crop)`.
    public func tensor(_ image: RasterImage) -> Tensor {
        let cropped = croppedImage(image)
        let plane = crop * crop
        var pixels = Tensor(zeros: [1, 3, crop, crop])
        pixels.withUnsafeMutableBufferPointer { values in
            for index in 0..<plane {
                for channel in 0..<3 {
                    let unit = Float(cropped.pixels[index * 3 + channel]) / 255
                    values[channel * plane + index] = (unit - mean[channel]) / standardDeviation[channel]
                }
            }
        }
        return pixels
    }
}
