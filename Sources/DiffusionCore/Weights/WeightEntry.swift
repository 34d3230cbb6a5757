/// One tensor in a weight file: its name, the element type it is stored with, and its shape.
public struct WeightEntry: Sendable, Equatable {
    /// The state-dict key, e.g. `model.diffusion_model.out.2.weight`.
    public let name: String
    let stored: StoredTensor

    /// The element type in the file (every type is read as Float32).
    public var dtype: WeightDType { stored.dtype }
    /// The tensor's shape; `[]` for a scalar.
    public var shape: [Int] { stored.shape }
    /// The number of elements (the product of the shape).
    public var elementCount: Int { stored.elementCount }
    /// The bytes the elements take in their stored type (a view counts its own elements, not its storage).
    public var byteCount: Int { elementCount * dtype.byteCount }
}
