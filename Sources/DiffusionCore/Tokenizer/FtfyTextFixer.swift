import Foundation

/// ftfy 6.3.1's `fix_text` with its default configuration, except the mojibake repair (`fix_encoding`
/// and the steps inside it), which guesses at encodings and is not reproduced.
///
/// The text is fixed line by line (each segment ends after a `\n`). HTML entities are decoded ("auto")
/// until a segment holds a literal `<`, from then on not. Each segment goes through the fixers below, in
/// ftfy's order, again and again until nothing changes: `unescape_html`, `fix_c1_controls`,
/// `fix_latin_ligatures`, `fix_character_width`, `uncurl_quotes`, `fix_line_breaks`,
/// `remove_terminal_escapes`, `remove_control_chars`, then NFC normalisation. (`fix_surrogates` has
/// nothing to do: a Swift string holds no surrogates. ftfy's extra cut of lines longer than 1,000,000
/// characters is not made.)
enum FtfyTextFixer {
    /// `ftfy.fix_text(text)`, mojibake left as it is.
    static func fixText(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var decodesEntities = true
        var start = 0
        while start < text.count {
            let end = text[start...].firstIndex(of: "\n").map { $0 + 1 } ?? text.count
            let segment = Array(text[start ..< end])
            if segment.contains("<") { decodesEntities = false }
            result += fixSegment(segment, decodesEntities: decodesEntities)
            start = end
        }
        return result
    }

    private static func fixSegment(_ segment: [Unicode.Scalar], decodesEntities: Bool) -> [Unicode.Scalar] {
        var text = segment
        while true {
            let before = text
            if decodesEntities { text = PythonHTML.ftfyUnescape(text) }
            text = replacingCharacters(text)
            text = unifyingLineBreaks(text)
            text = removingTerminalEscapes(text)
            text = text.filter { (0x20 ... 0x7E).contains($0.value) || !PythonTextTables.controlCharacters.contains($0.value) }
            text = canonicallyComposed(text)
            if text == before { return text }
        }
    }

    /// `fix_c1_controls`, `fix_latin_ligatures`, `fix_character_width` and `uncurl_quotes`, which each
    /// replace single characters, applied one after the other to each character.
    private static func replacingCharacters(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let tables = [PythonTextTables.c1Controls, PythonTextTables.ligatures, PythonTextTables.widthMap]
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        for scalar in text {
            if scalar.isASCII {
                result.append(scalar)
                continue
            }
            var replaced = [scalar]
            for table in tables {
                replaced = replaced.flatMap { table[$0.value] ?? [$0] }
            }
            result += replaced.map(uncurled)
        }
        return result
    }

    /// `uncurl_quotes`: ʼ and ‘ ’ ‚ ‛ become `'`, “ ” „ ‟ become `"`.
    private static func uncurled(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0x02BC, 0x2018 ... 0x201B: "'"
        case 0x201C ... 0x201F: "\""
        default: scalar
        }
    }

    /// `fix_line_breaks`: CR LF, CR, U+2028, U+2029 and U+0085 each become LF.
    private static func unifyingLineBreaks(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            switch text[index] {
            case "\r" where index + 1 < text.count && text[index + 1] == "\n":
                result.append("\n")
                index += 1
            case "\r", "\u{2028}", "\u{2029}", "\u{85}":
                result.append("\n")
            default:
                result.append(text[index])
            }
            index += 1
        }
        return result
    }

    /// `remove_terminal_escapes`: ESC `[`, any decimal digits (of any script) and `;`, then an ASCII letter.
    private static func removingTerminalEscapes(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("\u{1B}") else { return text }
        var result: [Unicode.Scalar] = []
        var index = 0
        while index < text.count {
            if text[index] == "\u{1B}", index + 1 < text.count, text[index + 1] == "[" {
                let parameters = text[(index + 2)...].prefix { $0 == ";" || $0.properties.generalCategory == .decimalNumber }
                let final = index + 2 + parameters.count
                if final < text.count, ("a" ... "z").contains(text[final]) || ("A" ... "Z").contains(text[final]) {
                    index = final + 1
                    continue
                }
            }
            result.append(text[index])
            index += 1
        }
        return result
    }

    /// NFC, through Foundation. Text below U+0300 is already NFC: nothing there decomposes or combines.
    private static func canonicallyComposed(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains(where: { $0.value >= 0x300 }) else { return text }
        let string = String(String.UnicodeScalarView(text))
        return Array(string.precomposedStringWithCanonicalMapping.unicodeScalars)
    }
}
