/// A strict JSON reader (RFC 8259) for header frames.
///
/// Beyond the grammar it refuses what a well-behaved peer never sends: invalid UTF-8, lone
/// surrogates in `\u` escapes, keys given twice in one object, nesting deeper than `maxDepth`, a
/// byte-order mark, and anything after the top-level value but whitespace. It never traps; every
/// refusal is a `JSONSyntaxError` with the byte offset.
struct JSONParser {
    /// Deeper nesting is refused; RFP/1 headers nest at most four levels.
    static let maxDepth = 32

    /// The value in `bytes`, which must be one JSON text.
    static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.offset == bytes.count else { throw parser.error("unexpected \(parser.describeCurrent()) after the value") }
        return value
    }

    private let bytes: [UInt8]
    private var offset = 0

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard offset < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
        offset += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return .object(members) }
        while true {
            skipWhitespace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeCurrent()), expected a member name in quotes")
            }
            let keyOffset = offset
            let key = try parseString()
            guard members[key] == nil else {
                throw JSONSyntaxError(offset: keyOffset, reason: "member \"\(key)\" appears twice in one object")
            }
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { throw error("unexpected \(describeCurrent()), expected ':'") }
            skipWhitespace()
            members[key] = try parseValue(depth: depth)
            skipWhitespace()
            if consume(UInt8(ascii: "}")) { return .object(members) }
            guard consume(UInt8(ascii: ",")) else { throw error("unexpected \(describeCurrent()), expected ',' or '}'") }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
        offset += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if consume(UInt8(ascii: "]")) { return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            if consume(UInt8(ascii: "]")) { return .array(elements) }
            guard consume(UInt8(ascii: ",")) else { throw error("unexpected \(describeCurrent()), expected ',' or ']'") }
        }
    }

    /// A string starting at the opening quote; escapes decoded, UTF-8 checked.
    private mutating func parseString() throws(JSONSyntaxError) -> String {
        let start = offset
        offset += 1
        var utf8: [UInt8] = []
        while true {
            guard offset < bytes.count else { throw JSONSyntaxError(offset: start, reason: "string never closed") }
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw JSONSyntaxError(offset: start, reason: "string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                try parseEscape(into: &utf8)
            case 0x00 ..< 0x20:
                throw error("control character 0x\(Hex.lowercase([byte])) inside a string (must be escaped)")
            default:
                utf8.append(byte)
                offset += 1
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(JSONSyntaxError) {
        let escapeOffset = offset
        offset += 1
        guard offset < bytes.count else { throw error("unexpected end of input inside an escape") }
        let letter = bytes[offset]
        offset += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(letter)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0c)
        case UInt8(ascii: "n"): utf8.append(0x0a)
        case UInt8(ascii: "r"): utf8.append(0x0d)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalarValue = UInt32(try parseHexQuad())
            if (0xd800 ..< 0xdc00).contains(scalarValue) {
                guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") else {
                    throw JSONSyntaxError(offset: escapeOffset, reason: "high surrogate escape without its low surrogate")
                }
                offset += 2
                let low = UInt32(try parseHexQuad())
                guard (0xdc00 ..< 0xe000).contains(low) else {
                    throw JSONSyntaxError(offset: escapeOffset, reason: "high surrogate escape without its low surrogate")
                }
                scalarValue = 0x10000 + ((scalarValue - 0xd800) << 10) + (low - 0xdc00)
            } else if (0xdc00 ..< 0xe000).contains(scalarValue) {
                throw JSONSyntaxError(offset: escapeOffset, reason: "low surrogate escape without a high surrogate")
            }
            guard let scalar = Unicode.Scalar(scalarValue) else {
                throw JSONSyntaxError(offset: escapeOffset, reason: "escape is not a Unicode scalar")
            }
            utf8.append(contentsOf: String(Character(scalar)).utf8)
        default:
            throw JSONSyntaxError(offset: escapeOffset, reason: "unknown escape \\\(Hex.preview([letter]))")
        }
    }

    private mutating func parseHexQuad() throws(JSONSyntaxError) -> UInt16 {
        guard offset + 4 <= bytes.count else { throw error("unexpected end of input inside a \\u escape") }
        var value: UInt16 = 0
        for _ in 0 ..< 4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("unexpected \(describeCurrent()) in a \\u escape, expected a hex digit")
            }
            value = value << 4 | UInt16(digit)
            offset += 1
        }
        return value
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as written.
    private mutating func parseNumber() throws(JSONSyntaxError) -> String {
        let start = offset
        _ = consume(UInt8(ascii: "-"))
        if consume(UInt8(ascii: "0")) {
            if offset < bytes.count, Self.isDigit(bytes[offset]) { throw error("leading zero in a number") }
        } else {
            guard skipDigits() > 0 else { throw error("unexpected \(describeCurrent()), expected a digit") }
        }
        if consume(UInt8(ascii: ".")) {
            guard skipDigits() > 0 else { throw error("unexpected \(describeCurrent()), expected a digit after '.'") }
        }
        if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
            if !consume(UInt8(ascii: "+")) { _ = consume(UInt8(ascii: "-")) }
            guard skipDigits() > 0 else { throw error("unexpected \(describeCurrent()), expected a digit in the exponent") }
        }
        return String(decoding: bytes[start ..< offset], as: UTF8.self)
    }

    private mutating func skipDigits() -> Int {
        let start = offset
        while offset < bytes.count, Self.isDigit(bytes[offset]) { offset += 1 }
        return offset - start
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        guard offset + expected.count <= bytes.count, bytes[offset ..< offset + expected.count].elementsEqual(expected) else {
            throw error("unexpected \(describeCurrent()), expected a value")
        }
        offset += expected.count
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard offset < bytes.count, bytes[offset] == byte else { return false }
        offset += 1
        return true
    }

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0a, 0x0d: offset += 1
            default: return
            }
        }
    }

    private func describeCurrent() -> String {
        offset < bytes.count ? "'\(Hex.preview([bytes[offset]]))'" : "end of input"
    }

    private func error(_ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: offset, reason: reason)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte)
    }
}

/// Why a header frame is not JSON, and where.
struct JSONSyntaxError: Error, Equatable {
    /// Byte offset into the header frame.
    var offset: Int
    var reason: String
}
