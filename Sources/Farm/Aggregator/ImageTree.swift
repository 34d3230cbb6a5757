import Foundation

/// A job's output folder as researchers browse it: `images/<object>/<prompt-slug>/p<polar>_a<azimuth>_s<seed>.png`.
/// Images are written atomically (a temporary file in the same folder, flushed, then renamed), so a
/// reader or a crash never sees half a PNG.
public struct ImageTree: Sendable {
    /// The job's output folder (absolute).
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// The image's path relative to `root` for a task named `<object>/<prompt-slug>/p…_a…_s…`.
    public static func relativePath(ofTaskNamed name: String) -> String { "images/\(name).png" }

    /// Writes `bytes` as the image of the task named `name`; returns the path relative to `root`.
    @discardableResult
    public func write(_ bytes: [UInt8], forTaskNamed name: String) throws(ImageTreeError) -> String {
        let relative = Self.relativePath(ofTaskNamed: name)
        try Self.writeAtomically(bytes, to: root + "/" + relative)
        return relative
    }

    /// Writes `bytes` to `path` through a temporary file in the same folder, fsync and rename.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(ImageTreeError) {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ImageTreeError(path: folder, problem: "cannot create the folder: \(error.localizedDescription)")
        }
        let temporary = folder + "/." + (path as NSString).lastPathComponent + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ImageTreeError(path: temporary, problem: String(cString: strerror(errno))) }
        var written = 0
        let failure: String? = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let result = Foundation.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                written += result
            }
            return fsync(descriptor) == 0 ? nil : String(cString: strerror(errno))
        }
        close(descriptor)
        if let failure {
            unlink(temporary)
            throw ImageTreeError(path: path, problem: failure)
        }
        guard rename(temporary, path) == 0 else {
            let problem = String(cString: strerror(errno))
            unlink(temporary)
            throw ImageTreeError(path: path, problem: "rename failed: \(problem)")
        }
    }
}

/// An image that could not be written: the path and why.
public struct ImageTreeError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}
