import Tensor

/// How a ViT resizes its patch position embeddings for an input whose patch grid differs from the one
/// it was trained on (encoders-and-metrics §2.5). Both conventions are `F.interpolate(mode="bicubic",
/// align_corners=False)` — Keys' cubic with a = −0.75, pixel centres aligned, indices clamped at the
/// borders, no antialiasing — and differ only in the sampling step.
public enum PositionEmbeddingInterpolation: Sendable, Equatable {
    /// transformers' `ViTEmbeddings.interpolate_pos_encoding`: `size=(rows, columns)`, so the step is
    /// `old / new`.
    case huggingFace
    /// facebookresearch/dino's `VisionTransformer.interpolate_pos_encoding`:
    /// `scale_factor=((rows + 0.1) / old, (columns + 0.1) / old)`, so the step is `old / (new + 0.1)`.
    case dinoRepository

    /// The position embeddings of the patches of a `rows × columns` grid.
    /// - Parameters:
    ///   - patches: `(old · old, channels)`, the trained embeddings of a square grid in row-major order.
    ///   - rows, columns: the new grid; when it equals the old one the embeddings come back unchanged.
    /// - Returns: `(rows · columns, channels)`.
    public func resample(_ patches: Tensor, rows: Int, columns: Int) -> Tensor {
        precondition(patches.shape.count == 2, "resample: \(patches.shape) should be (positions, channels)")
        let (count, channels) = (patches.shape[0], patches.shape[1])
        let old = Int(Double(count).squareRoot().rounded())
        precondition(old * old == count && rows >= 1 && columns >= 1, "resample: \(patches.shape) is not a square grid of embeddings, or \(rows) × \(columns) is empty")
        if rows == old && columns == old { return patches }
        let rowTaps = taps(old: old, new: rows), columnTaps = taps(old: old, new: columns)
        var output = Tensor(zeros: [rows * columns, channels])
        output.withUnsafeMutableBufferPointer { destination in
            patches.withUnsafeBufferPointer { source in
                var sums = [Double](repeating: 0, count: channels)
                for row in 0..<rows {
                    for column in 0..<columns {
                        for channel in 0..<channels { sums[channel] = 0 }
                        for (sourceRow, rowWeight) in zip(rowTaps[row].indices, rowTaps[row].weights) {
                            for (sourceColumn, columnWeight) in zip(columnTaps[column].indices, columnTaps[column].weights) {
                                let weight = rowWeight * columnWeight, base = (sourceRow * old + sourceColumn) * channels
                                for channel in 0..<channels { sums[channel] += weight * Double(source[base + channel]) }
                            }
                        }
                        let base = (row * columns + column) * channels
                        for channel in 0..<channels { destination[base + channel] = Float(sums[channel]) }
                    }
                }
            }
        }
        return output
    }

    /// For each new index: the four clamped old indices and their cubic weights, as PyTorch's
    /// `upsample_bicubic2d` computes them (`source = step · (index + ½) − ½`, not clamped at 0).
    private func taps(old: Int, new: Int) -> [(indices: [Int], weights: [Double])] {
        let step: Double = switch self {
        case .huggingFace: Double(old) / Double(new)
        case .dinoRepository: 1 / ((Double(new) + 0.1) / Double(old))
        }
        let a = -0.75
        func near(_ t: Double) -> Double { ((a + 2) * t - (a + 3)) * t * t + 1 }
        func far(_ t: Double) -> Double { ((a * t - 5 * a) * t + 8 * a) * t - 4 * a }
        return (0..<new).map { index in
            let real = step * (Double(index) + 0.5) - 0.5
            let base = Int(real.rounded(.down))
            let t = real - Double(base)
            return ((-1...2).map { min(max(base + $0, 0), old - 1) }, [far(t + 1), near(t), near(1 - t), far(2 - t)])
        }
    }
}
