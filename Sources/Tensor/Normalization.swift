extension Ops {
    /// Group normalisation as `torch.nn.GroupNorm`: statistics (biased variance) over each group of
    /// `channels / groups` channels and all positions, then a per-channel affine transform.
    /// - Parameters:
    ///   - x: `(n, c, …)`; any number of trailing spatial axes.
    ///   - weight, bias: `(c)`.
    public static func groupNorm(_ x: Tensor, groups: Int, weight: Tensor, bias: Tensor, epsilon: Float = 1e-5) -> Tensor {
        Profiler.measure("groupNorm") {
            precondition(x.shape.count >= 2 && groups >= 1 && x.shape[1] % groups == 0,
                         "groupNorm: \(x.shape[safe: 1].map(String.init) ?? "no") channels in \(x.shape) do not split into \(groups) groups")
            let channels = x.shape[1]
            precondition(weight.shape == [channels] && bias.shape == [channels],
                         "groupNorm: weight \(weight.shape) and bias \(bias.shape) should be [\(channels)]")
            let plane = x.shape.dropFirst(2).reduce(1, *), channelsPerGroup = channels / groups
            let groupSize = channelsPerGroup * plane
            let (y, output) = Tensor.uninitialized(x.shape)
            let input = x.basePointer, gamma = weight.basePointer, beta = bias.basePointer
            let kernels = KernelSet.active
            Compute.parallelFor(x.shape[0] * groups) { item in
                let start = item * groupSize
                let (mean, inverseDeviation) = kernels.meanAndInverseDeviation(input + start, groupSize, epsilon)
                for c in 0..<channelsPerGroup {
                    let channel = (item % groups) * channelsPerGroup + c
                    let scale = gamma[channel] * inverseDeviation, shift = beta[channel] - mean * scale
                    kernels.affine(input + start + c * plane, output + start + c * plane, plane, scale, shift)
                }
            }
            return y
        }
    }

    /// Layer normalisation over the last axis as `torch.nn.LayerNorm`.
    /// - Parameters:
    ///   - x: `(…, c)`.
    ///   - weight, bias: `(c)`.
    public static func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor, epsilon: Float = 1e-5) -> Tensor {
        Profiler.measure("layerNorm") {
            let channels = x.lastDimension
            precondition(weight.shape == [channels] && bias.shape == [channels],
                         "layerNorm: weight \(weight.shape) and bias \(bias.shape) should be [\(channels)] for input \(x.shape)")
            let (y, output) = Tensor.uninitialized(x.shape)
            let input = x.basePointer, gamma = weight.basePointer, beta = bias.basePointer
            let statistics = KernelSet.active.meanAndInverseDeviation
            Compute.parallelFor(x.count / max(channels, 1)) { row in
                let source = input + row * channels, destination = output + row * channels
                let (mean, inverseDeviation) = statistics(source, channels, epsilon)
                for c in 0..<channels { destination[c] = (source[c] - mean) * inverseDeviation * gamma[c] + beta[c] }
            }
            return y
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
