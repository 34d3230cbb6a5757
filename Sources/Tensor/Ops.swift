/// The tensor operations the models are built from. Each op documents its layouts and shape
/// preconditions; a broken precondition is a programmer error and stops with both shapes in the message.
/// Results never depend on `Compute.threadCount`.
public enum Ops {}

extension Tensor {
    /// The last dimension (channels of a `(…, C)` tensor).
    var lastDimension: Int { shape.last ?? 1 }

    /// Pointer to the first element, for read-only kernels. Valid while `self` is alive and unchanged.
    var basePointer: UnsafePointer<Float> { UnsafePointer(storage.base + offset) }

    /// A fresh, uniquely owned tensor whose memory is not yet written, and a pointer for a kernel that
    /// writes every element.
    static func uninitialized(_ shape: [Int]) -> (Tensor, UnsafeMutablePointer<Float>) {
        let tensor = Tensor(shape: shape, storage: TensorStorage(uninitialized: shape.reduce(1, *)))
        return (tensor, tensor.storage.base)
    }
}
