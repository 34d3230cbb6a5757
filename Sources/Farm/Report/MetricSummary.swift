import Foundation

/// The per-image metrics a report aggregates (docs: shared/design/encoders-and-metrics.md §1).
public enum ReportMetric: String, Sendable, CaseIterable {
    /// Mean cosine of DINO ViT-S/16 embeddings, generated image vs the object's reference images.
    case dinoI = "dino_i"
    /// The same with CLIP image embeddings.
    case clipI = "clip_i"
    /// Cosine of the CLIP image embedding with the CLIP text embedding of the prompt.
    case clipT = "clip_t"

    /// The name papers use.
    public var title: String {
        switch self {
        case .dinoI: "DINO-I"
        case .clipI: "CLIP-I"
        case .clipT: "CLIP-T"
        }
    }

    /// This metric's value in `details`.
    public func value(in details: ResultDetails) -> Double? {
        switch self {
        case .dinoI: details.dinoI
        case .clipI: details.clipI
        case .clipT: details.clipT
        }
    }
}

/// Mean and standard deviation of one metric over a group of images.
public struct MetricSummary: Sendable, Equatable, Codable {
    /// Images with a value.
    public var count: Int
    public var mean: Double
    /// The population standard deviation (divides by `count`, as NumPy's `std` does); 0 for one image.
    public var std: Double

    /// The summary of `values`; nil when there are none.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        self.init(count: values.count, mean: mean, std: variance.squareRoot())
    }

    public init(count: Int, mean: Double, std: Double) {
        self.count = count
        self.mean = mean
        self.std = std
    }

    /// `0.712 ± 0.034`.
    public var formatted: String { String(format: "%.3f ± %.3f", mean, std) }
}
