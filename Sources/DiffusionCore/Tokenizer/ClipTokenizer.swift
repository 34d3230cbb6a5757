/// CLIP's byte-level BPE tokenizer (OpenAI CLIP, open_clip, Hugging Face `CLIPTokenizer`): text in,
/// 77 token ids out, identical to open_clip 3.3.0 or transformers 4.46.3 (see `ClipTextMode`).
///
/// Text is cleaned (ports of `ftfy.fix_text` and `html.unescape`, whitespace, lower case), split by CLIP's pre-tokenisation pattern, and each piece's UTF-8 bytes are merged by
/// byte-pair encoding. Words already seen come from a cache. Safe to share between threads.
///
/// Not reproduced: ftfy's mojibake repair (`fix_encoding`), which rewrites text that looks like UTF-8
/// decoded in the wrong encoding (`cafÃ©` → `café`); and, for characters assigned after Unicode 14,
/// Python 3.11's older character tables (the standard library's are newer).
public final class ClipTokenizer: Sendable {
    /// Ids per encoded text: the start of text, at most 75 tokens, the end of text, padding.
    public static let contextLength = 77

    /// The number of token ids (49408 for CLIP).
    public let vocabularySize: Int
    /// The id of `<|startoftext|>`, first in every encoded text (49406 for CLIP).
    public let startOfTextID: Int32
    /// The id of `<|endoftext|>`, after the text's tokens (49407 for CLIP).
    public let endOfTextID: Int32

    private let encoder: BytePairEncoder

    /// Loads open_clip's merges file, `bpe_simple_vocab_16e6.txt.gz` (see `ClipVocabularyFile.locate()`).
    public convenience init(openCLIPMergesFileAt path: String) throws(ClipVocabularyError) {
        self.init(vocabulary: try .openCLIP(mergesFileAt: path))
    }

    /// Loads a Hugging Face `CLIPTokenizer` vocabulary: `vocab.json` and `merges.txt`.
    public convenience init(vocabularyJSONAt vocabularyPath: String, mergesTextAt mergesPath: String) throws(ClipVocabularyError) {
        self.init(vocabulary: try .huggingFace(vocabularyJSONAt: vocabularyPath, mergesTextAt: mergesPath))
    }

    private init(vocabulary: ClipVocabulary) {
        vocabularySize = vocabulary.size
        startOfTextID = vocabulary.startOfTextID
        endOfTextID = vocabulary.endOfTextID
        encoder = BytePairEncoder(vocabulary: vocabulary)
    }

    /// The id that fills an encoded text after its end of text: 0 for `.openCLIP` (which is also the
    /// token `!`), `endOfTextID` for `.huggingFace`.
    public func paddingID(for mode: ClipTextMode) -> Int32 {
        switch mode {
        case .openCLIP: 0
        case .huggingFace: endOfTextID
        }
    }

    /// Exactly `contextLength` ids: `startOfTextID`, the text's first 75 tokens, `endOfTextID`, then
    /// `paddingID(for: mode)`.
    public func encode(_ text: String, mode: ClipTextMode) -> [Int32] {
        let tokens = textTokens(Array(text.unicodeScalars), mode: mode, limit: Self.contextLength - 2)
        let ids = [startOfTextID] + tokens + [endOfTextID]
        return ids + repeatElement(paddingID(for: mode), count: Self.contextLength - ids.count)
    }

    /// The position of the first `endOfTextID` in `ids`: the token CLIP's pooled text embedding takes
    /// (`argmax` over the ids, the end of text being the largest). For `encode`'s result that is the
    /// end of text after the text's tokens, or an earlier one if the text spelled one out.
    public func endOfTextPosition(in ids: [Int32]) -> Int? {
        ids.firstIndex(of: endOfTextID)
    }

    /// The ids of the text between start and end of text, at most `limit` of them.
    private func textTokens(_ text: [Unicode.Scalar], mode: ClipTextMode, limit: Int) -> [Int32] {
        var tokens: [Int32] = []
        switch mode {
        case .openCLIP:
            appendTokens(of: ClipTextCleaner.openCLIP(text), mode: mode, to: &tokens, limit: limit)
        case .huggingFace:
            for piece in splitOffSpecialTokens(text) where tokens.count < limit {
                switch piece {
                case .special(let id): tokens.append(id)
                case .text(let text): appendTokens(of: ClipTextCleaner.huggingFace(text), mode: mode, to: &tokens, limit: limit)
                }
            }
        }
        return Array(tokens.prefix(limit))
    }

    /// Appends the ids of cleaned `text`, pre-tokenised and byte-pair encoded, until there are `limit`.
    private func appendTokens(of text: [Unicode.Scalar], mode: ClipTextMode, to tokens: inout [Int32], limit: Int) {
        let spellings = mode.specialTokenSpellings
        for range in ClipPreTokenizer.pieces(of: text, specialTokens: [spellings.startOfText, spellings.endOfText]) {
            guard tokens.count < limit else { return }
            let piece = text[range]
            if piece.elementsEqual(spellings.startOfText) {
                tokens.append(startOfTextID)
            } else if piece.elementsEqual(spellings.endOfText) {
                tokens.append(endOfTextID)
            } else {
                var utf8: [UInt8] = []
                utf8.reserveCapacity(piece.count)
                for scalar in piece { UTF8.encode(scalar) { utf8.append($0) } }
                tokens += encoder.encode(utf8)
            }
        }
    }

    private enum Piece {
        case special(Int32)
        case text([Unicode.Scalar])
    }

    /// `CLIPTokenizer.tokenize`'s first step: the text split at each exact `<|startoftext|>` and
    /// `<|endoftext|>`, which become their ids without cleaning; empty pieces are dropped.
    private func splitOffSpecialTokens(_ text: [Unicode.Scalar]) -> [Piece] {
        let spellings = ClipTextMode.huggingFace.specialTokenSpellings
        let specials = [(spellings.startOfText, startOfTextID), (spellings.endOfText, endOfTextID)]
        var pieces: [Piece] = []
        var pieceStart = 0, index = 0
        while index < text.count {
            guard text[index] == "<", let (spelling, id) = specials.first(where: { text[index...].starts(with: $0.0) }) else {
                index += 1
                continue
            }
            if pieceStart < index { pieces.append(.text(Array(text[pieceStart ..< index]))) }
            pieces.append(.special(id))
            index += spelling.count
            pieceStart = index
        }
        if pieceStart < text.count { pieces.append(.text(Array(text[pieceStart...]))) }
        return pieces
    }
}
