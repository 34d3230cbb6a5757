/// The behaviour of Python 3.11's `str` (and of the `regex` module's `\s`) that CLIP's text cleaning
/// relies on, on arrays of Unicode scalars, which is what a Python string indexes.
enum PythonText {
    /// Unicode White_Space, which is what the `regex` module's `\s` matches.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? scalar == " " || (0x09 ... 0x0D).contains(scalar.value) : scalar.properties.isWhitespace
    }

    /// `str.isspace()`: White_Space and U+001C ... U+001F.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        (0x1C ... 0x1F).contains(scalar.value) || isWhitespace(scalar)
    }

    /// `str.strip()`.
    static func strip(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else { return [] }
        return Array(text[first ... last])
    }

    /// `" ".join(text.split())`: the words between runs of `str.isspace()` characters, one space apart.
    static func joinWords(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        Array(text.split(whereSeparator: isSpace).joined(separator: [" "]))
    }

    /// `regex.sub(r"\s+", " ", text)`: each run of White_Space characters becomes one space.
    static func collapseWhitespaceRuns(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        for scalar in text {
            if !isWhitespace(scalar) {
                result.append(scalar)
            } else if result.last != " " {
                result.append(" ")
            }
        }
        return result
    }

    /// `str.lower()`: the full lower-case mapping of each character, with the Final_Sigma rule for Σ.
    static func lowercased(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        for (index, scalar) in text.enumerated() {
            if scalar.isASCII {
                result.append(("A" ... "Z").contains(scalar) ? Unicode.Scalar(UInt8(scalar.value) + 32) : scalar)
            } else if scalar == "\u{03A3}" {
                result.append(isFinalSigma(at: index, in: text) ? "\u{03C2}" : "\u{03C3}")
            } else {
                result += scalar.properties.lowercaseMapping.unicodeScalars
            }
        }
        return result
    }

    /// Whether the Σ at `index` ends a word: a cased letter precedes it and none follows it, skipping
    /// case-ignorable characters either way (CPython's `handle_capital_sigma`).
    private static func isFinalSigma(at index: Int, in text: [Unicode.Scalar]) -> Bool {
        let isCaseIgnorable = { (scalar: Unicode.Scalar) in scalar.properties.isCaseIgnorable }
        guard let before = text[..<index].last(where: { !isCaseIgnorable($0) }), before.properties.isCased else { return false }
        guard let after = text[(index + 1)...].first(where: { !isCaseIgnorable($0) }) else { return true }
        return !after.properties.isCased
    }
}
