import Foundation
import Testing
@testable import Farm

/// Prompt folder names, and file digests with their cache.
struct JobSpecSlugAndDigestTests {
    @Test(arguments: [
        ("a toy robot on a wooden table", "a-toy-robot-on-a-wooden-table"),
        ("A dog, on the beach!", "a-dog-on-the-beach"),
        ("  --Leading & trailing--  ", "leading-trailing"),
        ("Café crème brûlée à Zürich", "cafe-creme-brulee-a-zurich"),
        ("ﬁsh in a ＦＵＬＬＷＩＤＴＨ tank ①", "fish-in-a-fullwidth-tank-1"),
        ("ΣΊΣΥΦΟΣ and 猫 on a 🚲", "and-on-a"),
        ("猫が机の上にいる", "prompt"),
        ("", "prompt"),
        ("!!!", "prompt"),
        ("3D render, 4K", "3d-render-4k"),
    ])
    func slugs(_ prompt: String, _ expected: String) {
        #expect(PromptSlug.slug(for: prompt) == expected)
    }

    @Test func longPromptsAreCutAtAWordWithinTheLimit() {
        let slug = PromptSlug.slug(for: "a very long prompt describing a scene in great detail with many many words in it")
        #expect(slug == "a-very-long-prompt-describing-a-scene-in-great")
        #expect(slug.count <= PromptSlug.maxLength)
        let oneWord = String(repeating: "x", count: 100)
        #expect(PromptSlug.slug(for: oneWord) == String(repeating: "x", count: 48))
        #expect(PromptSlug.slug(for: "short " + oneWord) == "short-" + String(repeating: "x", count: 42), "no dash to cut at past half")
    }

    @Test func collisionsAreDisambiguatedByContentNotOrder() {
        let prompts = ["A dog!", "a dog", "a cat", "A DOG?"]
        let names = PromptSlug.folderNames(for: prompts)
        #expect(names[2] == "a-cat", "a slug used once stays plain")
        #expect(Set(names).count == 4)
        for (prompt, name) in zip(prompts, names) where prompt != "a cat" {
            #expect(name == "a-dog-" + PromptSlug.shortDigest(of: prompt))
        }
        let reversed = PromptSlug.folderNames(for: prompts.reversed())
        #expect(Array(reversed.reversed()) == names, "the same prompt gets the same name in any order")
        // Long prompts that agree on their first 48 slug characters collide too.
        let long = ["the same long beginning for both of these prompts, then one", "the same long beginning for both of these prompts, then two"]
        let longNames = PromptSlug.folderNames(for: long)
        #expect(longNames[0] != longNames[1] && longNames.allSatisfy { $0.hasPrefix(PromptSlug.slug(for: long[0]) + "-") })
    }

    @Test func theShortDigestIsOfTheNFCForm() {
        #expect(PromptSlug.shortDigest(of: "cafe\u{301}") == PromptSlug.shortDigest(of: "caf\u{e9}"))
        // SHA-256("abc") = ba7816bf…
        #expect(PromptSlug.shortDigest(of: "abc") == "ba7816bf")
    }

    @Test func digestsAreSHA256AndStreamed() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/abc.bin"
        try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try FileDigests().sha256(ofFileAt: path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let big = Data((0..<100_003).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try big.write(to: URL(fileURLWithPath: path))
        #expect(try FileDigests(chunkSize: 1000).sha256(ofFileAt: path) == (try FileDigests().sha256(ofFileAt: path)),
                "chunked reading gives the one-chunk digest")
    }

    @Test func digestsAreCachedUntilTheFileChanges() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/model.bin"
        try Data("first".utf8).write(to: URL(fileURLWithPath: path))
        let digests = FileDigests()
        let first = try digests.sha256(ofFileAt: path)
        #expect(try digests.sha256(ofFileAt: path) == first && digests.cachedCount == 1)
        try Data("second, longer".utf8).write(to: URL(fileURLWithPath: path))
        let second = try digests.sha256(ofFileAt: path)
        #expect(second != first && digests.cachedCount == 2)
        // Same size, later modification time (file times tick in milliseconds on Linux).
        Thread.sleep(forTimeInterval: 0.05)
        try Data("SECOND, LONGER".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try digests.sha256(ofFileAt: path) != second && digests.cachedCount == 3)
    }

    @Test func digestErrorsNameTheFile() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: FileDigestError.self) { try FileDigests().sha256(ofFileAt: folder) }
        do {
            _ = try FileDigests().sha256(ofFileAt: folder + "/gone.bin")
        } catch {
            #expect(error.description == "\(folder)/gone.bin: no such file")
        }
    }

    static func temporaryFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "jobspec-digests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }
}
