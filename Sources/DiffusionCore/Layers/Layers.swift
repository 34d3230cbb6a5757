import Tensor

/// `torch.nn.Linear`: parameters `weight` (out, in) and optionally `bias` (out).
public struct Linear: Sendable {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ parameters: ParameterSource, input: Int, output: Int, bias hasBias: Bool = true) {
        weight = parameters.tensor("weight", shape: [output, input])
        bias = hasBias ? parameters.tensor("bias", shape: [output]) : nil
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { Ops.linear(x, weight: weight, bias: bias) }
}

/// `torch.nn.Conv2d` (square kernel): `weight` (out, in, k, k) and optionally `bias` (out).
public struct Conv2d: Sendable {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int
    public let padding: Padding
    /// Its Winograd filters, kept when `Compute.keepsWinogradFilters` is on.
    let filterCache = WinogradFilterCache()

    public init(_ parameters: ParameterSource, input: Int, output: Int, kernel: Int, stride: Int = 1,
                padding: Padding? = nil, bias hasBias: Bool = true) {
        weight = parameters.tensor("weight", shape: [output, input, kernel, kernel])
        bias = hasBias ? parameters.tensor("bias", shape: [output]) : nil
        self.stride = stride
        self.padding = padding ?? .all(kernel / 2)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        Ops.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding,
                   filterCache: Compute.keepsWinogradFilters ? filterCache : nil)
    }
}

/// `torch.nn.GroupNorm` with affine `weight` and `bias` (channels).
public struct GroupNorm: Sendable {
    public let weight: Tensor
    public let bias: Tensor
    public let groups: Int
    public let epsilon: Float

    public init(_ parameters: ParameterSource, channels: Int, groups: Int = 32, epsilon: Float) {
        weight = parameters.tensor("weight", shape: [channels])
        bias = parameters.tensor("bias", shape: [channels])
        self.groups = groups
        self.epsilon = epsilon
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        Ops.groupNorm(x, groups: groups, weight: weight, bias: bias, epsilon: epsilon)
    }
}

/// `torch.nn.LayerNorm` over the last axis with affine `weight` and `bias`.
public struct LayerNorm: Sendable {
    public let weight: Tensor
    public let bias: Tensor
    public let epsilon: Float

    public init(_ parameters: ParameterSource, channels: Int, epsilon: Float = 1e-5) {
        weight = parameters.tensor("weight", shape: [channels])
        bias = parameters.tensor("bias", shape: [channels])
        self.epsilon = epsilon
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { Ops.layerNorm(x, weight: weight, bias: bias, epsilon: epsilon) }
}
