/// A sweep to render, as a job spec file describes it (`jobs/README.md` documents every field): a model,
/// objects, and the grid objects × polar × azimuth × prompts × seeds, each cell one image.
///
/// Values are checked and complete: defaults are filled in, `{from, to, step}` ranges are expanded to
/// their values, corners of boxes are sorted, and paths are absolute (resolved against the spec
/// file's folder). Load one with `JobSpecFile.load(path:checkModelFiles:)`; expand it into tasks with
/// `JobPlan.make(from:digests:)`. The `Codable` form (JSON) is this normalised value, not the YAML.
public struct JobSpec: Codable, Sendable, Equatable {
    /// The job's name and identity: submitting a spec with the same name again resumes that job.
    /// Letters, digits, `.`, `_`, `-`; at most 64 characters; starts with a letter or digit.
    public var name: String
    /// The CustomNet checkpoint and its architecture.
    public var model: ModelFiles
    /// Encoders for the per-image metrics (DINO-I, CLIP-I, CLIP-T); nil when the job computes none.
    public var metrics: MetricEncoders?
    /// The objects to place, each rendered at every viewpoint, prompt and seed. Ids are unique.
    public var objects: [ObjectSpec]
    /// The viewpoint changes: every polar angle with every azimuth.
    public var viewpoints: Viewpoints
    /// Background / scene prompts, distinct (compared as Swift strings: canonically equivalent Unicode is equal).
    public var prompts: [String]
    /// Seeds of the initial noise, distinct, each in 0…2^63−1.
    public var seeds: [UInt64]
    /// DDIM steps and guidance, shared by every task.
    public var sampler: SamplerSettings
    /// How many times a failed task is retried before it is marked failed (0…100; default 3).
    public var retries: Int
    /// Scheduling priority, higher first (−1000…1000; default 0).
    public var priority: Int
    /// The folder the job's images and reports go to (default `out/<name>` beside the spec file).
    public var output: String

    /// Number of tasks (images) the job expands to; `Int.max` if the product overflows (a loaded spec
    /// has at most `JobSpecLimits.maxTasks`).
    public var taskCount: Int {
        [objects.count, viewpoints.polar.count, viewpoints.azimuth.count, prompts.count, seeds.count].reduce(1) { product, factor in
            let (result, overflow) = product.multipliedReportingOverflow(by: factor)
            return overflow ? Int.max : result
        }
    }
}

/// The model a job renders with.
public struct ModelFiles: Codable, Sendable, Equatable {
    /// The checkpoint in the official layout: `customnet_v1.pt` or a `.safetensors` file with the same keys.
    public var checkpoint: String
    /// The architecture: `tiny` or `customnet-v1` (see `PresetFacts`).
    public var preset: String
}

/// Where the metric encoders are; each is a file or a Hugging Face model folder.
public struct MetricEncoders: Codable, Sendable, Equatable {
    /// DINO ViT-S/16 (`dino_deitsmall16_pretrain.pth` or a model folder), for DINO-I; nil to skip it.
    public var dino: String?
    /// CLIP ViT-B/32 model folder, for CLIP-I and CLIP-T; nil to skip them.
    public var clip: String?
}

/// One object to customise.
public struct ObjectSpec: Codable, Sendable, Equatable {
    /// Unique within the job; names the object's image folder. Letters, digits, `.`, `_`, `-`; at most 64.
    public var id: String
    /// The object image (PNG or JPEG, any size; RGBA is composited onto white by the engine).
    public var image: String
    /// Where the object goes in the output frame; nil for the whole frame.
    public var box: PixelBox?
    /// Extra reference images for the identity metrics (the object image is always one).
    public var references: [String]
}

/// A box in pixels of the model's square frame: columns `x0 ..< x1`, rows `y0 ..< y1`, with
/// `x0 ≤ x1` and `y0 ≤ y1` (corners given in either order are sorted, as `customnet render --box` does).
public struct PixelBox: Codable, Sendable, Hashable, CustomStringConvertible {
    public var x0, y0, x1, y1: Int

    /// A box from two corners in any order.
    public init(x0: Int, y0: Int, x1: Int, y1: Int) {
        (self.x0, self.y0, self.x1, self.y1) = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    }

    /// `x0,y0,x1,y1`, the form `customnet render --box` takes.
    public var description: String { "\(x0),\(y0),\(x1),\(y1)" }

    /// Whether the box is the whole `size × size` frame (the same pixels as no box).
    public func isWholeFrame(_ size: Int) -> Bool { x0 == 0 && y0 == 0 && x1 == size && y1 == size }
}

/// The viewpoint grid: each polar angle with each azimuth, in degrees (CustomNet's convention:
/// polar is the elevation change in −90…90, azimuth the rotation around the object).
public struct Viewpoints: Codable, Sendable, Equatable {
    /// Distinct polar angles in −90…90.
    public var polar: [Double]
    /// Distinct finite azimuth angles.
    public var azimuth: [Double]

}

/// The DDIM sampler settings of every task.
public struct SamplerSettings: Codable, Sendable, Equatable {
    /// DDIM grid points, 2…1000 (the official sampler runs one fewer; default 50).
    public var steps: Int
    /// Classifier-free guidance scale, finite as a 32-bit float (default 3).
    public var guidance: Float

    /// The defaults: 50 steps, guidance 3, as CustomNet's demo.
    public static let defaults = SamplerSettings(steps: 50, guidance: 3)
}
