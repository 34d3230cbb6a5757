import Crypto
import Foundation
import Synchronization

/// SHA-256 digests of files, streamed (a checkpoint may be 5.7 GB) and remembered in memory by
/// (path, size, modification time, file number), so asking again for an unchanged file costs a `stat`.
/// Thread-safe; share one per process.
public final class FileDigests: Sendable {
    private struct Key: Hashable {
        let path: String
        let size: UInt64
        let modified: Date
        let fileNumber: UInt64
    }

    private let cache = Mutex<[Key: String]>([:])
    /// Bytes read per chunk.
    private let chunkSize: Int

    /// A new, empty cache. `chunkSize` is how much is read at a time (1 MiB by default).
    public init(chunkSize: Int = 1 << 20) {
        self.chunkSize = max(chunkSize, 1)
    }

    /// The lowercase hex SHA-256 of the file's contents.
    public func sha256(ofFileAt path: String) throws(FileDigestError) -> String {
        let key = try Self.key(for: path)
        if let known = cache.withLock({ $0[key] }) { return known }
        let digest = try hash(path)
        // A file changed while it was read gives a key that no longer matches; do not remember that digest.
        if (try? Self.key(for: path)) == key { cache.withLock { $0[key] = digest } }
        return digest
    }

    /// How many digests are remembered (for tests).
    var cachedCount: Int { cache.withLock { $0.count } }

    /// Reads the file through one reused buffer (a fresh buffer per chunk costs page faults, which
    /// dominated the time on a 1 GB file).
    private func hash(_ path: String) throws(FileDigestError) -> String {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw FileDigestError(path: path, problem: "cannot open for reading: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw FileDigestError(path: path, problem: "read failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    private static func key(for path: String) throws(FileDigestError) -> Key {
        // Symbolic links are followed: the key is the file's, so a link pointed elsewhere is a new key.
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: target)
        } catch {
            throw FileDigestError(path: path, problem: FileManager.default.fileExists(atPath: path) ? "cannot read its attributes" : "no such file")
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else { throw FileDigestError(path: path, problem: "not a regular file") }
        return Key(path: target, size: (attributes[.size] as? NSNumber)?.uint64Value ?? 0,
                   modified: attributes[.modificationDate] as? Date ?? .distantPast,
                   fileNumber: (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0)
    }
}

/// A file whose digest could not be computed, and why.
public struct FileDigestError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let problem: String

    public var description: String { "\(path): \(problem)" }
}
