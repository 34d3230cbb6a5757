import Foundation

/// A viewpoint change: a polar and an azimuth angle, in degrees.
struct Viewpoint: Hashable, Sendable {
    var polar: Double
    var azimuth: Double

    /// `p15 a-30`, as in task names.
    var shortLabel: String { "p\(JobSpecParser.formatted(polar)) a\(JobSpecParser.formatted(azimuth))" }
    /// `p 15° · a −30°`, for the page.
    var label: String { "p \(Self.degrees(polar)) · a \(Self.degrees(azimuth))" }

    static func degrees(_ value: Double) -> String {
        JobSpecParser.formatted(value).replacingOccurrences(of: "-", with: "−") + "°"
    }
}

/// An object of the job: its id and its image (the first reference).
struct ReportObject: Sendable {
    var id: String
    var imagePath: String
}

/// A prompt of the job and its folder name.
struct ReportPrompt: Sendable {
    var text: String
    var slug: String
}

/// The job's grid as its tasks span it: objects and prompts in submission order, polar and azimuth
/// angles sorted, seeds in submission order. Built from the tasks, not the spec, so a spec edited and
/// submitted again (old cells kept, new ones added) or one that no longer parses still lays out.
struct ReportLayout: Sendable {
    var objects: [ReportObject] = []
    var prompts: [ReportPrompt] = []
    var polars: [Double] = []
    var azimuths: [Double] = []
    var seeds: [UInt64] = []
    private var cells: [CellKey: Int] = [:]

    private struct CellKey: Hashable {
        var object: String
        var prompt: String
        var viewpoint: Viewpoint
        var seed: UInt64
    }

    /// The layout of `tasks`; `task(...)` answers indices into it.
    init(tasks: [ReportTask]) {
        var seenObjects = Set<String>(), seenPrompts = Set<String>(), seenSeeds = Set<UInt64>()
        var polarSet = Set<Double>(), azimuthSet = Set<Double>()
        for (index, task) in tasks.enumerated() {
            let spec = task.spec
            if seenObjects.insert(spec.objectID).inserted { objects.append(ReportObject(id: spec.objectID, imagePath: spec.imagePath)) }
            if seenPrompts.insert(spec.prompt).inserted { prompts.append(ReportPrompt(text: spec.prompt, slug: spec.promptSlug)) }
            if seenSeeds.insert(spec.seed).inserted { seeds.append(spec.seed) }
            polarSet.insert(spec.polar)
            azimuthSet.insert(spec.azimuth)
            let key = CellKey(object: spec.objectID, prompt: spec.prompt, viewpoint: Viewpoint(polar: spec.polar, azimuth: spec.azimuth),
                              seed: spec.seed)
            if cells[key] == nil { cells[key] = index }
        }
        polars = polarSet.sorted()
        azimuths = azimuthSet.sorted()
    }

    /// Every polar angle with every azimuth, polar outermost.
    var viewpoints: [Viewpoint] {
        polars.flatMap { polar in azimuths.map { Viewpoint(polar: polar, azimuth: $0) } }
    }

    /// The index of the task of this cell, if the job has one.
    func task(object: String, prompt: String, viewpoint: Viewpoint, seed: UInt64) -> Int? {
        cells[CellKey(object: object, prompt: prompt, viewpoint: viewpoint, seed: seed)]
    }
}
