import Foundation

/// Writes files so that a crash leaves either no file or the whole file: a temporary file beside
/// the target, `fsync`, `rename` over the target, then `fsync` of the folder.
enum DurableFile {
    /// The temporary name `store` uses for `name`; leftovers of this form mean a write was interrupted.
    static func temporaryName(for name: String) -> String { ".\(name).tmp" }

    /// Writes `bytes` to `name` inside `folder`, durably.
    static func store(_ bytes: [UInt8], named name: String, in folder: String) throws(FileProblem) {
        let target = folder + "/" + name
        let temporary = folder + "/" + temporaryName(for: name)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileProblem(path: temporary, action: "create") }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let problem = FileProblem(path: temporary, action: "write")
                close(descriptor)
                unlink(temporary)
                throw problem
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            let problem = FileProblem(path: temporary, action: "fsync")
            close(descriptor)
            unlink(temporary)
            throw problem
        }
        close(descriptor)
        guard rename(temporary, target) == 0 else {
            let problem = FileProblem(path: target, action: "rename \(temporary) to")
            unlink(temporary)
            throw problem
        }
        try syncFolder(folder)
    }

    /// Makes the folder's entries (new names, removals) durable.
    static func syncFolder(_ folder: String) throws(FileProblem) {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileProblem(path: folder, action: "open") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileProblem(path: folder, action: "fsync") }
    }
}

/// A failed file operation: what, on which path, and the system's reason (from `errno` when made).
struct FileProblem: Error, Sendable, Hashable, CustomStringConvertible {
    let path: String
    let action: String
    let reason: String

    init(path: String, action: String, reason: String = String(cString: strerror(errno))) {
        self.path = path
        self.action = action
        self.reason = reason
    }

    var description: String { "cannot \(action) \(path): \(reason)" }
}
