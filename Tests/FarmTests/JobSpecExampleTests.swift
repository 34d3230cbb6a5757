import Foundation
import Testing
@testable import Farm

/// Every spec shipped in `jobs/` is valid. Model files (checkpoints, metric encoders) are not in the
/// repository, so they may only be missing, as jobs/README.md's table says; with a stand-in checkpoint
/// each expands to its documented task count with unique ids and names.
struct JobSpecExampleTests {
    static let examples: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: JobSpecFixtures.jobs)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    /// Task counts as the spec comments and jobs/README.md give them.
    static let taskCounts = ["smoke.yaml": 24, "dreambench-sweep.yaml": 3360, "viewpoint-ranges.yaml": 120, "metrics-and-references.yaml": 8]

    @Test func theDocumentedExamplesAreThere() {
        #expect(Self.examples == Self.taskCounts.keys.sorted())
    }

    @Test(arguments: examples)
    func everyExampleValidates(_ name: String) throws {
        let file = try JobSpecFile.load(path: "\(JobSpecFixtures.jobs)/\(name)", checkModelFiles: false)
        let modelFields: Set = ["model.checkpoint", "metrics.dino", "metrics.clip"]
        #expect(file.warnings.allSatisfy { modelFields.contains($0.field) && $0.message.hasPrefix("no such file") },
                "only model files may be missing: \(file.warnings)")
        #expect(file.spec.name == String(name.dropLast(".yaml".count)), "the name matches the file")

        var spec = file.spec
        spec.model.checkpoint = JobSpecFixtures.checkpoint
        let standIn = JobSpecFile(path: file.path, spec: spec, warnings: [], locations: file.locations)
        let plan = try JobPlan.make(from: standIn, digests: FileDigests())
        #expect(plan.tasks.count == Self.taskCounts[name])
        #expect(Set(plan.tasks.map(\.id)).count == plan.tasks.count)
        #expect(Set(plan.tasks.map(\.name)).count == plan.tasks.count)
    }

    @Test func theSmokeSpecUsesTheDemoCheckpoint() throws {
        let spec = try JobSpecFile.load(path: JobSpecFixtures.jobs + "/smoke.yaml", checkModelFiles: false).spec
        let root = URL(fileURLWithPath: JobSpecFixtures.jobs).deletingLastPathComponent().path
        #expect(spec.model == ModelFiles(checkpoint: root + "/out/demo/customnet-tiny-random.safetensors", preset: "tiny"))
        #expect(spec.output == root + "/out/smoke")
    }
}
