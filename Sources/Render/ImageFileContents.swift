import FarmProtocol
import Foundation
import ImageIO

/// An image file read whole, once: its bytes and their SHA-256, decoded only when needed. Every
/// problem with it is a `.task` failure whose message starts with the path.
struct ImageFileContents {
    let path: String
    let bytes: [UInt8]
    /// Lowercase hex SHA-256 of `bytes`.
    let digest: String

    /// Reads the file at `path`.
    init(readingAt path: String) throws(TaskFailure) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let problem = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
            throw TaskFailure(.task, "\(path): \(problem)")
        }
        self.path = path
        bytes = [UInt8](data)
        digest = SHA256.hexDigest(bytes)
    }

    /// Reads the file at `path` and checks it is the one the task was made with.
    init(readingAt path: String, expectedDigest: String) throws(TaskFailure) {
        try self.init(readingAt: path)
        guard digest == expectedDigest else {
            throw TaskFailure(.task, "\(path): SHA-256 is \(digest), the task expects \(expectedDigest) (the file changed after the job was submitted)")
        }
    }

    /// The image: PNG or JPEG, told apart by their first bytes as `ImageFile.read` does.
    func decoded() throws(TaskFailure) -> RasterImage {
        do {
            if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return try PNG.decode(bytes, source: path) }
            if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return try JPEG.decode(bytes, source: path) }
        } catch {
            throw TaskFailure(.task, error.description)
        }
        throw TaskFailure(.task, "\(path): neither a PNG nor a JPEG file")
    }
}
