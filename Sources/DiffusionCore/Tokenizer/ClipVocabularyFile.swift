import Foundation

/// Finds the CLIP BPE merges file (`bpe_simple_vocab_16e6.txt.gz`, from the open_clip wheel) that
/// `ops/setup` downloads and checks. Model weights never contain it, so every worker needs it.
///
/// Search order: `$CUSTOMNET_CACHE/clip/`, `$XDG_CACHE_HOME/customnet/clip/`, `~/.cache/customnet/clip/`.
public enum ClipVocabularyFile {
    public static let fileName = "bpe_simple_vocab_16e6.txt.gz"

    /// The folder `ops/setup` writes the file to, given an environment.
    public static func cacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["CUSTOMNET_CACHE"], !explicit.isEmpty { return explicit + "/clip" }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/customnet/clip" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.cache/customnet/clip"
    }

    /// The path of the vocabulary file, or an error that says where it was looked for and how to get it.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws(MissingFileError) -> String {
        let path = cacheDirectory(environment: environment) + "/" + fileName
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw MissingFileError(path: path, remedy: "run ops/setup, which downloads and checks it")
        }
        return path
    }
}

/// A file the engine needs is not where it should be.
public struct MissingFileError: Error, CustomStringConvertible {
    public let path: String
    public let remedy: String

    public var description: String { "\(path): not found; \(remedy)" }
}
