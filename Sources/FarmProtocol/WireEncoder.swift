/// Encodes `Encodable` values into a `JSONValue` for a header: integers as decimal literals, `Double`
/// and `Float` as their shortest round-tripping text, optionals that are nil left out. A NaN or
/// infinite number is refused with its field path, since a peer would refuse it too.
struct WireEncoder: Encoder {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Encodes each value in turn into the same top-level object (a header's envelope fields and its
    /// body share one object).
    static func encodeObject(_ first: some Encodable, _ second: some Encodable) throws(HeaderFieldError) -> JSONValue {
        let root = EncodingNode()
        let encoder = WireEncoder(node: root, codingPath: [])
        do {
            try first.encode(to: encoder)
            try second.encode(to: encoder)
        } catch let error as HeaderFieldError {
            throw error
        } catch {
            throw HeaderFieldError(.invalid(reason: "\(error)"), at: [])
        }
        return root.value
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.becomeObject()
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.becomeArray()
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(node: node, codingPath: codingPath)
    }

    /// Writes `value` into `node`: scalars directly, anything else through `value.encode(to:)`.
    static func box(_ value: some Encodable, into node: EncodingNode, at codingPath: [any CodingKey]) throws {
        switch value {
        case let text as String: node.shape = .scalar(.string(text))
        case let flag as Bool: node.shape = .scalar(.bool(flag))
        case let number as Double:
            guard number.isFinite else { throw nonFinite(number.description, codingPath) }
            node.shape = .scalar(.number(number.description))
        case let number as Float:
            guard number.isFinite else { throw nonFinite(number.description, codingPath) }
            node.shape = .scalar(.number(number.description))
        case let integer as any FixedWidthInteger: node.shape = .scalar(.number("\(integer)"))
        default: try value.encode(to: WireEncoder(node: node, codingPath: codingPath))
        }
    }

    private static func nonFinite(_ text: String, _ codingPath: [any CodingKey]) -> HeaderFieldError {
        HeaderFieldError(.invalid(reason: "\(text) is not a finite number"), at: codingPath)
    }
}

/// A value under construction; containers share nodes so nested containers write into their parent.
final class EncodingNode {
    enum Shape {
        case empty
        case scalar(JSONValue)
        case object([String: EncodingNode])
        case array([EncodingNode])
    }

    var shape = Shape.empty

    /// The finished value; a type that encoded nothing is `{}`.
    var value: JSONValue {
        switch shape {
        case .empty: .object([:])
        case .scalar(let scalar): scalar
        case .object(let members): .object(members.mapValues(\.value))
        case .array(let elements): .array(elements.map(\.value))
        }
    }

    func becomeObject() {
        if case .object = shape { return }
        shape = .object([:])
    }

    func becomeArray() {
        if case .array = shape { return }
        shape = .array([])
    }

    /// A new member node under `key` (replacing one written before).
    func addMember(_ key: String) -> EncodingNode {
        let child = EncodingNode()
        if case .object(var members) = shape {
            shape = .empty
            members[key] = child
            shape = .object(members)
        }
        return child
    }

    /// A new node at the end of the array.
    func addElement() -> EncodingNode {
        let child = EncodingNode()
        if case .array(var elements) = shape {
            shape = .empty
            elements.append(child)
            shape = .array(elements)
        }
        return child
    }

    var elementCount: Int {
        if case .array(let elements) = shape { return elements.count }
        return 0
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) {
        node.addMember(key.stringValue).shape = .scalar(.null)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try WireEncoder.box(value, into: node.addMember(key.stringValue), at: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        WireEncoder(node: node.addMember(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        WireEncoder(node: node.addMember(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        WireEncoder(node: node, codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        WireEncoder(node: node.addMember(key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var count: Int { node.elementCount }

    mutating func encodeNil() {
        node.addElement().shape = .scalar(.null)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let key = ArrayIndexKey(count)
        try WireEncoder.box(value, into: node.addElement(), at: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let key = ArrayIndexKey(count)
        return WireEncoder(node: node.addElement(), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let key = ArrayIndexKey(count)
        return WireEncoder(node: node.addElement(), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let key = ArrayIndexKey(count)
        return WireEncoder(node: node.addElement(), codingPath: codingPath + [key])
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() {
        node.shape = .scalar(.null)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try WireEncoder.box(value, into: node, at: codingPath)
    }
}
