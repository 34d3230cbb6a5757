/// The table of contents of a ZIP archive in a mapped file, read from its central directory (ZIP64
/// records and extra fields included, as `torch.save` writes for files over 4 GiB). Only stored
/// (uncompressed, unencrypted) entries can be opened, as views into the file: nothing is copied.
struct ZipArchive {
    /// One file in the archive, as the central directory describes it.
    struct Entry {
        let name: String
        let method: UInt16
        let flags: UInt16
        let compressedSize: Int
        let size: Int
        let localHeaderOffset: Int
    }

    let entries: [String: Entry]
    private let file: ByteView

    private static let endOfCentralDirectorySignature: UInt32 = 0x0605_4B50
    private static let zip64EndOfCentralDirectorySignature: UInt32 = 0x0606_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let centralHeaderSignature: UInt32 = 0x0201_4B50
    private static let localHeaderSignature: UInt32 = 0x0403_4B50
    private static let zip64ExtraFieldID: UInt16 = 0x0001

    init(_ mapped: MappedFile) throws(WeightFileError) {
        file = ByteView(path: mapped.path, part: "ZIP archive", bytes: mapped.bytes)
        let end = try Self.findEndOfCentralDirectory(in: file)
        var entryCount = Int(try file.uint16(at: end + 10))
        var directorySize = Int(try file.uint32(at: end + 12))
        var directoryOffset = Int(try file.uint32(at: end + 16))
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            let record = try Self.findZip64EndOfCentralDirectory(in: file, before: end)
            (entryCount, directorySize, directoryOffset) = (try Self.int(file.uint64(at: record + 32), file),
                                                            try Self.int(file.uint64(at: record + 40), file),
                                                            try Self.int(file.uint64(at: record + 48), file))
        }
        let directory = try file.slice(at: directoryOffset, length: directorySize, part: "ZIP central directory")
        guard entryCount <= directory.count / 46 else {
            throw directory.failure("\(entryCount) entries cannot fit in its \(directory.count) bytes")
        }
        var entries: [String: Entry] = [:]
        var position = 0
        for _ in 0..<entryCount {
            let entry = try Self.readCentralHeader(in: directory, at: &position)
            entries[entry.name] = entry
        }
        self.entries = entries
    }

    /// The bytes of a stored entry, checked to lie inside the file; errors name the entry.
    func contents(of entry: Entry) throws(WeightFileError) -> ByteView {
        let range = try dataRange(of: entry)
        return try file.slice(at: range.lowerBound, length: range.count, part: entry.name)
    }

    /// Where a stored entry's bytes lie in the file: after its local header (30 bytes, the name and the
    /// local extra field, whose length may differ from the central directory's).
    func dataRange(of entry: Entry) throws(WeightFileError) -> Range<Int> {
        guard entry.flags & 1 == 0 else { throw file.failure("entry \(entry.name) is encrypted") }
        guard entry.method == 0 else {
            throw file.failure("entry \(entry.name) is compressed (method \(entry.method)); only stored entries can be read, as torch.save writes them")
        }
        guard entry.compressedSize == entry.size else {
            throw file.failure("stored entry \(entry.name) has a compressed size \(entry.compressedSize) unlike its size \(entry.size)")
        }
        let local = try file.slice(at: entry.localHeaderOffset, length: 30, part: "local header of \(entry.name)")
        guard try local.uint32(at: 0) == Self.localHeaderSignature else {
            throw local.failure("no local file header signature at offset \(entry.localHeaderOffset)")
        }
        let start = entry.localHeaderOffset + 30 + Int(try local.uint16(at: 26)) + Int(try local.uint16(at: 28))
        guard start <= file.count, entry.size <= file.count - start else {
            throw file.failure("entry \(entry.name) (\(entry.size) bytes from offset \(start)) runs past the end of the file; truncated?")
        }
        return start..<start + entry.size
    }

    /// The end-of-central-directory record: the last signature whose comment length reaches exactly to the end.
    private static func findEndOfCentralDirectory(in file: ByteView) throws(WeightFileError) -> Int {
        let minimumSize = 22
        guard file.count >= minimumSize else {
            throw file.failure("the file has \(file.count) bytes, too few for a ZIP end record; truncated?")
        }
        let lowest = max(0, file.count - minimumSize - Int(UInt16.max))
        for offset in stride(from: file.count - minimumSize, through: lowest, by: -1) {
            guard try file.uint32(at: offset) == endOfCentralDirectorySignature else { continue }
            if offset + minimumSize + Int(try file.uint16(at: offset + 20)) == file.count { return offset }
        }
        throw file.failure("no end-of-central-directory record at the end of the file; truncated?")
    }

    private static func findZip64EndOfCentralDirectory(in file: ByteView, before end: Int) throws(WeightFileError) -> Int {
        let locator = end - 20
        guard locator >= 0, try file.uint32(at: locator) == zip64LocatorSignature else {
            throw file.failure("the end record needs ZIP64 values but no ZIP64 locator precedes it")
        }
        let record = try int(file.uint64(at: locator + 8), file)
        guard try file.slice(at: record, length: 56).uint32(at: 0) == zip64EndOfCentralDirectorySignature else {
            throw file.failure("no ZIP64 end-of-central-directory record at offset \(record)")
        }
        return record
    }

    /// Reads the central header at `position` and moves `position` past it.
    private static func readCentralHeader(in directory: ByteView, at position: inout Int) throws(WeightFileError) -> Entry {
        let header = try directory.slice(at: position, length: 46)
        guard try header.uint32(at: 0) == centralHeaderSignature else {
            throw directory.failure("no central header signature at offset \(position)")
        }
        let nameLength = Int(try header.uint16(at: 28))
        let extraLength = Int(try header.uint16(at: 30))
        let commentLength = Int(try header.uint16(at: 32))
        let nameBytes = try directory.slice(at: position + 46, length: nameLength)
        let name = String(decoding: nameBytes.bytes, as: UTF8.self)
        let extra = try directory.slice(at: position + 46 + nameLength, length: extraLength, part: "ZIP extra field of \(name)")
        var compressedSize = UInt64(try header.uint32(at: 20))
        var size = UInt64(try header.uint32(at: 24))
        var localHeaderOffset = UInt64(try header.uint32(at: 42))
        if compressedSize == 0xFFFF_FFFF || size == 0xFFFF_FFFF || localHeaderOffset == 0xFFFF_FFFF {
            var values = try zip64Values(in: extra)
            func next() throws(WeightFileError) -> UInt64 {
                guard !values.isEmpty else { throw extra.failure("the ZIP64 extra field lacks a value the header defers to it") }
                return values.removeFirst()
            }
            // The order is fixed: size, compressed size, local header offset — each only if its header field is full.
            if size == 0xFFFF_FFFF { size = try next() }
            if compressedSize == 0xFFFF_FFFF { compressedSize = try next() }
            if localHeaderOffset == 0xFFFF_FFFF { localHeaderOffset = try next() }
        }
        position += 46 + nameLength + extraLength + commentLength
        return Entry(name: name, method: try header.uint16(at: 10), flags: try header.uint16(at: 8),
                     compressedSize: try int(compressedSize, directory), size: try int(size, directory),
                     localHeaderOffset: try int(localHeaderOffset, directory))
    }

    /// The 8-byte values of the ZIP64 extra field (ID 1) among an entry's extra fields; empty if there is none.
    private static func zip64Values(in extra: ByteView) throws(WeightFileError) -> [UInt64] {
        var position = 0
        while position + 4 <= extra.count {
            let id = try extra.uint16(at: position)
            let length = Int(try extra.uint16(at: position + 2))
            let field = try extra.slice(at: position + 4, length: length)
            if id == zip64ExtraFieldID {
                var values: [UInt64] = []
                for offset in stride(from: 0, to: length - 7, by: 8) { values.append(try field.uint64(at: offset)) }
                return values
            }
            position += 4 + length
        }
        return []
    }

    /// A 64-bit size or offset as an `Int`, refused when it is beyond any real file.
    private static func int(_ value: UInt64, _ view: ByteView) throws(WeightFileError) -> Int {
        guard value <= UInt64(Int.max / 2) else { throw view.failure("a size or offset of \(value) bytes is beyond any real file") }
        return Int(value)
    }
}
