import Foundation
import Yams

/// A job spec read from its YAML file and checked: the `JobSpec`, where each field was written (for
/// problems found later, such as while expanding tasks), and the warnings.
///
/// Loading collects every problem in the file, not just the first: unknown keys (with a "did you mean"),
/// wrong types, missing fields, values out of range, empty lists, duplicates, and files that do not
/// exist. Only a YAML syntax error stops early, at the place libyaml gives. Loading writes nothing.
public struct JobSpecFile: Sendable {
    /// The spec file, as the caller named it.
    public let path: String
    /// The checked spec.
    public let spec: JobSpec
    /// Warnings: model files that do not exist when they were not required (`checkModelFiles: false`).
    public let warnings: [JobSpecProblem]
    /// Where each field path was written.
    let locations: [String: SourceLocation]

    /// Reads and checks the spec at `path`. Relative paths inside it resolve against its folder.
    ///
    /// - Parameter checkModelFiles: whether a missing checkpoint or metric encoder is an error (the
    ///   default); when false it is a warning, so a spec can be checked on a machine without the weights.
    /// - Throws: `JobSpecError` with every problem found, each located.
    public static func load(path: String, checkModelFiles: Bool = true) throws(JobSpecError) -> JobSpecFile {
        try parse(yaml: try readText(path: path), path: path, checkModelFiles: checkModelFiles)
    }

    /// The spec file's text, without a byte-order mark (some Windows editors write one); what a client
    /// sends to a coordinator that reads the spec elsewhere.
    /// - Throws: `JobSpecError` naming the file when it is missing, a folder, unreadable or not UTF-8 (with the line).
    public static func readText(path: String) throws(JobSpecError) -> String {
        func unreadable(_ message: String, at location: SourceLocation? = nil) -> JobSpecError {
            JobSpecError(problems: [JobSpecProblem(file: path, location: location, field: "", message: message)])
        }
        switch FileKind.of(path) {
        case .missing: throw unreadable("no such file")
        case .folder: throw unreadable("is a folder; expected a job spec file (YAML)")
        case .file: break
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw unreadable("cannot read the file") }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw unreadable("not UTF-8 text", at: firstInvalidUTF8Line(data).map { SourceLocation(line: $0, column: 1) })
        }
        return text.hasPrefix("\u{FEFF}") ? String(text.unicodeScalars.dropFirst()) : text
    }

    /// Checks a spec given as text; `path` names it in problems and its folder anchors relative paths.
    public static func parse(yaml: String, path: String, checkModelFiles: Bool = true) throws(JobSpecError) -> JobSpecFile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw JobSpecError(problems: [syntaxProblem(error, file: path, yaml: yaml)])
        }
        guard let root else {
            throw JobSpecError(problems: [JobSpecProblem(file: path, location: .start, field: "",
                                                         message: "holds no YAML document; a job spec is a mapping (see jobs/README.md)")])
        }
        var parser = JobSpecParser(file: path, checkModelFiles: checkModelFiles)
        let spec = parser.parse(root)
        guard let spec, !parser.reader.hasErrors else { throw JobSpecError(problems: parser.reader.problems) }
        return JobSpecFile(path: path, spec: spec, warnings: parser.reader.problems.sortedForDisplay(), locations: parser.reader.locations)
    }

    /// Where `field` was written (or its nearest written parent, or the start of the file).
    public func location(of field: String) -> SourceLocation {
        SpecReader.nearestLocation(of: field, in: locations)
    }

    /// A problem at `field`, located in this file.
    public func problem(at field: String, _ message: String, severity: JobSpecProblem.Severity = .error) -> JobSpecProblem {
        JobSpecProblem(file: path, location: location(of: field), field: field, message: message, severity: severity)
    }

    // MARK: YAML syntax

    /// A YAML syntax error as a problem at libyaml's line and column.
    static func syntaxProblem(_ error: any Error, file: String, yaml: String) -> JobSpecProblem {
        func problem(_ mark: Mark, _ message: String) -> JobSpecProblem {
            JobSpecProblem(file: file, location: SourceLocation(line: mark.line, column: mark.column), field: "", message: message)
        }
        func context(_ context: YamlError.Context?) -> String {
            context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
        }
        switch error {
        case YamlError.scanner(let where_, let what, let mark, _),
             YamlError.parser(let where_, let what, let mark, _),
             YamlError.composer(let where_, let what, let mark, _):
            // libyaml's composer words some problems as the end of its context ("… but found another document").
            let what = what.hasPrefix("but ") ? String(what.dropFirst(4)) : what
            return problem(mark, "invalid YAML: \(what)\(context(where_))")
        case YamlError.duplicatedKeysInMapping(let keys, let where_):
            return problem(where_.mark, "invalid YAML: key \(keys.map { "'\($0)'" }.joined(separator: ", ")) appears more than once in this mapping")
        case YamlError.reader(let what, let offset, _, _):
            let location = offset.map { lineAndColumn(ofCharacterOffset: $0, in: yaml) }
            return JobSpecProblem(file: file, location: location, field: "", message: "invalid YAML: \(what)")
        default:
            return JobSpecProblem(file: file, location: .start, field: "", message: "invalid YAML: \(error)")
        }
    }

    /// Line and column (from 1) of the character at `offset`.
    static func lineAndColumn(ofCharacterOffset offset: Int, in text: String) -> SourceLocation {
        var line = 1, column = 1
        for character in text.prefix(offset) {
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return SourceLocation(line: line, column: column)
    }

    /// The line (from 1) holding the first byte sequence that is not UTF-8.
    static func firstInvalidUTF8Line(_ data: Data) -> Int? {
        var line = 1
        for bytes in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if String(validating: bytes, as: UTF8.self) == nil { return line }
            line += 1
        }
        return nil
    }
}
