import DiffusionCore
import FarmProtocol
import Foundation
import ImageIO
import Render

/// The tiny fixtures the engine's tests use (ops/reference/make_pipeline_fixtures.py and
/// make_metric_fixtures.py): a torch.save checkpoint of the tiny preset, its object image, and tiny
/// random DINO and CLIP folders.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures").standardized.path
    static let checkpoint = root + "/pipeline/customnet_tiny.pt"
    static let object = root + "/pipeline/object.png"
    static let objectDigest = digest(ofFileAt: object)
    static let dino = root + "/metrics/dino"
    static let clip = root + "/metrics/clip"
    static let sideView = root + "/metrics/object_side.png"

    /// Loaded once for every test; the generator is Sendable and stateless.
    static let generator = Result {
        try CustomNetGenerator(checkpoint: WeightStore(path: checkpoint), tokenizer: ClipTokenizer(openCLIPMergesFileAt: ClipVocabularyFile.locate()))
    }

    static func digest(ofFileAt path: String) -> String {
        SHA256.hexDigest([UInt8](FileManager.default.contents(atPath: path) ?? Data()))
    }

    /// A task for the fixture object; 4 grid points make 3 sampler steps.
    static func task(imagePath: String = object, imageDigest: String = objectDigest, references: [String] = [],
                     box: WireBox? = WireBox(x0: 6, y0: 10, x1: 58, y1: 60), polar: Double = 15, azimuth: Double = -30,
                     prompt: String = "a photo of a toy robot on the beach", seed: UInt64 = 1234, steps: UInt32 = 4,
                     guidance: Float = 3) -> TaskAssignment {
        TaskAssignment(jobID: "render-tests", outputName: "robot/beach/p\(polar)_a\(azimuth)_s\(seed)", objectID: "robot",
                       imagePath: imagePath, imageDigest: imageDigest, references: references, box: box, polar: polar, azimuth: azimuth,
                       prompt: prompt, promptSlug: "beach", seed: seed, steps: steps, guidance: guidance)
    }

    /// What `customnet render` would be asked for the same task.
    static func request(for task: TaskAssignment, object: RasterImage) -> RenderRequest {
        RenderRequest(object: object, box: task.box.map { Box(x0: $0.x0, y0: $0.y0, x1: $0.x1, y1: $0.y1) },
                      pose: Pose(polar: task.polar, azimuth: task.azimuth), prompt: task.prompt, seed: task.seed,
                      steps: Int(task.steps), guidance: task.guidance)
    }
}

/// A fresh folder under the temporary directory, removed by `remove()`.
struct TemporaryFolder {
    let path = NSTemporaryDirectory() + "render-tests-\(UUID().uuidString)"

    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
