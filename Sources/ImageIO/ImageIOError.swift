/// A failure to read, decode, encode or write an image. `source` names the file (or says where the
/// bytes came from) so the message can be shown to a user as it is.
public struct ImageIOError: Error, CustomStringConvertible, Equatable {
    /// The file path, or a description such as `"<memory>"` for bytes not read from a file.
    public let source: String
    /// What went wrong, as the codec or the file system said it.
    public let problem: String

    public init(source: String, problem: String) {
        self.source = source
        self.problem = problem
    }

    public var description: String { "\(source): \(problem)" }
}
