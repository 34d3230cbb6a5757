import Foundation
import Testing
@testable import Farm

/// The broken-spec corpus (`Tests/Fixtures/jobspecs/broken/`): each spec gets exactly the located
/// problems its `.expected` file lists (every mistake, not just the first), and nothing is written.
struct JobSpecCorpusTests {
    static let specs: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: JobSpecFixtures.broken)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(".yaml".count)) }.sorted()
    }()

    @Test func theCorpusHasAtLeastTwentySpecs() {
        #expect(Self.specs.count >= 20, "\(Self.specs)")
    }

    @Test(arguments: specs)
    func eachBrokenSpecGetsItsLocatedProblems(_ name: String) throws {
        let spec = "\(JobSpecFixtures.broken)/\(name).yaml"
        let expectedText = try String(contentsOfFile: "\(JobSpecFixtures.broken)/\(name).expected", encoding: .utf8)
        let expected = expectedText.split(separator: "\n").map(String.init)
        let before = try Self.listing()

        var problems: [JobSpecProblem] = []
        do {
            let file = try JobSpecFile.load(path: spec)
            _ = try JobPlan.make(from: file, digests: FileDigests())
        } catch {
            problems = error.problems
        }

        #expect(problems.map { JobSpecFixtures.relative($0.description) } == expected)
        #expect(problems.allSatisfy { $0.severity == .error && $0.file == spec })
        #expect(problems.allSatisfy { $0.location != nil }, "every problem has a line and column")
        #expect(try Self.listing() == before, "checking a spec writes nothing")
        #expect(!FileManager.default.fileExists(atPath: "\(JobSpecFixtures.broken)/out"))
    }

    /// Every file and folder under the fixtures, with sizes.
    static func listing() throws -> [String] {
        let files = FileManager.default.enumerator(atPath: JobSpecFixtures.folder)?.allObjects as? [String] ?? []
        return try files.sorted().map { path in
            let attributes = try FileManager.default.attributesOfItem(atPath: "\(JobSpecFixtures.folder)/\(path)")
            return "\(path) \(attributes[.size] ?? 0)"
        }
    }
}
