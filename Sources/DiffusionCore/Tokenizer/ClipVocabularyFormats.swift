import Foundation

extension ClipVocabulary {
    /// Reads open_clip's gzip merges file (`bpe_simple_vocab_16e6.txt.gz`) as open_clip's `SimpleTokenizer`
    /// does: line 0 is a version header, lines 1 ..< 48895 are the merges; the ids are the 256 byte symbols,
    /// the same with `</w>`, one per merge in order, then the start and end of text (49406, 49407).
    static func openCLIP(mergesFileAt path: String) throws(ClipVocabularyError) -> ClipVocabulary {
        let text = try Gzip.decompress(try readFile(at: path), path: path)
        let lines = try parse(mergeLines(of: text[...], maxCount: mergeCount), path: path)
        guard lines.count == mergeCount else {
            throw ClipVocabularyError(path: path, problem: "holds \(lines.count) merges after the header line; CLIP uses \(mergeCount)")
        }
        let byteTokens = byteCharacters.map(\.utf8)
        let tokens = byteTokens + byteTokens.map { $0 + endOfWord } + lines.map { $0.left + $0.right }
        var tokenIDs: [[UInt8]: Int32] = [:]
        tokenIDs.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() { tokenIDs[token] = Int32(id) }
        let byteIDs = try byteIDs(in: tokenIDs, path: path)
        return ClipVocabulary(size: tokens.count + 2, startOfTextID: Int32(tokens.count), endOfTextID: Int32(tokens.count + 1),
                              byteIDs: byteIDs.inner, finalByteIDs: byteIDs.final,
                              merges: try resolve(lines, tokenIDs: tokenIDs, path: path))
    }

    /// Reads a Hugging Face `CLIPTokenizer` pair: `vocab.json` (token → id, dense from 0, with
    /// `<|startoftext|>` and `<|endoftext|>`) and `merges.txt` (stripped of surrounding whitespace, line 0
    /// is `#version: 0.2`; lines 1 ..< 48895 are used, fewer if the file has fewer).
    static func huggingFace(vocabularyJSONAt vocabularyPath: String, mergesTextAt mergesPath: String) throws(ClipVocabularyError) -> ClipVocabulary {
        let tokenIDs = try readVocabularyJSON(at: vocabularyPath)
        func id(_ token: String) throws(ClipVocabularyError) -> Int32 {
            guard let id = tokenIDs[Array(token.utf8)] else {
                throw ClipVocabularyError(path: vocabularyPath, problem: "has no token \"\(token)\"")
            }
            return id
        }
        let mergesText = try readFile(at: mergesPath)
        let start = mergesText.firstIndex { !isPythonSpace($0) } ?? mergesText.endIndex
        let end = mergesText.lastIndex { !isPythonSpace($0) }.map { $0 + 1 } ?? start
        let lines = try parse(mergeLines(of: mergesText[start ..< end], maxCount: mergeCount), path: mergesPath)
        let byteIDs = try byteIDs(in: tokenIDs, path: vocabularyPath)
        return ClipVocabulary(size: tokenIDs.count, startOfTextID: try id("<|startoftext|>"), endOfTextID: try id("<|endoftext|>"),
                              byteIDs: byteIDs.inner, finalByteIDs: byteIDs.final,
                              merges: try resolve(lines, tokenIDs: tokenIDs, path: mergesPath))
    }

    /// `vocab.json` as token spelling → id, checked to give each id in `0 ..< count` to exactly one token.
    private static func readVocabularyJSON(at path: String) throws(ClipVocabularyError) -> [[UInt8]: Int32] {
        let bytes = try readFile(at: path)
        guard let entries = try? JSONDecoder().decode([String: Int].self, from: Data(bytes)) else {
            throw ClipVocabularyError(path: path, problem: "is not a JSON object mapping each token to its id")
        }
        var owners = [String?](repeating: nil, count: entries.count)
        var tokenIDs: [[UInt8]: Int32] = [:]
        for (token, id) in entries {
            guard owners.indices.contains(id) else {
                throw ClipVocabularyError(path: path, problem: "gives \"\(token)\" the id \(id), outside 0 ..< \(entries.count)")
            }
            if let owner = owners[id] {
                throw ClipVocabularyError(path: path, problem: "gives the id \(id) to both \"\(owner)\" and \"\(token)\"")
            }
            owners[id] = token
            tokenIDs[Array(token.utf8)] = Int32(id)
        }
        return tokenIDs
    }

    /// The bytes of the file at `path`, or an error that names it.
    private static func readFile(at path: String) throws(ClipVocabularyError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ClipVocabularyError(path: path, problem: "cannot be read (missing, unreadable or not a file)")
        }
        return [UInt8](data)
    }
}
