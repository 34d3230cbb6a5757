import Foundation
import Testing
@testable import Farm

/// Paths and helpers shared by the job spec tests.
enum JobSpecFixtures {
    /// `Tests/Fixtures/jobspecs`, absolute.
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/jobspecs").standardizedFileURL.path
    /// The broken-spec corpus: `NAME.yaml` with its expected problems in `NAME.expected`.
    static let broken = folder + "/broken"
    /// The repository's `jobs/` folder.
    static let jobs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../jobs").standardizedFileURL.path
    /// A small file standing in for a checkpoint (tests only digest it).
    static let checkpoint = folder + "/stand-in-checkpoint.bin"

    /// A spec whose relative paths are those of the fixture folder (`objects/pattern.png`,
    /// `stand-in-checkpoint.bin`), checked from text.
    static func parse(_ yaml: String, checkModelFiles: Bool = true) throws(JobSpecError) -> JobSpecFile {
        try JobSpecFile.parse(yaml: yaml, path: folder + "/inline.yaml", checkModelFiles: checkModelFiles)
    }

    /// The problems of a spec that must not load, as lines with the fixture folder left out.
    static func problems(_ yaml: String, checkModelFiles: Bool = true) -> [String] {
        do {
            _ = try parse(yaml, checkModelFiles: checkModelFiles)
            return []
        } catch {
            return error.problems.map { relative($0.description) }
        }
    }

    /// `line` with the fixture folder's absolute path (and the `/` after it) removed.
    static func relative(_ line: String) -> String {
        line.replacingOccurrences(of: folder + "/", with: "")
    }

    /// A valid spec with every required field, `extra` lines appended at the top level.
    static func minimal(prompts: String = "[a cube]", extra: String = "") -> String {
        """
        name: minimal
        model: {checkpoint: stand-in-checkpoint.bin, preset: tiny}
        objects:
          - {id: cube, image: objects/pattern.png}
        viewpoints: {polar: [0], azimuth: [0]}
        prompts: \(prompts)
        seeds: [1]
        \(extra)
        """
    }
}
