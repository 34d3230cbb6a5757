/// One BPE merge: its rank (the lowest-ranked pair in a word merges first) and the token it makes.
struct BytePairMerge: Sendable {
    let rank: Int32
    let token: Int32
}

/// The ids and merges of a CLIP byte-level BPE vocabulary, whichever files it was read from.
struct ClipVocabulary: Sendable {
    /// The number of token ids.
    let size: Int
    /// The id of `<|startoftext|>` (open_clip spells it `<start_of_text>`).
    let startOfTextID: Int32
    /// The id of `<|endoftext|>` (open_clip spells it `<end_of_text>`).
    let endOfTextID: Int32
    /// The id of each byte as a symbol inside a word, indexed by the byte.
    let byteIDs: [Int32]
    /// The id of each byte as a word's last symbol, with the `</w>` suffix, indexed by the byte.
    let finalByteIDs: [Int32]
    /// The merges, keyed by `pairKey(left, right)`.
    let merges: [UInt64: BytePairMerge]

    /// The dictionary key of the adjacent symbols `left`, `right`.
    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// The number of merges CLIP uses: `49152 - 256 - 2` (open_clip's and transformers' slice of the file).
    static let mergeCount = 48_894

    /// The end-of-word suffix of a word's last symbol.
    static let endOfWord = Array("</w>".utf8)

    /// GPT-2's `bytes_to_unicode` table in its order: the printable bytes `!`...`~`, `¡`...`¬`, `®`...`ÿ`
    /// stand for themselves, the other 68 bytes, in increasing order, for U+0100 onwards. Vocabulary and
    /// merges files spell each byte as the UTF-8 of its character.
    static let byteCharacters: [(byte: UInt8, utf8: [UInt8])] = {
        let printable = Array(0x21 ... 0x7E) + Array(0xA1 ... 0xAC) + Array(0xAE ... 0xFF)
        let remapped = (0 ... 255).filter { !printable.contains($0) }
        let codes = printable + remapped.indices.map { 0x100 + $0 }
        return zip(printable + remapped, codes).map { byte, code in
            (UInt8(byte), code < 0x80 ? [UInt8(code)] : [UInt8(0xC0 | code >> 6), UInt8(0x80 | code & 0x3F)])
        }
    }()
}

/// One `left right` line of a merges file.
struct MergeLine {
    /// The line number in the file, counting from 1.
    let number: Int
    let left: [UInt8]
    let right: [UInt8]
}

extension ClipVocabulary {
    /// Lines 1 ... `maxCount` of `text` (line 0 is a header), or fewer if it has fewer; the empty line
    /// after a final newline does not count.
    static func mergeLines(of text: ArraySlice<UInt8>, maxCount: Int) -> [ArraySlice<UInt8>] {
        var lines = text.split(separator: UInt8(ascii: "\n"), maxSplits: maxCount + 1, omittingEmptySubsequences: false)
        if lines.count <= maxCount + 1, lines.last?.isEmpty == true { lines.removeLast() }
        return Array(lines.dropFirst().prefix(maxCount))
    }

    /// `lines` (from `mergeLines`) of the file at `path` as merges: two symbols separated by whitespace.
    static func parse(_ lines: [ArraySlice<UInt8>], path: String) throws(ClipVocabularyError) -> [MergeLine] {
        try lines.enumerated().map { index, line throws(ClipVocabularyError) in
            let symbols = line.split(whereSeparator: isPythonSpace)
            guard symbols.count == 2 else {
                throw ClipVocabularyError(path: path, problem: "line \(index + 2): expected two symbols separated by a space, found \"\(spelling(line.prefix(80)))\"")
            }
            return MergeLine(number: index + 2, left: Array(symbols[0]), right: Array(symbols[1]))
        }
    }

    /// The ASCII bytes Python's `str.split()` and `str.strip()` treat as whitespace.
    static func isPythonSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09 ... 0x0D).contains(byte) || (0x1C ... 0x1F).contains(byte)
    }

    /// The id of each byte as an inner symbol and as a final (`</w>`) symbol, looked up in `tokenIDs`.
    static func byteIDs(in tokenIDs: [[UInt8]: Int32], path: String) throws(ClipVocabularyError) -> (inner: [Int32], final: [Int32]) {
        func id(_ token: [UInt8], byte: UInt8) throws(ClipVocabularyError) -> Int32 {
            guard let id = tokenIDs[token] else {
                throw ClipVocabularyError(path: path, problem: "has no token \"\(spelling(token))\" for the byte \(byte)")
            }
            return id
        }
        var inner = [Int32](repeating: 0, count: 256), final = inner
        for (byte, utf8) in byteCharacters {
            inner[Int(byte)] = try id(utf8, byte: byte)
            final[Int(byte)] = try id(utf8 + endOfWord, byte: byte)
        }
        return (inner, final)
    }

    /// The merges of `lines` in rank order, resolved against `tokenIDs` (token spelling → id). A later
    /// line for the same pair replaces an earlier one, as Python's `dict(zip(merges, range(...)))` does.
    static func resolve(_ lines: [MergeLine], tokenIDs: [[UInt8]: Int32], path: String) throws(ClipVocabularyError) -> [UInt64: BytePairMerge] {
        var merges: [UInt64: BytePairMerge] = [:]
        merges.reserveCapacity(lines.count)
        for (rank, line) in lines.enumerated() {
            guard let left = tokenIDs[line.left], let right = tokenIDs[line.right] else {
                let missing = tokenIDs[line.left] == nil ? line.left : line.right
                throw ClipVocabularyError(path: path, problem: "line \(line.number): \"\(spelling(missing))\" is not a token of the vocabulary")
            }
            guard let merged = tokenIDs[line.left + line.right] else {
                throw ClipVocabularyError(path: path, problem: "line \(line.number): \"\(spelling(line.left)) \(spelling(line.right))\" makes "
                    + "\"\(spelling(line.left + line.right))\", which is not a token of the vocabulary")
            }
            merges[pairKey(left, right)] = BytePairMerge(rank: Int32(rank), token: merged)
        }
        return merges
    }

    /// A token's spelling as text, for messages.
    static func spelling(_ token: some Sequence<UInt8>) -> String {
        String(decoding: Array(token), as: UTF8.self)
    }
}
