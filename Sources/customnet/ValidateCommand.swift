import ArgumentParser
import Farm
import Foundation

/// `customnet validate JOB.yaml [--json] [--spec-only] [--tasks N]`: checks a job spec and says what it
/// would run, or prints every mistake as `file:line:column: field: problem` and exits 1. Writes nothing.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a job spec: every mistake with its file:line:column, or what would run (tasks, ids, estimate).",
        discussion: """
            Checks the whole spec (jobs/README.md documents the fields) and the files it names: object and \
            reference images, the checkpoint, the metric encoders. With no mistakes it prints the job, the task \
            count and its breakdown, the first tasks with their ids, and an estimate of the render time; task ids \
            hash the checkpoint's and the images' contents, so the checkpoint is read once (5.7 GB for \
            customnet_v1.pt). Nothing is written.
            """)

    @Argument(help: "The job spec (YAML).")
    var spec: String

    @Flag(help: "Print a JSON object instead of text (problems too; the exit code is the same).")
    var json = false

    @Flag(help: "Check the spec without the model files: a missing checkpoint or metric encoder is a warning, and task ids, which need the checkpoint, are not computed.")
    var specOnly = false

    @Option(help: "How many tasks to list.")
    var tasks = 5

    func validate() throws {
        guard tasks >= 0 else { throw ValidationError("--tasks must be 0 or more") }
    }

    func run() throws {
        let file: JobSpecFile
        do {
            file = try JobSpecFile.load(path: spec, checkModelFiles: !specOnly)
        } catch {
            try fail(error)
        }
        var plan: JobPlan?
        if !specOnly {
            do {
                plan = try JobPlan.make(from: file, digests: FileDigests())
            } catch {
                try fail(JobSpecError(problems: error.problems + file.warnings))
            }
        }
        let report = ValidationReport(file: file, plan: plan, listed: tasks)
        if json {
            print(try report.json())
        } else {
            for warning in file.warnings { printError(warning.description) }
            print(report.text)
        }
    }

    /// Prints the problems (stderr, or JSON on stdout) and exits 1.
    private func fail(_ error: JobSpecError) throws -> Never {
        if json {
            print(try ValidationReport.json(failure: error, file: spec))
        } else {
            for problem in error.problems { printError(problem.description) }
            printError("\(spec): \(error.errors.count) \(error.errors.count == 1 ? "error" : "errors")")
            let modelFields: Set = ["model.checkpoint", "metrics.dino", "metrics.clip"]
            if !specOnly, error.errors.contains(where: { modelFields.contains($0.field) }) {
                printError("(to check the spec on a machine without the model files, add --spec-only)")
            }
        }
        throw ExitCode.failure
    }
}

/// What `customnet validate` says about a valid spec, as text or JSON.
struct ValidationReport {
    let file: JobSpecFile
    let plan: JobPlan?
    /// How many tasks to list.
    let listed: Int

    private var spec: JobSpec { file.spec }

    var text: String {
        var lines = ["\(file.path): ok" + (plan == nil ? " (spec only: the model files were not read)" : "")]
        func row(_ label: String, _ value: String) { lines.append(label.padding(toLength: 10, withPad: " ", startingAt: 0) + value) }
        row("job", "\(spec.name) (priority \(spec.priority), \(spec.retries) \(spec.retries == 1 ? "retry" : "retries"))")
        row("model", "\(spec.model.checkpoint) (preset \(spec.model.preset)" + (plan.map { ", sha256 \($0.modelDigest)" } ?? "") + ")")
        if let metrics = spec.metrics {
            row("metrics", [metrics.dino.map { "dino \($0)" }, metrics.clip.map { "clip \($0)" }].compactMap { $0 }.joined(separator: ", "))
        }
        row("output", spec.output)
        row("sampler", "\(spec.sampler.steps) steps, guidance \(spec.sampler.guidance)")
        row("tasks", "\(Self.grouped(spec.taskCount)) = " + breakdown)
        if let seconds = spec.estimatedRenderSeconds, let preset = PresetFacts.named(spec.model.preset) {
            let perImage = String(format: "%.3g", preset.secondsPerImage(steps: spec.sampler.steps))
            row("estimate", "≈ \(Self.duration(seconds)) of rendering on one 2-core node (\(perImage) s per image, preset \(preset.name)); "
                + "divide by the number of nodes")
        }
        let shown = min(listed, spec.taskCount)
        if shown > 0 {
            let heading = shown == 1 ? "first task" : "first \(shown) tasks"
            lines.append(plan == nil ? "\(heading) (ids need the checkpoint):" : "\(heading):")
            if let plan {
                lines += plan.tasks.prefix(shown).map { "  \($0.id)  \($0.name)" }
            } else {
                lines += spec.cells().prefix(shown).map { "  \($0.name)" }
            }
            if spec.taskCount > shown { lines.append("  … and \(Self.grouped(spec.taskCount - shown)) more") }
        }
        return lines.joined(separator: "\n")
    }

    /// `24 = 2 objects × 6 viewpoints (2 polar × 3 azimuth) × 2 prompts × 1 seed`, without the total.
    private var breakdown: String {
        func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
        let viewpoints = spec.viewpoints.polar.count * spec.viewpoints.azimuth.count
        return "\(counted(spec.objects.count, "object")) × \(counted(viewpoints, "viewpoint")) "
            + "(\(spec.viewpoints.polar.count) polar × \(spec.viewpoints.azimuth.count) azimuth) × "
            + "\(counted(spec.prompts.count, "prompt")) × \(counted(spec.seeds.count, "seed"))"
    }

    /// `3,360`, whatever the locale.
    static func grouped(_ count: Int) -> String {
        let digits = String(count)
        return String(digits.enumerated().flatMap { index, digit in
            index > 0 && (digits.count - index) % 3 == 0 ? [",", digit] : [digit]
        })
    }

    /// `0.5 s`, `12 s`, `4.2 min`, `3.1 h`, `2.5 days`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.1f s", seconds) }
        if seconds < 90 { return String(format: "%.0f s", seconds) }
        if seconds < 90 * 60 { return String(format: "%.1f min", seconds / 60) }
        if seconds < 48 * 3600 { return String(format: "%.1f h", seconds / 3600) }
        return String(format: "%.1f days", seconds / 86400)
    }

    private struct Breakdown: Encodable {
        let objects, polar, azimuth, prompts, seeds: Int
    }

    private struct Success: Encodable {
        let file: String
        let valid = true
        let specOnly: Bool
        let spec: JobSpec
        let modelDigest: String?
        let taskCount: Int
        let breakdown: Breakdown
        let estimatedRenderSeconds: Double?
        /// Where the per-image time behind the estimate comes from.
        let estimateBasis: String?
        /// The first tasks, with ids (absent under --spec-only).
        let tasks: [TaskSpec]?
        /// The first tasks' names (always).
        let taskNames: [String]
        let warnings: [JobSpecProblem]
    }

    private struct Failure: Encodable {
        let file: String
        let valid = false
        let problems: [JobSpecProblem]
    }

    func json() throws -> String {
        let shown = min(listed, spec.taskCount)
        let names = plan.map { $0.tasks.prefix(shown).map(\.name) } ?? spec.cells().prefix(shown).map(\.name)
        let success = Success(file: file.path, specOnly: plan == nil, spec: spec, modelDigest: plan?.modelDigest, taskCount: spec.taskCount,
                              breakdown: Breakdown(objects: spec.objects.count, polar: spec.viewpoints.polar.count,
                                                   azimuth: spec.viewpoints.azimuth.count, prompts: spec.prompts.count, seeds: spec.seeds.count),
                              estimatedRenderSeconds: spec.estimatedRenderSeconds,
                              estimateBasis: PresetFacts.named(spec.model.preset)?.timingSource, tasks: plan.map { Array($0.tasks.prefix(shown)) },
                              taskNames: names, warnings: file.warnings)
        return try Self.encode(success)
    }

    static func json(failure: JobSpecError, file: String) throws -> String {
        try encode(Failure(file: file, problems: failure.problems))
    }

    private static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
