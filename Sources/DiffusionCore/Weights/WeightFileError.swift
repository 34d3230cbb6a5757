/// A weight file could not be opened, parsed, trusted or matched against what a model expects.
/// `path` names the file, so the description can be shown to a user as it is.
public struct WeightFileError: Error, CustomStringConvertible, Equatable {
    /// The file, as the caller named it.
    public let path: String
    /// What is wrong, with the entry, tensor, opcode or byte offset it concerns.
    public let problem: String

    /// An error about the file at `path`.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// `"<path>: <problem>"`.
    public var description: String { "\(path): \(problem)" }
}
