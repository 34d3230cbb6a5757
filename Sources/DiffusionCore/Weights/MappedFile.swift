import Foundation

/// A whole file mapped read-only into memory (`mmap`, `PROT_READ`, `MAP_PRIVATE`), unmapped when the
/// last reference goes. Tensors that borrow its bytes keep it alive as their storage's owner.
final class MappedFile: @unchecked Sendable {
    /// The file, as the caller named it.
    let path: String
    /// The file's bytes; empty for an empty file. Never written.
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws(WeightFileError) {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw WeightFileError(path: path, problem: "cannot be opened: \(Self.lastSystemError())") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw WeightFileError(path: path, problem: "cannot be examined: \(Self.lastSystemError())") }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw WeightFileError(path: path, problem: "is not a regular file") }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw WeightFileError(path: path, problem: "cannot be mapped into memory: \(Self.lastSystemError())")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    /// Drops the pages that lie wholly inside `range` (byte offsets) from this process's resident memory
    /// (`madvise(MADV_DONTNEED)`). Nothing is lost: the mapping is private and never written, so a page
    /// touched again is read back from the file. For bytes already converted into memory of their own.
    func releasePages(_ range: Range<Int>) {
        guard let base = bytes.baseAddress, !range.isEmpty else { return }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + pageSize - 1) / pageSize * pageSize
        let end = min(range.upperBound, bytes.count) / pageSize * pageSize
        guard end > start else { return }
        // Best effort: a failure only means the pages stay resident.
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    private static func lastSystemError() -> String { String(cString: strerror(errno)) }
}
