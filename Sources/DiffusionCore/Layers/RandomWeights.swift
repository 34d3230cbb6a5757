import Tensor

/// Random parameters in the official layout, for tests, demos and benchmarks where real weights are
/// not at hand. Values depend only on the seed and the parameter's name, so a model and a file written
/// from the same seed agree.
///
/// Rules, by name and rank: normalisation weights (`…norm….weight`, `ln_….weight`, 1-D) are
/// 1 + 0.1·u; other 1-D tensors (biases, class embeddings) 0.02·u; matrices and kernels u/√fan-in, where
/// u is uniform with unit variance. A model built this way runs stably through many layers.
public enum RandomWeights {
    public static func tensor(named name: String, shape: [Int], seed: UInt64) -> Tensor {
        var state = seed ^ 0x9E37_79B9_7F4A_7C15
        for byte in name.utf8 { state = (state ^ UInt64(byte)) &* 0x100_0000_01B3 }
        let count = shape.reduce(1, *)
        let fanIn = shape.count >= 2 ? shape.dropFirst().reduce(1, *) : 1
        let lastComponent = name.split(separator: ".").dropLast().last.map(String.init) ?? ""
        let isNormWeight = shape.count == 1 && name.hasSuffix("weight") && (lastComponent.contains("norm") || lastComponent.hasPrefix("ln"))
        let scale: Float = shape.count >= 2 ? 1 / Float(max(fanIn, 1)).squareRoot() : (isNormWeight ? 0.1 : 0.02)
        let offset: Float = isNormWeight ? 1 : 0
        var tensor = Tensor(zeros: shape)
        tensor.withUnsafeMutableBufferPointer { values in
            for i in 0..<count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                // 24 random bits → uniform on [−√3, √3): unit variance.
                let unit = Float(state >> 40) * 0x1p-24 * 2 - 1
                values[i] = offset + scale * 1.7320508 * unit
            }
        }
        return tensor
    }
}
