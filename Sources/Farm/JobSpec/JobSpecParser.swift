import Foundation
import Yams

/// Turns a composed YAML document into a `JobSpec`, field by field, with every problem reported at the
/// place it was written (see `jobs/README.md` for the schema). Relative paths resolve against the spec
/// file's folder; files are checked as they are read.
struct JobSpecParser {
    var reader: SpecReader
    /// The spec file's folder, absolute: what relative paths in the spec are relative to.
    let folder: URL
    /// The folder as the caller named the spec file (maybe relative), so messages show paths the same way.
    let displayFolder: String
    /// Whether a missing checkpoint or metric encoder is an error (true) or a warning.
    let checkModelFiles: Bool

    static let topKeys = ["name", "model", "metrics", "objects", "viewpoints", "prompts", "seeds", "sampler", "retries", "priority", "output"]
    static let requiredTopKeys = ["name", "model", "objects", "viewpoints", "prompts", "seeds"]
    static let defaultRetries = 3
    static let defaultPriority = 0

    init(file: String, checkModelFiles: Bool) {
        reader = SpecReader(file: file)
        let url = URL(fileURLWithPath: file)
        folder = url.deletingLastPathComponent().standardizedFileURL
        displayFolder = (file as NSString).deletingLastPathComponent
        self.checkModelFiles = checkModelFiles
    }

    /// The spec, or nil when any error was reported.
    mutating func parse(_ root: Node) -> JobSpec? {
        guard let top = reader.mapping(root, at: "", keys: Self.topKeys, required: Self.requiredTopKeys) else { return nil }
        let name = top["name"].flatMap { identifier($0, at: "name") }
        let model = top["model"].flatMap { modelFiles($0) }
        let preset = model.flatMap { PresetFacts.named($0.preset) }
        let metrics = Self.optional(top["metrics"]) { metricEncoders($0) }
        let objects = top["objects"].flatMap { objectList($0, frame: preset) }
        let viewpoints = top["viewpoints"].flatMap { viewpointGrid($0) }
        let prompts = top["prompts"].flatMap { promptList($0) }
        let seeds = top["seeds"].flatMap { seedList($0) }
        let sampler = Self.optional(top["sampler"]) { samplerSettings($0) }
        let retries = Self.optional(top["retries"]) { reader.integer($0, at: "retries", in: JobSpecLimits.retries) }
        let priority = Self.optional(top["priority"]) { reader.integer($0, at: "priority", in: JobSpecLimits.priority) }
        let output = Self.optional(top["output"]) { outputFolder($0) }

        if let objects, let viewpoints, let prompts, let seeds {
            let counts = [objects.count, viewpoints.polar.count, viewpoints.azimuth.count, prompts.count, seeds.count]
            let total = counts.reduce(1.0) { $0 * Double($1) }
            if total > Double(JobSpecLimits.maxTasks) {
                reader.report("", root, "the job expands to \(Self.grouped(total)) tasks (\(counts.map(String.init).joined(separator: " × ")), "
                              + "objects × polar × azimuth × prompts × seeds); at most \(Self.grouped(Double(JobSpecLimits.maxTasks)))")
            }
        }
        guard !reader.hasErrors, let name, let model, let metrics, let objects, let viewpoints, let prompts, let seeds,
              let sampler, let retries, let priority, let output else { return nil }
        return JobSpec(name: name, model: model, metrics: metrics, objects: objects, viewpoints: viewpoints, prompts: prompts,
                       seeds: seeds, sampler: sampler ?? .defaults, retries: retries ?? Self.defaultRetries,
                       priority: priority ?? Self.defaultPriority, output: output ?? resolve("out/\(name)").absolute)
    }

    /// An optional field: `.some(nil)` when it is absent or null (the default applies), nil when it is
    /// present but wrong (an error was reported).
    private static func optional<Value>(_ node: Node?, _ read: (Node) -> Value?) -> Value?? {
        guard let node, !SpecReader.isNull(node) else { return .some(nil) }
        guard let value = read(node) else { return nil }
        return .some(value)
    }

    // MARK: Fields

    /// A job name or object id: usable as one path component.
    private mutating func identifier(_ node: Node, at field: String) -> String? {
        guard let text = reader.text(node, at: field) else { return nil }
        guard text.count <= JobSpecLimits.maxNameLength, text.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._-]*/) != nil else {
            reader.report(field, node, "must be 1–\(JobSpecLimits.maxNameLength) letters, digits, '.', '_' or '-', starting with a letter "
                          + "or digit; got \(SpecReader.describe(node))")
            return nil
        }
        return text
    }

    private mutating func modelFiles(_ node: Node) -> ModelFiles? {
        guard let fields = reader.mapping(node, at: "model", keys: ["checkpoint", "preset"], required: ["checkpoint", "preset"]) else { return nil }
        let checkpoint = fields["checkpoint"].flatMap { modelFile($0, at: "model.checkpoint", allowFolder: false) }
        let preset = fields["preset"].flatMap { presetName($0) }
        guard let checkpoint, let preset else { return nil }
        return ModelFiles(checkpoint: checkpoint, preset: preset)
    }

    private mutating func presetName(_ node: Node) -> String? {
        guard let name = reader.text(node, at: "model.preset") else { return nil }
        let names = PresetFacts.all.map(\.name)
        guard names.contains(name) else {
            let hint = Suggestion.closest(to: name, among: names).map { "did you mean '\($0)'?" }
                ?? "expected \(SpecReader.quotedList(names, joinedBy: "or"))"
            reader.report("model.preset", node, "unknown preset '\(name)'; \(hint)")
            return nil
        }
        return name
    }

    private mutating func metricEncoders(_ node: Node) -> MetricEncoders? {
        guard let fields = reader.mapping(node, at: "metrics", keys: ["dino", "clip"]) else { return nil }
        let dino = Self.optional(fields["dino"]) { modelFile($0, at: "metrics.dino", allowFolder: true) }
        let clip = Self.optional(fields["clip"]) { modelFile($0, at: "metrics.clip", allowFolder: true) }
        guard let dino, let clip else { return nil }
        guard dino != nil || clip != nil else {
            reader.report("metrics", node, "names no encoder; give dino, clip or both, or leave metrics out")
            return nil
        }
        return MetricEncoders(dino: dino, clip: clip)
    }

    private mutating func objectList(_ node: Node, frame preset: PresetFacts?) -> [ObjectSpec]? {
        guard let elements = reader.list(node, at: "objects", of: "object") else { return nil }
        var objects: [ObjectSpec] = []
        var firstUse: [String: String] = [:]
        var valid = true
        for (element, field) in elements {
            guard let object = objectSpec(element, at: field, frame: preset) else {
                valid = false
                continue
            }
            let idField = FieldPath.join(field, "id")
            if let first = firstUse[object.id] {
                reader.report(idField, at: reader.location(of: idField),
                              "duplicate id '\(object.id)' (first given as \(first) at line \(reader.location(of: first).line))")
                valid = false
                continue
            }
            firstUse[object.id] = idField
            objects.append(object)
        }
        return valid ? objects : nil
    }

    private mutating func objectSpec(_ node: Node, at field: String, frame preset: PresetFacts?) -> ObjectSpec? {
        guard let fields = reader.mapping(node, at: field, keys: ["id", "image", "box", "references"], required: ["id", "image"]) else {
            return nil
        }
        let id = fields["id"].flatMap { identifier($0, at: FieldPath.join(field, "id")) }
        let image = fields["image"].flatMap { imageFile($0, at: FieldPath.join(field, "image")) }
        let box = Self.optional(fields["box"]) { pixelBox($0, at: FieldPath.join(field, "box"), frame: preset) }
        let references = Self.optional(fields["references"]) { referenceList($0, at: FieldPath.join(field, "references")) }
        guard let id, let image, let box, let references else { return nil }
        return ObjectSpec(id: id, image: image, box: box, references: references ?? [])
    }

    private mutating func pixelBox(_ node: Node, at field: String, frame preset: PresetFacts?) -> PixelBox? {
        let shape = "a list of 4 whole numbers [x0, y0, x1, y1] in pixels of the output frame"
        guard case .sequence(let sequence) = node, sequence.count == 4 else {
            reader.report(field, node, "expected \(shape), got \(SpecReader.describe(node))"
                          + (node.sequence.map { " of \($0.count) values" } ?? ""))
            return nil
        }
        let coordinates = sequence.enumerated().map { index, element in
            reader.integer(element, at: FieldPath.index(field, index), in: Int(Int32.min)...Int(Int32.max))
        }
        guard case let (x0?, y0?, x1?, y1?) = (coordinates[0], coordinates[1], coordinates[2], coordinates[3]) else { return nil }
        let box = PixelBox(x0: x0, y0: y0, x1: x1, y1: y1)
        if box.x0 == box.x1 || box.y0 == box.y1 {
            reader.report(field, node, "box \(box) is empty")
            return nil
        }
        if let preset, box.x0 < 0 || box.y0 < 0 || box.x1 > preset.imageSize || box.y1 > preset.imageSize {
            reader.report(field, node, "box \(box) is outside the \(preset.imageSize)×\(preset.imageSize) frame of preset \(preset.name)")
            return nil
        }
        return box
    }

    private mutating func referenceList(_ node: Node, at field: String) -> [String]? {
        guard let elements = reader.list(node, at: field, of: "reference image", allowSingle: true, allowEmpty: true) else { return nil }
        let paths = elements.map { element, path in imageFile(element, at: path) }
        return paths.contains(nil) ? nil : paths.compactMap { $0 }
    }

    private mutating func viewpointGrid(_ node: Node) -> Viewpoints? {
        guard let fields = reader.mapping(node, at: "viewpoints", keys: ["polar", "azimuth"], required: ["polar", "azimuth"]) else { return nil }
        let polar = fields["polar"].flatMap { angles($0, at: "viewpoints.polar", within: JobSpecLimits.polar) }
        let azimuth = fields["azimuth"].flatMap { angles($0, at: "viewpoints.azimuth", within: nil) }
        guard let polar, let azimuth else { return nil }
        return Viewpoints(polar: polar, azimuth: azimuth)
    }

    /// Angles in degrees: a list (or one number), or a `{from, to, step}` range.
    private mutating func angles(_ node: Node, at field: String, within bounds: ClosedRange<Double>?) -> [Double]? {
        if case .mapping = node { return angleRange(node, at: field, within: bounds) }
        guard let elements = reader.list(node, at: field, of: "angle", allowSingle: true) else { return nil }
        let values = elements.map { element, path in angle(element, at: path, within: bounds) }
        let checked = values.compactMap { $0 }
        guard checked.count == values.count else { return nil }
        return noDuplicates(checked, elements: elements, what: "angle") { Self.formatted($0) }
    }

    private mutating func angle(_ node: Node, at field: String, within bounds: ClosedRange<Double>?) -> Double? {
        guard let value = reader.finiteNumber(node, at: field) else { return nil }
        if let bounds, !bounds.contains(value) {
            reader.report(field, node, "must be \(Self.formatted(bounds.lowerBound))…\(Self.formatted(bounds.upperBound)) degrees, got \(Self.formatted(value))")
            return nil
        }
        return value
    }

    /// `{from, to, step}`: from, from + step, … up to to (included when it falls on the grid), each value
    /// rounded to 12 significant digits so that steps like 0.1 give 0.3, not 0.30000000000000004.
    private mutating func angleRange(_ node: Node, at field: String, within bounds: ClosedRange<Double>?) -> [Double]? {
        guard let fields = reader.mapping(node, at: field, keys: ["from", "to", "step"], required: ["from", "to", "step"]) else { return nil }
        let from = fields["from"].flatMap { angle($0, at: FieldPath.join(field, "from"), within: bounds) }
        let to = fields["to"].flatMap { angle($0, at: FieldPath.join(field, "to"), within: bounds) }
        let step = fields["step"].flatMap { reader.finiteNumber($0, at: FieldPath.join(field, "step")) }
        guard let from, let to, let step else { return nil }
        var valid = true
        if let stepNode = fields["step"], step <= 0 {
            reader.report(FieldPath.join(field, "step"), stepNode, "must be > 0, got \(Self.formatted(step))")
            valid = false
        }
        if let toNode = fields["to"], to < from {
            reader.report(FieldPath.join(field, "to"), toNode, "must be ≥ from (\(Self.formatted(from))), got \(Self.formatted(to))")
            valid = false
        }
        guard valid else { return nil }
        let intervals = ((to - from) / step * (1 + 1e-12)).rounded(.down)
        guard intervals < Double(JobSpecLimits.maxRangeValues) else {
            reader.report(field, node, "gives \(Self.grouped(intervals + 1)) values; at most \(Self.grouped(Double(JobSpecLimits.maxRangeValues)))")
            return nil
        }
        return (0...Int(intervals)).map { index in Self.rounded(from + Double(index) * step) }
    }

    private mutating func promptList(_ node: Node) -> [String]? {
        guard let elements = reader.list(node, at: "prompts", of: "prompt", allowSingle: true) else { return nil }
        let prompts = elements.map { element, path in reader.text(element, at: path, nonEmpty: false) }
        let checked = prompts.compactMap { $0 }
        guard checked.count == prompts.count else { return nil }
        return noDuplicates(checked, elements: elements, what: "prompt") { "\"\(SpecReader.shortened($0))\"" }
    }

    /// Seeds: a list (or one number), or `{from, count}` for from, from + 1, … .
    private mutating func seedList(_ node: Node) -> [UInt64]? {
        let bounds = 0...Int(JobSpecLimits.maxSeed)
        let boundsText = "0…2^63−1"
        if case .mapping = node {
            guard let fields = reader.mapping(node, at: "seeds", keys: ["from", "count"], required: ["from", "count"]) else { return nil }
            let from = fields["from"].flatMap { reader.integer($0, at: "seeds.from", in: bounds, rangeText: boundsText) }
            let count = fields["count"].flatMap { reader.integer($0, at: "seeds.count", in: 1...JobSpecLimits.maxRangeValues) }
            guard let from, let count else { return nil }
            guard count - 1 <= bounds.upperBound - from else {
                reader.report("seeds.count", at: reader.location(of: "seeds.count"), "from + count − 1 must be at most 2^63−1")
                return nil
            }
            return (0..<count).map { UInt64(from + $0) }
        }
        guard let elements = reader.list(node, at: "seeds", of: "seed", allowSingle: true) else { return nil }
        let seeds = elements.map { element, path in reader.integer(element, at: path, in: bounds, rangeText: boundsText) }
        let checked = seeds.compactMap { $0 }
        guard checked.count == seeds.count else { return nil }
        return noDuplicates(checked, elements: elements, what: "seed") { String($0) }.map { $0.map { UInt64($0) } }
    }

    private mutating func samplerSettings(_ node: Node) -> SamplerSettings? {
        guard let fields = reader.mapping(node, at: "sampler", keys: ["steps", "guidance"]) else { return nil }
        let steps = Self.optional(fields["steps"]) { reader.integer($0, at: "sampler.steps", in: JobSpecLimits.steps) }
        let guidance = Self.optional(fields["guidance"]) { guidanceScale($0) }
        guard let steps, let guidance else { return nil }
        return SamplerSettings(steps: steps ?? SamplerSettings.defaults.steps, guidance: guidance ?? SamplerSettings.defaults.guidance)
    }

    private mutating func guidanceScale(_ node: Node) -> Float? {
        guard let value = reader.finiteNumber(node, at: "sampler.guidance") else { return nil }
        guard Float(value).isFinite else {
            reader.report("sampler.guidance", node, "must be finite as a 32-bit float (magnitude below 3.4e38), got \(SpecReader.scalarText(node))")
            return nil
        }
        return Float(value)
    }

    private mutating func outputFolder(_ node: Node) -> String? {
        guard let written = reader.text(node, at: "output") else { return nil }
        let path = resolve(written)
        if case .file = FileKind.of(path.absolute) {
            reader.report("output", node, "\(path.display) exists and is a file; the output must be a folder")
            return nil
        }
        return path.absolute
    }

    // MARK: Files

    /// An object or reference image: it must exist and start like a PNG or a JPEG.
    private mutating func imageFile(_ node: Node, at field: String) -> String? {
        guard let written = reader.text(node, at: field) else { return nil }
        let path = resolve(written)
        switch FileKind.of(path.absolute) {
        case .missing:
            reader.report(field, node, "no such file: \(path.display)")
            return nil
        case .folder:
            reader.report(field, node, "\(path.display) is a folder; expected a PNG or JPEG file")
            return nil
        case .file:
            guard let head = FileHandle(forReadingAtPath: path.absolute).flatMap({ try? $0.read(upToCount: 8) }) else {
                reader.report(field, node, "cannot read \(path.display)")
                return nil
            }
            guard ImageSignature.isPNG(head) || ImageSignature.isJPEG(head) else {
                reader.report(field, node, "\(path.display) is not a PNG or JPEG file")
                return nil
            }
            return path.absolute
        }
    }

    /// A model file (checkpoint, metric encoder): a missing one is an error, or a warning when model
    /// files are not checked.
    private mutating func modelFile(_ node: Node, at field: String, allowFolder: Bool) -> String? {
        guard let written = reader.text(node, at: field) else { return nil }
        let path = resolve(written)
        switch FileKind.of(path.absolute) {
        case .missing:
            reader.report(field, node, "no such \(allowFolder ? "file or folder" : "file"): \(path.display)",
                          severity: checkModelFiles ? .error : .warning)
            return checkModelFiles ? nil : path.absolute
        case .folder where !allowFolder:
            reader.report(field, node, "\(path.display) is a folder; expected the checkpoint file")
            return nil
        case .file, .folder:
            return path.absolute
        }
    }

    /// A path from the spec: absolute (for the spec value) and as messages show it (relative to where
    /// the caller named the spec from, or absolute if written so).
    private func resolve(_ written: String) -> (absolute: String, display: String) {
        let absolute = URL(fileURLWithPath: written, relativeTo: folder).standardizedFileURL.path
        if written.hasPrefix("/") { return (absolute, absolute) }
        let joined = displayFolder.isEmpty ? written : displayFolder + "/" + written
        return (absolute, Self.lexicallyNormalised(joined))
    }

    /// `jobs/../out/./demo` → `out/demo`, without touching the file system.
    static func lexicallyNormalised(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    // MARK: Helpers

    /// The values, or nil after reporting each value that repeats an earlier one (at the repeat).
    private mutating func noDuplicates<Value: Hashable>(_ values: [Value], elements: [(Node, String)], what: String,
                                                        show: (Value) -> String) -> [Value]? {
        var firstUse: [Value: (field: String, line: Int)] = [:]
        var unique = true
        for (value, (node, path)) in zip(values, elements) {
            if let first = firstUse[value] {
                reader.report(path, node, "duplicate \(what) \(show(value)) (first given as \(first.field) at line \(first.line))")
                unique = false
            } else {
                firstUse[value] = (path, SpecReader.location(of: node).line)
            }
        }
        return unique ? values : nil
    }

    /// A number as messages and task names show it: `15`, `-7.5`, `0.1`.
    static func formatted(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// Rounded to 12 significant digits (range values), -0 as 0.
    static func rounded(_ value: Double) -> Double {
        let result = Double(String(format: "%.12g", value)) ?? value
        return result == 0 ? 0 : result
    }

    /// `1,000,000`.
    static func grouped(_ value: Double) -> String {
        guard value < 1e18 else { return String(format: "%.3g", value) }
        let digits = String(Int64(value))
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}

/// What is at a path.
enum FileKind {
    case missing, file, folder

    static func of(_ path: String) -> FileKind {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return .missing }
        return isFolder.boolValue ? .folder : .file
    }
}

/// The first bytes of the image formats the engine reads.
enum ImageSignature {
    static func isPNG(_ head: Data) -> Bool { head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) }
    static func isJPEG(_ head: Data) -> Bool { head.starts(with: [0xFF, 0xD8, 0xFF]) }
}
