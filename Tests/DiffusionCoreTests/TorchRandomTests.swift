import Foundation
import Tensor
import Testing
@testable import DiffusionCore

/// `TorchRandom` against `torch.rand` / `torch.randn` with `torch.Generator().manual_seed(seed)`.
struct TorchRandomTests {
    struct Manifest: Decodable {
        struct Run: Decodable {
            struct Noise: Decodable { let seed: UInt64; let shape: [Int]; let file: String }
            struct Uniform: Decodable { let seed: UInt64; let values: [Float] }
            let capability: String
            let noise: [Noise]
            let uniform: [Uniform]
        }
        let runs: [Run]
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/sampling").standardized.path

    static func manifest() throws -> Manifest {
        let data = try #require(FileManager.default.contents(atPath: folder + "/manifest.json"))
        return try JSONDecoder().decode(Manifest.self, from: data)
    }

    @Test func uniformDrawsAreBitExact() throws {
        for entry in try Self.manifest().runs[0].uniform {
            var random = TorchRandom(seed: entry.seed)
            #expect((0..<entry.values.count).map { _ in random.nextUniform() } == entry.values, "seed \(entry.seed)")
        }
    }

    /// With PyTorch's scalar kernels (C library log/sin/cos) the noise is bit-exact; with its SLEEF
    /// kernels it agrees to a few ulp.
    @Test func normalNoiseMatchesTorchRandn() throws {
        for run in try Self.manifest().runs {
            for entry in run.noise {
                var random = TorchRandom(seed: entry.seed)
                let ours = random.normalTensor(shape: entry.shape).scalars
                let theirs = try NumPyFile.read(path: Self.folder + "/" + entry.file).scalars
                let exact = zip(ours, theirs).filter { $0.bitPattern == $1.bitPattern }.count
                let worst = zip(ours, theirs).map { abs($0 - $1) }.max() ?? 0
                if run.capability == "DEFAULT" {
                    #expect(exact == theirs.count, "seed \(entry.seed) \(entry.shape): \(theirs.count - exact) values differ, max \(worst)")
                } else {
                    #expect(worst < 2e-6, "seed \(entry.seed) \(entry.shape) vs \(run.capability): max abs difference \(worst)")
                }
            }
        }
    }
}
