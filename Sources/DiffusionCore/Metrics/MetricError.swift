/// A metric model, image or embedding that cannot be used. `path` names the folder or file concerned
/// and `problem` says which model and which key, field or value is wrong, so the description can be
/// shown to a user as it is.
public struct MetricError: Error, CustomStringConvertible, Equatable {
    /// The model folder, weight file, config.json or image, as the caller named it.
    public let path: String
    /// What is wrong, naming the model (DINO ViT, CLIP) and the key or field.
    public let problem: String

    /// An error about the file or folder at `path`.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// `"<path>: <problem>"`.
    public var description: String { "\(path): \(problem)" }
}

extension MetricError {
    /// A weight file that does not hold the model its config describes: the weight error's file and
    /// keys, with the model named (`"does not hold a DINO ViT (384 wide, …): 1 problem: missing …"`).
    init(model: String, _ error: WeightFileError) {
        self.init(path: error.path, problem: "does not hold a \(model): \(error.problem)")
    }
}
