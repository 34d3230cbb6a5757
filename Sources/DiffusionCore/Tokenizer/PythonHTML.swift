/// Python's `html.unescape` and ftfy's stricter `unescape_html`, on Unicode scalars.
enum PythonHTML {
    /// `html.unescape`: every character reference `html._charref` matches (`&name;`, `&name` where a legacy
    /// entity is a prefix of the name, `&#65;`, `&#x41`, ...) replaced as HTML5 says.
    static func unescape(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        replacingReferences(in: text, match: characterReference)
    }

    /// ftfy's `fixes.unescape_html`: only `&` `#`? 1 to 24 ASCII letters or digits `;` is a reference;
    /// HTML5 names with their `;`, ftfy's all-caps names and numeric references that `html.unescape`
    /// consumes whole are replaced, anything else is left as it is.
    static func ftfyUnescape(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        replacingReferences(in: text, match: ftfyReference)
    }

    /// `text` with each match of `match` (tried at every `&`, left to right, without overlap) replaced.
    private static func replacingReferences(
        in text: [Unicode.Scalar], match: ([Unicode.Scalar], Int) -> (replacement: [Unicode.Scalar], end: Int)?
    ) -> [Unicode.Scalar] {
        guard text.contains("&") else { return text }
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if text[index] == "&", let reference = match(text, index) {
                result += reference.replacement
                index = reference.end
            } else {
                result.append(text[index])
                index += 1
            }
        }
        return result
    }

    /// The match of ftfy's `HTML_ENTITY_RE` at `start` (an `&`) and its `_unescape_fixup` replacement.
    private static func ftfyReference(in text: [Unicode.Scalar], at start: Int) -> (replacement: [Unicode.Scalar], end: Int)? {
        let nameStart = start + 1 < text.count && text[start + 1] == "#" ? start + 2 : start + 1
        let nameEnd = text[nameStart...].firstIndex(where: { !isASCIIAlphanumeric($0) }) ?? text.count
        guard (1 ... 24).contains(nameEnd - nameStart), nameEnd < text.count, text[nameEnd] == ";" else { return nil }
        let entity = Array(text[start ... nameEnd])
        let name = String(String.UnicodeScalarView(entity.dropFirst()))
        if let replacement = PythonTextTables.html5[name] ?? PythonTextTables.ftfyUpperCase[name] {
            return (replacement, nameEnd + 1)
        }
        guard nameStart == start + 2 else { return (entity, nameEnd + 1) }
        let unescaped = unescape(entity)
        return (unescaped.contains(";") ? entity : unescaped, nameEnd + 1)
    }

    /// The match of `html._charref` at `start` (an `&`) and `html._replace_charref`'s replacement.
    private static func characterReference(in text: [Unicode.Scalar], at start: Int) -> (replacement: [Unicode.Scalar], end: Int)? {
        let next = start + 1
        guard next < text.count else { return nil }
        if text[next] == "#" {
            return numericReference(in: text, afterHash: next + 1)
        }
        var end = next
        while end < text.count, end - next < 32, !"\t\n\u{0C} <&#;".unicodeScalars.contains(text[end]) { end += 1 }
        guard end > next else { return nil }
        if end < text.count, text[end] == ";" { end += 1 }
        return (namedReplacement(text[next ..< end]), end)
    }

    /// `#[0-9]+;?` or `#[xX][0-9a-fA-F]+;?` from `start` (just after the `#`), and its replacement.
    private static func numericReference(in text: [Unicode.Scalar], afterHash start: Int) -> (replacement: [Unicode.Scalar], end: Int)? {
        var digitsStart = start
        var radix: UInt32 = 10
        if start + 1 < text.count, text[start] == "x" || text[start] == "X", hexDigitValue(text[start + 1]) != nil {
            digitsStart += 1
            radix = 16
        }
        var end = digitsStart
        var value: UInt32 = 0
        while end < text.count, let digit = hexDigitValue(text[end]), digit < radix {
            value = min(value * radix + digit, 0x110000)  // every value past U+10FFFF is replaced alike
            end += 1
        }
        guard end > digitsStart else { return nil }
        if end < text.count, text[end] == ";" { end += 1 }
        return (numericReplacement(value), end)
    }

    private static func numericReplacement(_ value: UInt32) -> [Unicode.Scalar] {
        if let replacement = PythonTextTables.invalidCharacterReferences[value] { return replacement }
        guard let scalar = Unicode.Scalar(value) else { return ["\u{FFFD}"] }  // a surrogate or past U+10FFFF
        return PythonTextTables.invalidCodePoints.contains(value) ? [] : [scalar]
    }

    /// The entity `name` (after the `&`, with its `;` if it has one), or the longest legacy entity that is
    /// a prefix of it (at least 2 characters, shorter than the name) followed by the rest of the name.
    private static func namedReplacement(_ name: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        func entity(_ scalars: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar]? {
            PythonTextTables.html5[String(String.UnicodeScalarView(scalars))]
        }
        if let replacement = entity(name) { return replacement }
        for length in stride(from: name.count - 1, through: 2, by: -1) {
            if let replacement = entity(name.prefix(length)) { return replacement + name.dropFirst(length) }
        }
        return ["&"] + name
    }

    private static func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("0" ... "9").contains(scalar) || ("a" ... "z").contains(scalar) || ("A" ... "Z").contains(scalar)
    }

    private static func hexDigitValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0" ... "9": scalar.value - 0x30
        case "a" ... "f": scalar.value - 0x61 + 10
        case "A" ... "F": scalar.value - 0x41 + 10
        default: nil
        }
    }
}
