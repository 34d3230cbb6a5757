/// CLIP's pre-tokenisation: the `regex`-module pattern
/// `<special>|<special>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+` with IGNORECASE,
/// matched left to right; whitespace between matches is dropped.
enum ClipPreTokenizer {
    private static let contractions: [[Unicode.Scalar]] = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array(("'" + $0).unicodeScalars) }

    /// The ranges of `text` the pattern matches, the two `specialTokens` spellings tried first.
    static func pieces(of text: [Unicode.Scalar], specialTokens: [[Unicode.Scalar]]) -> [Range<Int>] {
        let literals = specialTokens + contractions
        var pieces: [Range<Int>] = []
        var index = 0
        while index < text.count {
            if text[index] == "<" || text[index] == "'", let literal = literals.first(where: { matches($0, in: text, at: index) }) {
                pieces.append(index ..< index + literal.count)
                index += literal.count
                continue
            }
            let kind = CharacterKind(text[index])
            let end: Int
            switch kind {
            case .skipped:
                index += 1
                continue
            case .number:
                end = index + 1
            case .letter, .other:
                end = text[index...].firstIndex(where: { CharacterKind($0) != kind }) ?? text.count
            }
            pieces.append(index ..< end)
            index = end
        }
        return pieces
    }

    /// Whether `literal` (ASCII) occurs at `start` in `text`, ignoring case as the `regex` module does:
    /// by simple case folding, under which `ſ` (U+017F) also matches `s`.
    private static func matches(_ literal: [Unicode.Scalar], in text: [Unicode.Scalar], at start: Int) -> Bool {
        guard start + literal.count <= text.count else { return false }
        return zip(literal, text[start...]).allSatisfy { expected, actual in
            let folded = ("A" ... "Z").contains(actual) ? Unicode.Scalar(UInt8(actual.value) + 32) : actual
            return folded == expected || (expected == "s" && actual == "\u{017F}")
        }
    }

    /// The classes of the pattern: `\p{L}`, `\p{N}`, what no alternative matches (`\s`, Unicode
    /// White_Space) and everything else.
    private enum CharacterKind {
        case letter, number, skipped, other

        init(_ scalar: Unicode.Scalar) {
            // U+0345 COMBINING GREEK YPOGEGRAMMENI (Mn) case-folds to ι, a letter, so under IGNORECASE the
            // `regex` module leaves it out of `[^\s\p{L}\p{N}]` too: no alternative matches it.
            if scalar == "\u{0345}" {
                self = .skipped
                return
            }
            if scalar.isASCII {
                let isLetter = ("a" ... "z").contains(scalar) || ("A" ... "Z").contains(scalar)
                self = isLetter ? .letter : ("0" ... "9").contains(scalar) ? .number : PythonText.isWhitespace(scalar) ? .skipped : .other
                return
            }
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: self = .letter
            case .decimalNumber, .letterNumber, .otherNumber: self = .number
            default: self = PythonText.isWhitespace(scalar) ? .skipped : .other
            }
        }
    }
}
