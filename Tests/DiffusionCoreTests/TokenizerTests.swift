import Foundation
import Testing
@testable import DiffusionCore

/// The CLIP tokenizer against open_clip 3.3.0 and transformers 4.46.3 `CLIPTokenizer`, on the corpus that
/// ops/reference/make_tokenizer_fixtures.py wrote to Tests/Fixtures/tokenizer/ (see that script for what
/// the corpus holds and leaves out). The vocabulary is the real one `ops/setup` caches.
struct TokenizerTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/tokenizer").path

    /// Loaded once for all tests: reading and resolving the 48,894 merges is the slow part.
    static let clip = Result { () throws -> ClipTokenizer in try ClipTokenizer(openCLIPMergesFileAt: ClipVocabularyFile.locate()) }

    /// Decoded once for both modes.
    static let corpus = Result { try jsonLines("corpus.jsonl", as: CorpusEntry.self) }

    /// One corpus line: the text and each reference's ids without padding (`hf` only where it differs).
    struct CorpusEntry: Decodable {
        let text: String
        let openclip: [Int32]
        let hf: [Int32]?

        func expected(_ mode: ClipTextMode, padding: Int32) -> [Int32] {
            let ids = mode == .openCLIP ? openclip : hf ?? openclip
            return ids + Array(repeating: padding, count: ClipTokenizer.contextLength - ids.count)
        }
    }

    /// A fixture of one JSON object a line.
    static func jsonLines<Entry: Decodable>(_ name: String, as _: Entry.Type) throws -> [Entry] {
        let text = try String(contentsOfFile: fixtures + "/" + name, encoding: .utf8)
        let array = "[" + text.split(separator: "\n").joined(separator: ",") + "]"
        return try JSONDecoder().decode([Entry].self, from: Data(array.utf8))
    }

    @Test(arguments: ClipTextMode.allCases)
    func everyCorpusStringMatchesTheReference(mode: ClipTextMode) throws {
        let tokenizer = try Self.clip.get()
        let corpus = try Self.corpus.get()
        #expect(corpus.count >= 10_000)
        let padding = tokenizer.paddingID(for: mode)
        let mismatches = corpus.filter { tokenizer.encode($0.text, mode: mode) != $0.expected(mode, padding: padding) }
        let shown = mismatches.prefix(5).map { entry in
            "\(entry.text.debugDescription): got \(tokenizer.encode(entry.text, mode: mode)), expected \(entry.expected(mode, padding: padding))"
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(corpus.count) strings differ in \(mode) mode:\n\(shown.joined(separator: "\n"))")
    }

    @Test func knownPromptsGiveTheDocumentedIDs() throws {
        let tokenizer = try Self.clip.get()
        #expect(tokenizer.vocabularySize == 49408 && tokenizer.startOfTextID == 49406 && tokenizer.endOfTextID == 49407)
        let anchors: [(String, [Int32])] = [
            ("a photo of a dog", [320, 1125, 539, 320, 1929]),
            ("a sks dog", [320, 48136, 1929]),
            ("A  Cube-Shaped  teapot!!", [320, 11353, 268, 10127, 40749, 748]),
            ("naïve café 123", [1097, 35689, 563, 15304, 272, 273, 274]),
            ("a dog &amp; a cat", [320, 1929, 261, 320, 2368]),
        ]
        for (text, tokens) in anchors {
            let ids = [49406] + tokens + [49407]
            #expect(tokenizer.encode(text, mode: .openCLIP) == ids + Array(repeating: 0, count: 77 - ids.count), "\(text)")
            #expect(tokenizer.encode(text, mode: .huggingFace) == ids + Array(repeating: 49407, count: 77 - ids.count), "\(text)")
        }
    }

    @Test func emptyAndBlankTextsAreStartAndEndOfTextOnly() throws {
        let tokenizer = try Self.clip.get()
        for text in ["", " ", "\t\n \u{3000}"] {
            #expect(tokenizer.encode(text, mode: .openCLIP) == [49406, 49407] + Array(repeating: 0, count: 75))
            #expect(tokenizer.encode(text, mode: .huggingFace) == [49406, 49407] + Array(repeating: 49407, count: 75))
        }
    }

    @Test func longTextsKeepTheirFirst75TokensThenTheEndOfText() throws {
        let tokenizer = try Self.clip.get()
        for mode in ClipTextMode.allCases {
            let ids = tokenizer.encode(String(repeating: "word ", count: 100), mode: mode)
            #expect(ids.count == 77 && ids[0] == 49406 && ids.suffix(3) == [2653, 2653, 49407])
            #expect(tokenizer.endOfTextPosition(in: ids) == 76)
            let exact = tokenizer.encode(String(repeating: "a ", count: 75), mode: mode)
            #expect(exact.suffix(2) == [320, 49407])
        }
    }

    @Test func theEndOfTextPositionIsTheFirstEndOfText() throws {
        let tokenizer = try Self.clip.get()
        #expect(tokenizer.endOfTextPosition(in: tokenizer.encode("a photo of a dog", mode: .openCLIP)) == 6)
        #expect(tokenizer.endOfTextPosition(in: tokenizer.encode("a photo of a dog", mode: .huggingFace)) == 6)
        #expect(tokenizer.endOfTextPosition(in: tokenizer.encode("", mode: .huggingFace)) == 1)
        // Each mode takes its own spelling of the token as the token itself, and the other as text.
        #expect(tokenizer.endOfTextPosition(in: tokenizer.encode("a <end_of_text> dog", mode: .openCLIP)) == 2)
        #expect(tokenizer.endOfTextPosition(in: tokenizer.encode("a <|endoftext|> dog", mode: .huggingFace)) == 2)
        let spelledOut = tokenizer.encode("a <|endoftext|> dog", mode: .openCLIP)
        #expect(tokenizer.endOfTextPosition(in: spelledOut) == spelledOut.firstIndex(of: 1929).map { $0 + 1 })
    }

    @Test func threadsShareOneTokenizer() async throws {
        let tokenizer = try Self.clip.get()
        let texts = (0 ..< 64).map { "a photo of sks toy number \($0) in the snow" }
        let serial = texts.map { tokenizer.encode($0, mode: .huggingFace) }
        let parallel = await withTaskGroup(of: (Int, [Int32]).self) { group in
            for (index, text) in texts.enumerated() { group.addTask { (index, tokenizer.encode(text, mode: .huggingFace)) } }
            return await group.reduce(into: [Int: [Int32]]()) { $0[$1.0] = $1.1 }
        }
        #expect(texts.indices.map { parallel[$0] } == serial)
    }

    // MARK: the Hugging Face vocab.json + merges.txt layout

    struct SmallEntry: Decodable {
        let text: String
        let hf: [Int32]
    }

    @Test func aVocabularyJSONAndMergesTextPairLoadsAndMatchesTransformers() throws {
        let folder = Self.fixtures + "/small-hf"
        let tokenizer = try ClipTokenizer(vocabularyJSONAt: folder + "/vocab.json", mergesTextAt: folder + "/merges.txt")
        #expect(tokenizer.vocabularySize == 814 && tokenizer.startOfTextID == 812 && tokenizer.endOfTextID == 813)
        let entries = try Self.jsonLines("small-hf/expected.jsonl", as: SmallEntry.self)
        #expect(entries.count > 200)
        for entry in entries {
            let expected = entry.hf + Array(repeating: 813, count: 77 - entry.hf.count)
            #expect(tokenizer.encode(entry.text, mode: .huggingFace) == expected, "\(entry.text.debugDescription)")
        }
    }

    // MARK: vocabulary errors

    @Test func aMissingVocabularyIsAnErrorNamingIt() {
        #expect(throws: ClipVocabularyError(path: "/nonexistent/bpe.txt.gz", problem: "cannot be read (missing, unreadable or not a file)")) {
            try ClipTokenizer(openCLIPMergesFileAt: "/nonexistent/bpe.txt.gz")
        }
        #expect(throws: ClipVocabularyError(path: "/nonexistent/vocab.json", problem: "cannot be read (missing, unreadable or not a file)")) {
            try ClipTokenizer(vocabularyJSONAt: "/nonexistent/vocab.json", mergesTextAt: "/nonexistent/merges.txt")
        }
    }

    @Test func damagedGzipFilesAreRefused() throws {
        let real = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ClipVocabularyFile.locate())))
        let folder = try TemporaryFolder()
        let cases: [(bytes: [UInt8], problem: String)] = [
            (Array("not gzip at all".utf8), "is not a valid gzip file (zlib: incorrect header check)"),
            (Array(real.prefix(100_000)), "is truncated: the gzip stream ends early"),
            ([], "is truncated: the gzip stream ends early"),
            (try Self.bytes("short-merges.txt.gz"), "holds 3 merges after the header line; CLIP uses 48894"),
            (try Self.bytes("malformed-merges.txt.gz"), "line 3: expected two symbols separated by a space, found \"i n g\""),
        ]
        for (index, (bytes, problem)) in cases.enumerated() {
            let path = try folder.file("case\(index).txt.gz", bytes)
            #expect(throws: ClipVocabularyError(path: path, problem: problem)) { try ClipTokenizer(openCLIPMergesFileAt: path) }
        }
    }

    @Test func inconsistentVocabularyJSONAndMergesAreRefused() throws {
        let folder = try TemporaryFolder()
        let small = Self.fixtures + "/small-hf"
        let vocabulary = try String(contentsOfFile: small + "/vocab.json", encoding: .utf8)
        let merges = try String(contentsOfFile: small + "/merges.txt", encoding: .utf8)
        func failure(vocabulary: String, merges: String) throws -> ClipVocabularyError? {
            let vocabularyPath = try folder.file("vocab.json", Array(vocabulary.utf8))
            let mergesPath = try folder.file("merges.txt", Array(merges.utf8))
            return #expect(throws: ClipVocabularyError.self) { try ClipTokenizer(vocabularyJSONAt: vocabularyPath, mergesTextAt: mergesPath) }
        }
        #expect(try failure(vocabulary: "[1, 2]", merges: merges)?.problem == "is not a JSON object mapping each token to its id")
        #expect(try failure(vocabulary: vocabulary.replacingOccurrences(of: "\"<|endoftext|>\"", with: "\"<|end|>\""), merges: merges)?
            .problem == "has no token \"<|endoftext|>\"")
        #expect(try failure(vocabulary: vocabulary.replacingOccurrences(of: ": 813}", with: ": 812}"), merges: merges)?
            .problem.hasPrefix("gives the id 812 to both") == true)
        #expect(try failure(vocabulary: vocabulary.replacingOccurrences(of: ": 813}", with: ": 9000}"), merges: merges)?
            .problem == "gives \"<|endoftext|>\" the id 9000, outside 0 ..< 814")
        let unknown = try failure(vocabulary: vocabulary, merges: merges + "z q\n")
        #expect(unknown?.path.hasSuffix("merges.txt") == true)
        #expect(unknown?.problem == "line 302: \"z q\" makes \"zq\", which is not a token of the vocabulary")
        #expect(try failure(vocabulary: vocabulary, merges: merges + "z qqq\n")?.problem
            == "line 302: \"qqq\" is not a token of the vocabulary")
        #expect(try failure(vocabulary: vocabulary, merges: "#version: 0.2\ni n\nt\n")?.problem
            == "line 3: expected two symbols separated by a space, found \"t\"")
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + name)))
    }
}
