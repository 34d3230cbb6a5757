import DiffusionCore
import FarmProtocol
import ImageIO
import Tensor

/// The task's object image file, decoded and converted to the model's tensor only when a cache misses.
final class ObjectImage {
    let file: ImageFileContents
    private var decoded: RasterImage?
    private var modelTensor: Tensor?

    init(_ file: ImageFileContents) { self.file = file }

    /// The decoded image (decoded once).
    func image() throws(TaskFailure) -> RasterImage {
        if let decoded { return decoded }
        let image = try file.decoded()
        decoded = image
        return image
    }

    /// `generator.objectTensor` of the image (computed once).
    func tensor(for generator: CustomNetGenerator) throws(TaskFailure) -> Tensor {
        if let modelTensor { return modelTensor }
        let tensor = generator.objectTensor(try image())
        modelTensor = tensor
        return tensor
    }
}
