import Foundation
import Yams

/// Reads a composed YAML node tree into checked values, collecting every problem with its location
/// instead of stopping at the first (which is all `Decodable` can do), and recording where each field
/// was written so later checks can point at it too.
///
/// Every method that returns nil has reported an error: a caller that finds no errors at the end has
/// every value it asked for.
struct SpecReader {
    /// The spec file, as the caller named it (the prefix of every problem).
    let file: String
    private(set) var problems: [JobSpecProblem] = []
    /// Where each field path read so far was written.
    private(set) var locations: [String: SourceLocation] = [:]

    init(file: String) { self.file = file }

    var hasErrors: Bool { problems.contains { $0.severity == .error } }

    // MARK: Reporting

    mutating func report(_ field: String, at location: SourceLocation?, _ message: String,
                         severity: JobSpecProblem.Severity = .error) {
        problems.append(JobSpecProblem(file: file, location: location, field: field, message: message, severity: severity))
    }

    mutating func report(_ field: String, _ node: Node, _ message: String, severity: JobSpecProblem.Severity = .error) {
        report(field, at: Self.location(of: node), message, severity: severity)
    }

    /// Where `field` (or, if it was never read, its nearest recorded parent) was written.
    func location(of field: String) -> SourceLocation {
        Self.nearestLocation(of: field, in: locations)
    }

    static func nearestLocation(of field: String, in locations: [String: SourceLocation]) -> SourceLocation {
        var path = field
        while !path.isEmpty {
            if let found = locations[path] { return found }
            path = FieldPath.parent(of: path)
        }
        return locations[""] ?? .start
    }

    static func location(of node: Node) -> SourceLocation {
        node.mark.map { SourceLocation(line: $0.line, column: $0.column) } ?? .start
    }

    private mutating func record(_ field: String, _ node: Node) {
        locations[field] = Self.location(of: node)
    }

    // MARK: Structure

    /// The entries of a mapping by key. Unknown keys are reported (with the closest known key as a
    /// suggestion), and so is each key of `required` that is missing.
    mutating func mapping(_ node: Node, at field: String, keys: [String], required: [String] = []) -> [String: Node]? {
        record(field, node)
        guard case .mapping(let mapping) = node else {
            report(field, node, "expected a mapping with \(Self.quotedList(required.isEmpty ? keys : required, joinedBy: required.isEmpty ? "or" : "and")), got \(Self.describe(node))")
            return nil
        }
        var entries: [String: Node] = [:]
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                report(field, key, "keys must be plain names, got \(Self.describe(key))")
                continue
            }
            let name = scalar.string
            if name == "<<" && (scalar.style == .plain || scalar.style == .any) {
                report(FieldPath.join(field, name), key, "merge keys are not supported; write the fields out")
                continue
            }
            guard keys.contains(name) else {
                let hint = Suggestion.closest(to: name, among: keys).map { "did you mean '\($0)'?" }
                    ?? "expected \(Self.quotedList(keys, joinedBy: "or"))"
                report(FieldPath.join(field, name), key, "unknown key; \(hint)")
                continue
            }
            entries[name] = value
            record(FieldPath.join(field, name), value)
        }
        for key in required where entries[key] == nil {
            report(FieldPath.join(field, key), at: Self.location(of: node), "missing (required)")
        }
        return entries
    }

    /// The elements of a list with their field paths, or one value written alone when `allowSingle`
    /// (`seeds: 7` for `seeds: [7]`). An empty list is reported unless `allowEmpty`.
    mutating func list(_ node: Node, at field: String, of what: String, allowSingle: Bool = false,
                       allowEmpty: Bool = false) -> [(Node, String)]? {
        record(field, node)
        switch node {
        case .sequence(let sequence):
            let elements = sequence.enumerated().map { index, element in (element, FieldPath.index(field, index)) }
            for (element, path) in elements { record(path, element) }
            if elements.isEmpty && !allowEmpty {
                report(field, node, "must not be empty; list at least one \(what)")
                return nil
            }
            return elements
        case .scalar where allowSingle && !Self.isNull(node):
            return [(node, field)]
        default:
            report(field, node, "expected a list of \(what)s, got \(Self.describe(node))")
            return nil
        }
    }

    // MARK: Scalars

    /// The text of a scalar (numbers and booleans are text too: `prompts: [42]` is the prompt "42").
    mutating func text(_ node: Node, at field: String, nonEmpty: Bool = true) -> String? {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            report(field, node, "expected text, got \(Self.describe(node))")
            return nil
        }
        if nonEmpty && scalar.string.isEmpty {
            report(field, node, "must not be empty")
            return nil
        }
        return scalar.string
    }

    /// A whole number written in decimal, within `range`.
    mutating func integer(_ node: Node, at field: String, in range: ClosedRange<Int>, rangeText: String? = nil) -> Int? {
        guard let text = plainScalar(node, at: field, expected: "a whole number") else { return nil }
        guard text.wholeMatch(of: /[-+]?[0-9]+/) != nil else {
            report(field, node, "expected a whole number, got \(Self.describe(node))")
            return nil
        }
        guard let value = Int(text), range.contains(value) else {
            report(field, node, "must be \(rangeText ?? "\(range.lowerBound)…\(range.upperBound)"), got \(text)")
            return nil
        }
        return value
    }

    /// A number (YAML's `.inf` and `.nan` included, so that checks can name them); -0 reads as 0.
    mutating func number(_ node: Node, at field: String) -> Double? {
        guard let text = plainScalar(node, at: field, expected: "a number") else { return nil }
        let value: Double?
        switch text.lowercased() {
        case ".inf", "+.inf": value = .infinity
        case "-.inf": value = -.infinity
        case ".nan": value = .nan
        default: value = text.wholeMatch(of: /[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?/) != nil ? Double(text) : nil
        }
        guard let value else {
            report(field, node, "expected a number, got \(Self.describe(node))")
            return nil
        }
        return value == 0 ? 0 : value
    }

    /// A finite number.
    mutating func finiteNumber(_ node: Node, at field: String) -> Double? {
        guard let value = number(node, at: field) else { return nil }
        guard value.isFinite else {
            report(field, node, "must be a finite number, got \(Self.scalarText(node))")
            return nil
        }
        return value
    }

    /// The text of an unquoted scalar, for numbers: a quoted "15" is text, and says so.
    private mutating func plainScalar(_ node: Node, at field: String, expected: String) -> String? {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            report(field, node, "expected \(expected), got \(Self.describe(node))")
            return nil
        }
        guard scalar.style == .plain || scalar.style == .any else {
            report(field, node, "expected \(expected), got the quoted text \"\(Self.shortened(scalar.string))\" (remove the quotes)")
            return nil
        }
        return scalar.string
    }

    // MARK: Describing nodes

    /// YAML's null: `~`, `null`, or nothing, unquoted.
    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node else { return false }
        return (scalar.style == .plain || scalar.style == .any) && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How a node reads in a message: `'fifty'`, `nothing (null)`, `a list`, `a mapping`.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            if isNull(node) { return "nothing (null)" }
            return scalar.style == .plain || scalar.style == .any ? "'\(shortened(scalar.string))'" : "the text \"\(shortened(scalar.string))\""
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }

    static func scalarText(_ node: Node) -> String {
        guard case .scalar(let scalar) = node else { return describe(node) }
        return shortened(scalar.string)
    }

    static func shortened(_ text: String) -> String {
        text.count <= 60 ? text : String(text.prefix(57)) + "…"
    }

    /// `'a', 'b' or 'c'` (or `and`).
    static func quotedList(_ names: [String], joinedBy conjunction: String) -> String {
        let quoted = names.map { "'\($0)'" }
        guard let last = quoted.last, quoted.count > 1 else { return quoted.first ?? "" }
        return quoted.dropLast().joined(separator: ", ") + " \(conjunction) " + last
    }
}

/// Field paths as problems print them: `viewpoints.azimuth.step`, `objects[2].box`.
enum FieldPath {
    static func join(_ parent: String, _ key: String) -> String { parent.isEmpty ? key : "\(parent).\(key)" }

    static func index(_ parent: String, _ index: Int) -> String { "\(parent)[\(index)]" }

    /// The path one level up: `objects[2].box` → `objects[2]` → `objects` → ``.
    static func parent(of path: String) -> String {
        if path.hasSuffix("]"), let open = path.lastIndex(of: "[") { return String(path[..<open]) }
        if let dot = path.lastIndex(of: ".") { return String(path[..<dot]) }
        return ""
    }
}

/// "Did you mean …?" for misspelt keys and names.
enum Suggestion {
    /// The candidate closest to `word` by edit distance (case-insensitive), if it is close enough to be
    /// a likely misspelling: at most 2 edits, and fewer than half of the word's length.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2, best.1 * 2 < max(word.count, best.0.count) else { return nil }
        return best.0
    }

    /// Edit distance between two strings, over characters: insertions, deletions, substitutions and
    /// swaps of two neighbours (`stpe` → `step` is 1) each count 1 (optimal string alignment).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let substitution = table[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, substitution)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
