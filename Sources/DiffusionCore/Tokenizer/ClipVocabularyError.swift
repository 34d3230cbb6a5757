/// A CLIP vocabulary file could not be read, or does not hold what a CLIP tokenizer needs.
/// `path` names the file, so the description can be shown to a user as it is.
public struct ClipVocabularyError: Error, CustomStringConvertible, Equatable {
    /// The file, as the caller named it.
    public let path: String
    /// What is wrong, with the line or token it concerns.
    public let problem: String

    /// An error about the file at `path`.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// `"<path>: <problem>"`.
    public var description: String { "\(path): \(problem)" }
}
