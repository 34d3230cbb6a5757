/// A position in a spec file: line and column from 1 (columns count Unicode scalars, as libyaml does).
public struct SourceLocation: Codable, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The start of the file.
    public static let start = SourceLocation(line: 1, column: 1)

    /// `line:column`.
    public var description: String { "\(line):\(column)" }
}

/// One mistake (or warning) in a job spec, with where it is: file, line, column and field path.
///
/// Its description is the line `customnet validate` prints:
/// `jobs/x.yaml:12:5: viewpoints.azimuth.step: must be > 0`, or
/// `jobs/x.yaml:3:15: warning: model.checkpoint: no such file …` for a warning.
public struct JobSpecProblem: Codable, Sendable, Hashable, CustomStringConvertible {
    /// Whether a problem stops the job.
    public enum Severity: String, Codable, Sendable {
        /// The spec cannot run as written.
        case error
        /// Reported, but the spec can be checked and expanded (a model file missing under `--spec-only`).
        case warning
    }

    /// The spec file, as the caller named it.
    public var file: String
    /// Where in the file; nil when the file as a whole is the problem (it cannot be read).
    public var location: SourceLocation?
    /// The field path, `viewpoints.azimuth.step` or `objects[2].box`; empty for problems of the YAML text itself.
    public var field: String
    /// What is wrong, in words.
    public var message: String
    public var severity: Severity

    public init(file: String, location: SourceLocation?, field: String, message: String, severity: Severity = .error) {
        self.file = file
        self.location = location
        self.field = field
        self.message = message
        self.severity = severity
    }

    public var description: String {
        "\(file):" + (location.map { "\($0): " } ?? " ") + (severity == .warning ? "warning: " : "") + (field.isEmpty ? "" : "\(field): ") + message
    }
}

/// A spec that cannot be used: every problem found (errors first, in file order; then warnings).
public struct JobSpecError: Error, Sendable, CustomStringConvertible {
    /// All problems, at least one of them an error.
    public let problems: [JobSpecProblem]

    public init(problems: [JobSpecProblem]) {
        self.problems = problems.sortedForDisplay()
    }

    /// The problems that are errors.
    public var errors: [JobSpecProblem] { problems.filter { $0.severity == .error } }

    /// One problem per line.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

extension [JobSpecProblem] {
    /// Errors before warnings; each group in file order (line, column), then by field and message.
    func sortedForDisplay() -> [JobSpecProblem] {
        func key(_ problem: JobSpecProblem) -> (Int, Int, Int, String, String) {
            (problem.severity == .warning ? 1 : 0, problem.location?.line ?? 0, problem.location?.column ?? 0, problem.field, problem.message)
        }
        return sorted { key($0) < key($1) }
    }
}
