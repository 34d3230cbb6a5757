// The arithmetic of DINO-I, CLIP-I and CLIP-T (encoders-and-metrics §1): cosines of L2-normalised
// embeddings, per image, and their means and standard deviations by group. Pure values, no models.

/// An embedding scaled to unit length, in Double: the form every metric compares. It cannot hold NaN
/// or infinite values, nor be the zero vector.
public struct UnitEmbedding: Sendable, Equatable {
    /// The unit vector.
    public let values: [Double]

    /// `raw / ‖raw‖`, or an error naming `source` (the image or prompt) and `model` when `raw` holds a NaN
    /// or infinite value or is zero, so that no score silently becomes NaN.
    public init(_ raw: [Float], source: String, model: String) throws(MetricError) {
        guard raw.allSatisfy(\.isFinite) else {
            throw MetricError(path: source, problem: "the \(model) embedding holds NaN or infinite values")
        }
        let norm = raw.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard norm > 0 else { throw MetricError(path: source, problem: "the \(model) embedding is the zero vector") }
        values = raw.map { Double($0) / norm }
    }

    /// The cosine similarity with `other`, which must have the same dimension.
    public func cosine(_ other: UnitEmbedding) -> Double {
        precondition(values.count == other.values.count, "cosine: dimensions \(values.count) and \(other.values.count) differ")
        return zip(values, other.values).reduce(0) { $0 + $1.0 * $1.1 }
    }
}

/// An image's embeddings under both metric encoders.
public struct ImageEmbeddings: Sendable, Equatable {
    /// The DINO CLS embedding, normalised.
    public let dino: UnitEmbedding
    /// The CLIP image embedding, normalised.
    public let clip: UnitEmbedding

    /// Both embeddings of one image.
    public init(dino: UnitEmbedding, clip: UnitEmbedding) {
        self.dino = dino
        self.clip = clip
    }
}

/// One generated image's scores. In JSON: `{"dino_i": …, "clip_i": …, "clip_t": …}`, `clip_t` only when
/// a prompt was scored.
public struct ImageScores: Sendable, Equatable, Codable {
    /// DINO-I: the mean over the references of the cosine between DINO embeddings.
    public var dinoI: Double
    /// CLIP-I: the mean over the references of the cosine between CLIP image embeddings.
    public var clipI: Double
    /// CLIP-T: the cosine between the CLIP image embedding and the prompt's CLIP text embedding (in
    /// [−1, 1], as the papers report it; not torchmetrics' `CLIPScore`, which is max(100 · cos, 0)).
    public var clipT: Double?

    enum CodingKeys: String, CodingKey {
        case dinoI = "dino_i", clipI = "clip_i", clipT = "clip_t"
    }

    /// Scores already computed (e.g. read back from a report).
    public init(dinoI: Double, clipI: Double, clipT: Double?) {
        self.dinoI = dinoI
        self.clipI = clipI
        self.clipT = clipT
    }

    /// The scores of `generated` against an object's `references` (at least one) and, when given, its
    /// prompt's CLIP text embedding. With several references DINO-I and CLIP-I are the means of the
    /// pairwise cosines, as in DreamBooth's "average pairwise cosine similarity".
    public init(generated: ImageEmbeddings, references: [ImageEmbeddings], prompt: UnitEmbedding?) {
        precondition(!references.isEmpty, "ImageScores: an object needs at least one reference image")
        let count = Double(references.count)
        dinoI = references.reduce(0) { $0 + generated.dino.cosine($1.dino) } / count
        clipI = references.reduce(0) { $0 + generated.clip.cosine($1.clip) } / count
        clipT = prompt.map { generated.clip.cosine($0) }
    }
}

/// The count, mean and standard deviation of a set of scores. The standard deviation is the population
/// one (NumPy's `std`, ddof 0): 0 for a single score.
public struct ScoreStatistics: Sendable, Equatable, Codable {
    /// How many scores.
    public var count: Int
    /// Their arithmetic mean.
    public var mean: Double
    /// Their population standard deviation (`"std"` in JSON).
    public var standardDeviation: Double

    enum CodingKeys: String, CodingKey {
        case count, mean, standardDeviation = "std"
    }

    /// The statistics of `values`; nil when there are none.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        count = values.count
        mean = values.reduce(0, +) / Double(count)
        let mean = mean
        standardDeviation = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count)).squareRoot()
    }
}

/// The statistics of each metric over a set of images. CLIP-T is over the images that have one, and
/// nil when none has.
public struct MetricSummary: Sendable, Equatable, Codable {
    /// DINO-I over the images.
    public var dinoI: ScoreStatistics
    /// CLIP-I over the images.
    public var clipI: ScoreStatistics
    /// CLIP-T over the images scored against a prompt.
    public var clipT: ScoreStatistics?

    enum CodingKeys: String, CodingKey {
        case dinoI = "dino_i", clipI = "clip_i", clipT = "clip_t"
    }

    /// The summary of `scores`; nil when there are none.
    public init?(_ scores: [ImageScores]) {
        guard let dinoI = ScoreStatistics(scores.map(\.dinoI)), let clipI = ScoreStatistics(scores.map(\.clipI)) else { return nil }
        self.dinoI = dinoI
        self.clipI = clipI
        clipT = ScoreStatistics(scores.compactMap(\.clipT))
    }

    /// The means alone, as one `ImageScores`: the `"mean"` of `customnet score --json`.
    public var means: ImageScores { ImageScores(dinoI: dinoI.mean, clipI: clipI.mean, clipT: clipT?.mean) }
}

/// What a generated image was made from, by which its scores are grouped.
public struct ScoreLabels: Sendable, Hashable, Codable {
    /// The object (its reference image set), e.g. a DreamBench subject.
    public var object: String
    /// The prompt the image was generated with.
    public var prompt: String
    /// The viewpoint it was asked for, as the caller names it (e.g. `"polar 10, azimuth -20"`).
    public var viewpoint: String

    /// The labels of one image.
    public init(object: String, prompt: String, viewpoint: String) {
        self.object = object
        self.prompt = prompt
        self.viewpoint = viewpoint
    }
}

/// A generated image's scores with its labels.
public struct LabelledScores: Sendable, Equatable, Codable {
    /// What the image was made from.
    public var labels: ScoreLabels
    /// What it scored.
    public var scores: ImageScores

    /// One labelled image.
    public init(labels: ScoreLabels, scores: ImageScores) {
        self.labels = labels
        self.scores = scores
    }
}

/// The summaries an evaluation report shows: overall, and per object, per prompt and per viewpoint.
public struct ScoreAggregate: Sendable, Equatable, Codable {
    /// Every image together.
    public var overall: MetricSummary
    /// Keyed by `ScoreLabels.object`.
    public var byObject: [String: MetricSummary]
    /// Keyed by `ScoreLabels.prompt`.
    public var byPrompt: [String: MetricSummary]
    /// Keyed by `ScoreLabels.viewpoint`.
    public var byViewpoint: [String: MetricSummary]

    enum CodingKeys: String, CodingKey {
        case overall, byObject = "by_object", byPrompt = "by_prompt", byViewpoint = "by_viewpoint"
    }

    /// The aggregate of `images`; nil when there are none.
    public init?(_ images: [LabelledScores]) {
        guard let overall = MetricSummary(images.map(\.scores)) else { return nil }
        func grouped(by label: (ScoreLabels) -> String) -> [String: MetricSummary] {
            Dictionary(grouping: images, by: { label($0.labels) }).mapValues { MetricSummary($0.map(\.scores))! }
        }
        self.overall = overall
        byObject = grouped(by: \.object)
        byPrompt = grouped(by: \.prompt)
        byViewpoint = grouped(by: \.viewpoint)
    }
}

/// What `customnet score --json` prints, the format scripts and the farm share:
/// `{"images": [{"path": …, "dino_i": …, "clip_i": …, "clip_t": …}], "mean": {"dino_i": …, …}}`, with
/// `clip_t` only when a prompt was scored.
public struct ScoreReport: Sendable, Equatable, Codable {
    /// One generated image's path and scores.
    public struct Image: Sendable, Equatable, Codable {
        /// The image file, as it was given.
        public var path: String
        /// Its scores, flattened beside `path` in JSON.
        public var scores: ImageScores

        /// One image's entry.
        public init(path: String, scores: ImageScores) {
            self.path = path
            self.scores = scores
        }

        enum CodingKeys: String, CodingKey { case path }

        /// Reads `{"path": …, "dino_i": …, …}`.
        public init(from decoder: any Decoder) throws {
            path = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .path)
            scores = try ImageScores(from: decoder)
        }

        /// Writes `{"path": …, "dino_i": …, …}`.
        public func encode(to encoder: any Encoder) throws {
            var fields = encoder.container(keyedBy: CodingKeys.self)
            try fields.encode(path, forKey: .path)
            try scores.encode(to: encoder)
        }
    }

    /// Every scored image, in the order given.
    public var images: [Image]
    /// The mean of each metric over `images`.
    public var mean: ImageScores

    /// The report of `images` (at least one).
    public init(images: [Image]) {
        precondition(!images.isEmpty, "ScoreReport: no images")
        self.images = images
        mean = MetricSummary(images.map(\.scores))!.means
    }
}
