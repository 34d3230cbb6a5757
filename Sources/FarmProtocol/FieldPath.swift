/// Field paths as errors print them.
enum FieldPath {
    /// `task.box.x0`, `held_leases[2].lease_id`; `(header)` for the header object itself.
    static func text(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text.isEmpty ? "(header)" : text
    }

    /// `path.name`, or `name` at the top.
    static func appending(_ name: String, to path: String) -> String {
        path == "(header)" || path.isEmpty ? name : path + "." + name
    }
}

/// The key of an array element in a coding path.
struct ArrayIndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }

    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}
