import Foundation
import Testing
@testable import Farm

/// Reading specs: defaults, the shorthand forms, normalisation, and problems not covered by the corpus.
struct JobSpecParsingTests {
    @Test func defaultsFillWhatIsLeftOut() throws {
        let spec = try JobSpecFixtures.parse(JobSpecFixtures.minimal()).spec
        #expect(spec.sampler == SamplerSettings(steps: 50, guidance: 3))
        #expect(spec.retries == 3)
        #expect(spec.priority == 0)
        #expect(spec.metrics == nil)
        #expect(spec.objects[0].box == nil && spec.objects[0].references.isEmpty)
        #expect(spec.output == JobSpecFixtures.folder + "/out/minimal", "out/<name> beside the spec")
    }

    @Test func nullOptionalFieldsTakeTheirDefaults() throws {
        let spec = try JobSpecFixtures.parse(JobSpecFixtures.minimal(extra: "sampler: ~\nretries:\nmetrics: null")).spec
        #expect(spec.sampler == .defaults && spec.retries == 3 && spec.metrics == nil)
    }

    @Test func pathsResolveAgainstTheSpecFolder() throws {
        let spec = try JobSpecFixtures.parse(JobSpecFixtures.minimal(extra: "output: ../somewhere/./else")).spec
        #expect(spec.model.checkpoint == JobSpecFixtures.checkpoint)
        #expect(spec.objects[0].image == JobSpecFixtures.folder + "/objects/pattern.png")
        let parent = URL(fileURLWithPath: JobSpecFixtures.folder).deletingLastPathComponent().path
        #expect(spec.output == parent + "/somewhere/else")
    }

    @Test func everyFieldIsRead() throws {
        let spec = try JobSpecFixtures.parse("""
            name: everything
            model: {checkpoint: stand-in-checkpoint.bin, preset: customnet-v1}
            metrics: {dino: objects, clip: objects/photo.jpg}
            objects:
              - id: cube
                image: objects/pattern.png
                box: [200, 190, 10, 20]
                references: [objects/photo.jpg]
            viewpoints: {polar: 15, azimuth: [-30, 30]}
            prompts: on a table
            seeds: 42
            sampler: {steps: 25, guidance: 7.5}
            retries: 0
            priority: -3
            output: /tmp/everything
            """).spec
        #expect(spec.model == ModelFiles(checkpoint: JobSpecFixtures.checkpoint, preset: "customnet-v1"))
        #expect(spec.metrics == MetricEncoders(dino: JobSpecFixtures.folder + "/objects", clip: JobSpecFixtures.folder + "/objects/photo.jpg"))
        #expect(spec.objects[0].box == PixelBox(x0: 10, y0: 20, x1: 200, y1: 190), "corners sorted")
        #expect(spec.objects[0].box?.description == "10,20,200,190")
        #expect(spec.objects[0].references == [JobSpecFixtures.folder + "/objects/photo.jpg"])
        #expect(spec.viewpoints == Viewpoints(polar: [15], azimuth: [-30, 30]), "one value may stand alone")
        #expect(spec.prompts == ["on a table"] && spec.seeds == [42])
        #expect(spec.sampler == SamplerSettings(steps: 25, guidance: 7.5))
        #expect(spec.retries == 0 && spec.priority == -3 && spec.output == "/tmp/everything")
        #expect(spec.taskCount == 2)
    }

    @Test func rangesExpandWithCleanValues() throws {
        let spec = try JobSpecFixtures.parse(JobSpecFixtures.minimal(extra: """
            viewpoints:
              polar: {from: 0, to: 0.5, step: 0.1}
              azimuth: {from: -90, to: 100, step: 45}
            """).replacingOccurrences(of: "viewpoints: {polar: [0], azimuth: [0]}\n", with: "")).spec
        #expect(spec.viewpoints.polar == [0, 0.1, 0.2, 0.3, 0.4, 0.5], "0.3, not 0.30000000000000004; the end is included")
        #expect(spec.viewpoints.azimuth == [-90, -45, 0, 45, 90], "the end is left out when off the grid")
        let one = try JobSpecFixtures.parse(JobSpecFixtures.minimal().replacingOccurrences(
            of: "polar: [0]", with: "polar: {from: 10, to: 10, step: 5}")).spec
        #expect(one.viewpoints.polar == [10])
    }

    @Test func seedRangesCount() throws {
        let spec = try JobSpecFixtures.parse(JobSpecFixtures.minimal().replacingOccurrences(
            of: "seeds: [1]", with: "seeds: {from: 9223372036854775805, count: 3}")).spec
        #expect(spec.seeds == [9_223_372_036_854_775_805, 9_223_372_036_854_775_806, 9_223_372_036_854_775_807])
    }

    @Test func negativeZeroIsZeroAndNumbersMayBeSigned() throws {
        let spec = try JobSpecFixtures.parse(JobSpecFixtures.minimal().replacingOccurrences(
            of: "viewpoints: {polar: [0], azimuth: [0]}", with: "viewpoints: {polar: [-0.0, +15], azimuth: [1e1, .5]}")).spec
        #expect(spec.viewpoints.polar == [0, 15] && spec.viewpoints.polar[0].sign == .plus)
        #expect(spec.viewpoints.azimuth == [10, 0.5])
    }

    @Test func promptsKeepTheirTextAndMayBeEmpty() throws {
        let spec = try JobSpecFixtures.parse(JobSpecFixtures.minimal(prompts: #"["", 42, "  spaced  ", "multi\nline"]"#)).spec
        #expect(spec.prompts == ["", "42", "  spaced  ", "multi\nline"])
    }

    @Test func canonicallyEquivalentPromptsAreDuplicates() {
        let problems = JobSpecFixtures.problems(JobSpecFixtures.minimal(prompts: "[\"caf\\u00e9\", \"cafe\\u0301\"]"))
        #expect(problems == [#"inline.yaml:6:24: prompts[1]: duplicate prompt "café" (first given as prompts[0] at line 6)"#])
    }

    @Test func modelFilesMayBeMissingWhenNotChecked() throws {
        let yaml = JobSpecFixtures.minimal(extra: "metrics: {clip: models/clip}").replacingOccurrences(
            of: "stand-in-checkpoint.bin", with: "models/customnet_v1.pt")
        #expect(JobSpecFixtures.problems(yaml) == [
            "inline.yaml:2:21: model.checkpoint: no such file: models/customnet_v1.pt",
            "inline.yaml:8:17: metrics.clip: no such file or folder: models/clip",
        ])
        let file = try JobSpecFixtures.parse(yaml, checkModelFiles: false)
        #expect(file.warnings.map { JobSpecFixtures.relative($0.description) } == [
            "inline.yaml:2:21: warning: model.checkpoint: no such file: models/customnet_v1.pt",
            "inline.yaml:8:17: warning: metrics.clip: no such file or folder: models/clip",
        ])
        #expect(file.spec.model.checkpoint == JobSpecFixtures.folder + "/models/customnet_v1.pt")
        #expect(throws: JobSpecError.self) { try JobPlan.make(from: file, digests: FileDigests()) }
    }

    @Test func objectImagesAreRequiredEvenWhenModelFilesAreNot() {
        let yaml = JobSpecFixtures.minimal().replacingOccurrences(of: "objects/pattern.png", with: "objects/missing.png")
        #expect(JobSpecFixtures.problems(yaml, checkModelFiles: false) == ["inline.yaml:4:23: objects[0].image: no such file: objects/missing.png"])
    }

    @Test func aBoxIsCheckedAgainstThePresetFrame() {
        let yaml = JobSpecFixtures.minimal().replacingOccurrences(of: "image: objects/pattern.png}", with: "image: objects/pattern.png, box: [0, 0, 256, 256]}")
        #expect(JobSpecFixtures.problems(yaml) == ["inline.yaml:4:49: objects[0].box: box 0,0,256,256 is outside the 64×64 frame of preset tiny"])
        #expect(JobSpecFixtures.problems(yaml.replacingOccurrences(of: "preset: tiny", with: "preset: customnet-v1")).isEmpty)
    }

    @Test func guidanceMustFitAFloat() {
        let problems = JobSpecFixtures.problems(JobSpecFixtures.minimal(extra: "sampler: {guidance: 1e39}"))
        #expect(problems == ["inline.yaml:8:21: sampler.guidance: must be finite as a 32-bit float (magnitude below 3.4e38), got 1e39"])
    }

    @Test func aMissingOrFolderSpecFileIsNamed() {
        #expect(throws: JobSpecError.self) { try JobSpecFile.load(path: JobSpecFixtures.folder + "/nope.yaml") }
        do {
            _ = try JobSpecFile.load(path: JobSpecFixtures.folder + "/objects")
        } catch {
            #expect(JobSpecFixtures.relative(error.description) == "objects: is a folder; expected a job spec file (YAML)")
        }
    }

    @Test func aByteOrderMarkIsSkipped() throws {
        let path = NSTemporaryDirectory() + "jobspec-bom-\(UUID().uuidString).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let yaml = JobSpecFixtures.minimal().replacingOccurrences(of: "stand-in-checkpoint.bin", with: JobSpecFixtures.checkpoint)
            .replacingOccurrences(of: "objects/", with: JobSpecFixtures.folder + "/objects/")
        try Data(("\u{FEFF}" + yaml).utf8).write(to: URL(fileURLWithPath: path))
        #expect(try JobSpecFile.load(path: path).spec.name == "minimal")
    }

    @Test func fieldLocationsAreKept() throws {
        let file = try JobSpecFixtures.parse(JobSpecFixtures.minimal())
        #expect(file.location(of: "objects[0].image") == SourceLocation(line: 4, column: 23))
        #expect(file.location(of: "seeds[0]") == SourceLocation(line: 7, column: 9))
        #expect(file.location(of: "objects[0].box") == SourceLocation(line: 4, column: 5), "an absent field: its parent")
        #expect(JobSpecFixtures.relative(file.problem(at: "seeds", "example").description) == "inline.yaml:7:8: seeds: example")
    }

    @Test func theSpecRoundTripsThroughJSON() throws {
        let spec = try JobSpecFixtures.parse(JobSpecFixtures.minimal(extra: "sampler: {guidance: 2.5}")).spec
        let decoded = try JSONDecoder().decode(JobSpec.self, from: try JSONEncoder().encode(spec))
        #expect(decoded == spec)
    }

    @Test(arguments: [
        ("polr", ["polar", "azimuth"], "polar"),
        ("stpe", ["from", "to", "step"], "step"),
        ("Seeds", ["seeds", "sampler"], "seeds"),
        ("box", ["id", "image", "box"], "box"),
        ("colour", ["name", "model", "output"], nil),
        ("xy", ["id", "box"], nil),
    ])
    func suggestionsAreCloseKeysOnly(_ word: String, _ candidates: [String], _ expected: String?) {
        #expect(Suggestion.closest(to: word, among: candidates) == expected)
    }

    @Test func problemsPrintAsFileLineColumnFieldMessage() {
        let error = JobSpecProblem(file: "jobs/x.yaml", location: SourceLocation(line: 12, column: 5), field: "viewpoints.azimuth.step",
                                   message: "must be > 0")
        #expect(error.description == "jobs/x.yaml:12:5: viewpoints.azimuth.step: must be > 0")
        let warning = JobSpecProblem(file: "x.yaml", location: .start, field: "model.checkpoint", message: "no such file", severity: .warning)
        #expect(warning.description == "x.yaml:1:1: warning: model.checkpoint: no such file")
        #expect(JobSpecProblem(file: "x.yaml", location: nil, field: "", message: "no such file").description == "x.yaml: no such file")
    }
}
