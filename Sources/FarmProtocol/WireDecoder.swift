/// Decodes `Decodable` values from a parsed header, strictly: numbers must fit their Swift type
/// exactly (no rounding, no `1.0` for an integer, no negative counts), floating-point values must be
/// finite, and every member of every object must be read by the type being decoded, so a misspelt or
/// unknown field is an error instead of being ignored.
///
/// Unknown members are found after decoding: `HeaderReader` decodes, then compares each object's
/// keys with the keys the types asked for.
struct WireDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let ledger: ReadLedger
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else {
            throw HeaderFieldError(.wrongType(expected: "an object", found: value.kindDescription), at: codingPath)
        }
        let path = FieldPath.text(codingPath)
        ledger.noteObject(at: path, keys: members.keys)
        return KeyedDecodingContainer(KeyedContainer<Key>(members: members, codingPath: codingPath, path: path, ledger: ledger))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else {
            throw HeaderFieldError(.wrongType(expected: "an array", found: value.kindDescription), at: codingPath)
        }
        return UnkeyedContainer(elements: elements, codingPath: codingPath, ledger: ledger)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueContainer(value: value, codingPath: codingPath, ledger: ledger)
    }

    /// `value` as a `T`: scalars directly, anything else through `T.init(from:)`.
    static func unbox<T: Decodable>(_ type: T.Type, from value: JSONValue, at codingPath: [any CodingKey], ledger: ReadLedger) throws -> T {
        if T.self == String.self {
            guard case .string(let text) = value, let result = text as? T else { throw mismatch("a string", value, codingPath) }
            return result
        }
        if T.self == Bool.self {
            guard case .bool(let flag) = value, let result = flag as? T else { throw mismatch("true or false", value, codingPath) }
            return result
        }
        if let integerType = T.self as? any FixedWidthInteger.Type {
            guard let result = try integer(integerType, from: value, at: codingPath) as? T else { throw mismatch("an integer", value, codingPath) }
            return result
        }
        if T.self == Double.self {
            let literal = try numberLiteral(value, codingPath, expected: "a number")
            guard let number = Double(literal), number.isFinite, let result = number as? T else {
                throw HeaderFieldError(.outOfRange(literal: JSONValue.shortened(literal), type: "Double"), at: codingPath)
            }
            return result
        }
        if T.self == Float.self {
            let literal = try numberLiteral(value, codingPath, expected: "a number")
            guard let number = Float(literal), number.isFinite, let result = number as? T else {
                throw HeaderFieldError(.outOfRange(literal: JSONValue.shortened(literal), type: "Float"), at: codingPath)
            }
            return result
        }
        return try T(from: WireDecoder(value: value, codingPath: codingPath, ledger: ledger))
    }

    private static func integer<Integer: FixedWidthInteger>(_ type: Integer.Type, from value: JSONValue, at codingPath: [any CodingKey]) throws -> Integer {
        let literal = try numberLiteral(value, codingPath, expected: "an integer")
        guard !literal.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else {
            throw mismatch("an integer", value, codingPath)
        }
        guard Integer.isSigned || !literal.hasPrefix("-"), let number = Integer(literal) else {
            throw HeaderFieldError(.outOfRange(literal: JSONValue.shortened(literal), type: "\(Integer.self)"), at: codingPath)
        }
        return number
    }

    private static func numberLiteral(_ value: JSONValue, _ codingPath: [any CodingKey], expected: String) throws(HeaderFieldError) -> String {
        guard case .number(let literal) = value else { throw mismatch(expected, value, codingPath) }
        return literal
    }

    private static func mismatch(_ expected: String, _ value: JSONValue, _ codingPath: [any CodingKey]) -> HeaderFieldError {
        HeaderFieldError(.wrongType(expected: expected, found: value.kindDescription), at: codingPath)
    }
}

/// Reads one header object as one or more types (the envelope's fields and the body's share the
/// object), then refuses members none of them read.
final class HeaderReader {
    private let root: JSONValue
    private let ledger = ReadLedger()

    init(_ root: JSONValue) {
        self.root = root
    }

    /// The header, or the part of it `T` has fields for.
    func read<T: Decodable>(_ type: T.Type) throws(HeaderFieldError) -> T {
        do {
            return try T(from: WireDecoder(value: root, codingPath: [], ledger: ledger))
        } catch let error as HeaderFieldError {
            throw error
        } catch {
            // Only this module's types are decoded, and they throw `HeaderFieldError`s.
            throw HeaderFieldError(.invalid(reason: "\(error)"), at: [])
        }
    }

    /// Throws `.unknown` for the first member (by path, then name) that no `read` used.
    func requireEverythingRead() throws(HeaderFieldError) {
        if let unread = ledger.firstUnreadMember() {
            throw HeaderFieldError(.unknown, field: FieldPath.appending(Hex.preview(Array(unread.key.utf8), limit: 64), to: unread.path))
        }
    }
}

/// Which members of which objects the decoded types read, to find the ones nobody read.
final class ReadLedger {
    private var keysByObject: [String: Set<String>] = [:]
    private var readByObject: [String: Set<String>] = [:]

    func noteObject(at path: String, keys: Dictionary<String, JSONValue>.Keys) {
        keysByObject[path, default: []].formUnion(keys)
    }

    func noteRead(_ key: String, inObjectAt path: String) {
        readByObject[path, default: []].insert(key)
    }

    /// The first unread member by path, then key: (object path, key).
    func firstUnreadMember() -> (path: String, key: String)? {
        for path in keysByObject.keys.sorted() {
            let unread = keysByObject[path, default: []].subtracting(readByObject[path, default: []])
            if let key = unread.min() { return (path, key) }
        }
        return nil
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let codingPath: [any CodingKey]
    let path: String
    let ledger: ReadLedger

    var allKeys: [Key] { members.keys.compactMap(Key.init(stringValue:)) }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        try member(key) == .null
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try WireDecoder.unbox(type, from: member(key), at: codingPath + [key], ledger: ledger)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try WireDecoder(value: member(key), codingPath: codingPath + [key], ledger: ledger).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try WireDecoder(value: member(key), codingPath: codingPath + [key], ledger: ledger).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        WireDecoder(value: .object(members), codingPath: codingPath, ledger: ledger)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        WireDecoder(value: try member(key), codingPath: codingPath + [key], ledger: ledger)
    }

    /// The member for `key`, marked as read; a missing member is an error naming it.
    private func member(_ key: Key) throws(HeaderFieldError) -> JSONValue {
        guard let value = members[key.stringValue] else { throw HeaderFieldError(.missing, at: codingPath + [key]) }
        ledger.noteRead(key.stringValue, inObjectAt: path)
        return value
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let codingPath: [any CodingKey]
    let ledger: ReadLedger
    private(set) var currentIndex = 0

    init(elements: [JSONValue], codingPath: [any CodingKey], ledger: ReadLedger) {
        self.elements = elements
        self.codingPath = codingPath
        self.ledger = ledger
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    mutating func decodeNil() throws -> Bool {
        guard try next() == .null else { currentIndex -= 1; return false }
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let key = ArrayIndexKey(currentIndex)
        return try WireDecoder.unbox(type, from: next(), at: codingPath + [key], ledger: ledger)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let key = ArrayIndexKey(currentIndex)
        return try WireDecoder(value: next(), codingPath: codingPath + [key], ledger: ledger).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let key = ArrayIndexKey(currentIndex)
        return try WireDecoder(value: next(), codingPath: codingPath + [key], ledger: ledger).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let key = ArrayIndexKey(currentIndex)
        return WireDecoder(value: try next(), codingPath: codingPath + [key], ledger: ledger)
    }

    private mutating func next() throws(HeaderFieldError) -> JSONValue {
        guard currentIndex < elements.count else {
            throw HeaderFieldError(.invalid(reason: "array ends after \(elements.count) elements"), at: codingPath)
        }
        defer { currentIndex += 1 }
        return elements[currentIndex]
    }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let ledger: ReadLedger

    func decodeNil() -> Bool { value == .null }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try WireDecoder.unbox(type, from: value, at: codingPath, ledger: ledger)
    }
}
