import Foundation
import Testing
@testable import Farm

/// Expansion into tasks: counts, order, names, and ids that stay put when the pixels would.
struct JobSpecExpansionTests {
    static let sweep = """
        name: sweep
        model: {checkpoint: stand-in-checkpoint.bin, preset: tiny}
        objects:
          - {id: cube, image: objects/pattern.png, box: [8, 8, 56, 56]}
          - {id: photo, image: objects/photo.jpg}
        viewpoints:
          polar: [0, 15]
          azimuth: [-30, 7.5]
        prompts:
          - on a table
          - in the snow
          - on the beach
        seeds: [1, 2]
        """

    static func plan(_ yaml: String, digests: FileDigests = FileDigests()) throws -> JobPlan {
        try JobPlan.make(from: JobSpecFixtures.parse(yaml), digests: digests)
    }

    /// Task id by task name.
    static func ids(_ plan: JobPlan) -> [String: String] {
        Dictionary(uniqueKeysWithValues: plan.tasks.map { ($0.name, $0.id) })
    }

    @Test func theGridExpandsObjectsOutermostSeedsInnermost() throws {
        let plan = try Self.plan(Self.sweep)
        #expect(plan.tasks.count == 2 * 2 * 2 * 3 * 2)
        #expect(plan.spec.taskCount == plan.tasks.count)
        #expect(plan.tasks.prefix(3).map(\.name) == ["cube/on-a-table/p0_a-30_s1", "cube/on-a-table/p0_a-30_s2", "cube/in-the-snow/p0_a-30_s1"])
        #expect(plan.tasks.last?.name == "photo/on-the-beach/p15_a7.5_s2")
        #expect(Set(plan.tasks.map(\.id)).count == plan.tasks.count, "ids are unique")
        #expect(Set(plan.tasks.map(\.name)).count == plan.tasks.count, "names are unique")
        #expect(plan.tasks.allSatisfy { $0.id.count == 64 && $0.id.allSatisfy(\.isHexDigit) })
    }

    @Test func tasksCarryPlainValues() throws {
        let plan = try Self.plan(Self.sweep)
        let task = try #require(plan.tasks.first)
        #expect(task.objectID == "cube" && task.imagePath == JobSpecFixtures.folder + "/objects/pattern.png")
        #expect(task.box == PixelBox(x0: 8, y0: 8, x1: 56, y1: 56) && task.references.isEmpty)
        #expect(task.polar == 0 && task.azimuth == -30 && task.prompt == "on a table" && task.promptSlug == "on-a-table")
        #expect(task.seed == 1 && task.steps == 50 && task.guidance == 3)
        #expect(task.imageDigest == (try FileDigests().sha256(ofFileAt: task.imagePath)))
        #expect(plan.modelDigest == (try FileDigests().sha256(ofFileAt: JobSpecFixtures.checkpoint)))
        #expect(plan.tasks.last?.box == nil)
    }

    @Test func theSameSpecGivesTheSameIds() throws {
        let first = try Self.plan(Self.sweep)
        let second = try Self.plan(Self.sweep, digests: FileDigests())
        #expect(first.tasks == second.tasks)
    }

    @Test func editingOnePromptChangesOnlyItsIds() throws {
        let before = try Self.plan(Self.sweep)
        let after = try Self.plan(Self.sweep.replacingOccurrences(of: "in the snow", with: "in the snow at dusk"))
        let kept = before.tasks.filter { $0.prompt != "in the snow" }
        let afterIDs = Set(after.tasks.map(\.id))
        #expect(kept.allSatisfy { afterIDs.contains($0.id) }, "the other prompts' tasks keep their ids")
        let new = after.tasks.filter { $0.prompt == "in the snow at dusk" }
        #expect(new.count == 16 && Set(new.map(\.id)).isDisjoint(with: before.tasks.map(\.id)))
        #expect(afterIDs.subtracting(before.tasks.map(\.id)).count == 16, "only the edited prompt's cells are new")
    }

    @Test func addingASeedAddsOnlyItsCells() throws {
        let before = try Self.plan(Self.sweep)
        let after = try Self.plan(Self.sweep.replacingOccurrences(of: "seeds: [1, 2]", with: "seeds: [1, 2, 3]"))
        let old = Set(before.tasks.map(\.id)), new = Set(after.tasks.map(\.id))
        #expect(old.isSubset(of: new) && new.count - old.count == 24)
    }

    @Test func reorderingListsDoesNotChangeIds() throws {
        let reordered = """
            name: sweep-reordered
            model: {preset: tiny, checkpoint: stand-in-checkpoint.bin}
            seeds: [2, 1]
            prompts:
              - on the beach
              - on a table
              - in the snow
            objects:
              - {id: photo, image: objects/photo.jpg}
              - {box: [56, 56, 8, 8], image: objects/pattern.png, id: cube}
            viewpoints:
              azimuth: [7.5, -30]
              polar: [15, 0]
            retries: 9
            priority: 100
            output: elsewhere
            """
        #expect(Self.ids(try Self.plan(reordered)) == Self.ids(try Self.plan(Self.sweep)))
    }

    @Test func idsFollowContentsNotNames() throws {
        let base = Self.ids(try Self.plan(Self.sweep))
        let renamed = try Self.plan(Self.sweep.replacingOccurrences(of: "id: cube,", with: "id: block,"))
        #expect(Set(renamed.tasks.map(\.id)) == Set(base.values), "an object id is a name, not content")
        let reboxed = try Self.plan(Self.sweep.replacingOccurrences(of: "box: [8, 8, 56, 56]", with: "box: [8, 8, 56, 57]"))
        #expect(Set(reboxed.tasks.filter { $0.objectID == "photo" }.map(\.id)).isSubset(of: Set(base.values)))
        #expect(Set(reboxed.tasks.filter { $0.objectID == "cube" }.map(\.id)).isDisjoint(with: Set(base.values)))
    }

    @Test func aWholeFrameBoxIsTheSameAsNoBox() throws {
        let boxed = try Self.plan(Self.sweep.replacingOccurrences(of: "image: objects/photo.jpg}", with: "image: objects/photo.jpg, box: [64, 64, 0, 0]}"))
        let base = try Self.plan(Self.sweep)
        #expect(Self.ids(boxed) == Self.ids(base))
        #expect(boxed.tasks.last?.box == nil)
    }

    @Test func samplerSettingsChangeEveryId() throws {
        let base = Set(try Self.plan(Self.sweep).tasks.map(\.id))
        let steps = Set(try Self.plan(Self.sweep + "\nsampler: {steps: 30}").tasks.map(\.id))
        let guidance = Set(try Self.plan(Self.sweep + "\nsampler: {guidance: 3.5}").tasks.map(\.id))
        #expect(steps.isDisjoint(with: base) && guidance.isDisjoint(with: base))
        let sameFloat = Set(try Self.plan(Self.sweep + "\nsampler: {guidance: 3.00000000001}").tasks.map(\.id))
        #expect(sameFloat == base, "guidance is hashed at the sampler's 32-bit precision")
    }

    @Test func theEncodingIsTheDocumentedOne() {
        let encoding = TaskIdentity.encoding(
            modelDigest: "9372c470eeadd5ecd9c3c74c2b3cb633f8e2f2fad799250a0f70d652b6b825e4",
            imageDigest: "2958d416d08aa5a472d7b509036cb7eafd542add84527e66a145ea64cb4cdc75",
            box: PixelBox(x0: 8, y0: 8, x1: 56, y1: 56), polar: 15, azimuth: -30, prompt: "a toy on a table", seed: 1234, steps: 50,
            guidance: 3)
        #expect(String(decoding: encoding, as: UTF8.self) == """
            customnet-task-v1
            model 9372c470eeadd5ecd9c3c74c2b3cb633f8e2f2fad799250a0f70d652b6b825e4
            object 2958d416d08aa5a472d7b509036cb7eafd542add84527e66a145ea64cb4cdc75
            box 8 8 56 56
            polar 402e000000000000
            azimuth c03e000000000000
            prompt 16 a toy on a table
            seed 1234
            steps 50
            guidance 40400000

            """)
        // Computed independently: Python's hashlib over the same bytes.
        #expect(TaskIdentity.id(of: encoding) == "6737d6369f3f1b04affbe2f0043df0b5e9d49dbce4a6ffe8e21ceac21b8b1eb7")
    }

    @Test func theEncodingNormalisesWhatDoesNotChangePixels() {
        func id(box: PixelBox? = nil, polar: Double = 0, prompt: String = "café") -> String {
            TaskIdentity.id(of: TaskIdentity.encoding(modelDigest: "m", imageDigest: "o", box: box, polar: polar, azimuth: 0,
                                                      prompt: prompt, seed: 0, steps: 50, guidance: 3))
        }
        #expect(id(polar: -0.0) == id(polar: 0))
        #expect(id(prompt: "cafe\u{301}") == id(prompt: "caf\u{e9}"), "prompts are hashed in NFC")
        #expect(id(box: PixelBox(x0: 9, y0: 9, x1: 1, y1: 1)) == id(box: PixelBox(x0: 1, y0: 1, x1: 9, y1: 9)))
        #expect(id(box: PixelBox(x0: 0, y0: 0, x1: 64, y1: 64)) != id(), "the caller maps a whole-frame box to nil")
        let encoded = String(decoding: TaskIdentity.encoding(modelDigest: "m", imageDigest: "o", box: nil, polar: 0, azimuth: 0,
                                                             prompt: "é", seed: 0, steps: 2, guidance: 0), as: UTF8.self)
        #expect(encoded.contains("box full\n") && encoded.contains("prompt 2 é\n") && encoded.contains("guidance 00000000\n"))
    }

    @Test func namesShowAnglesPlainly() throws {
        let yaml = JobSpecFixtures.minimal().replacingOccurrences(
            of: "viewpoints: {polar: [0], azimuth: [0]}", with: "viewpoints: {polar: [-7.5, 0.1], azimuth: [-180, 1e-5]}")
        let names = try JobSpecFixtures.parse(yaml).spec.cells().map(\.name)
        #expect(names == ["cube/a-cube/p-7.5_a-180_s1", "cube/a-cube/p-7.5_a1e-05_s1", "cube/a-cube/p0.1_a-180_s1", "cube/a-cube/p0.1_a1e-05_s1"])
    }

    @Test func collidingSlugsGetDistinctFolders() throws {
        let yaml = JobSpecFixtures.minimal(prompts: #"["A cube!", "a cube", "a cube?", "another"]"#)
        let plan = try Self.plan(yaml)
        let slugs = Array(Set(plan.tasks.map(\.promptSlug))).sorted()
        #expect(slugs.count == 4)
        #expect(slugs.last == "another")
        #expect(slugs.dropLast().allSatisfy { $0.hasPrefix("a-cube-") && $0.count == "a-cube-".count + 8 })
    }

    @Test func anEstimateFollowsThePresetAndSteps() throws {
        let spec = try JobSpecFixtures.parse(Self.sweep).spec
        #expect(spec.estimatedRenderSeconds == 48 * PresetFacts.tiny.secondsPerImageAt50Steps)
        #expect(PresetFacts.customNetV1.secondsPerImage(steps: 99) == 200, "98 UNet steps instead of 49")
        #expect(PresetFacts.named("customnet-v1")?.imageSize == 256 && PresetFacts.named("tiny")?.imageSize == 64)
    }
}
