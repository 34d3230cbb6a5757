import Tensor

/// Where one tensor's elements lie in a mapped file and how: element type, shape, element strides and
/// the byte offset of element (0, …, 0). Built only after the file's reader has checked that every
/// element it addresses lies inside the file, so making the tensor cannot fail.
struct StoredTensor: Sendable, Equatable {
    let dtype: WeightDType
    let shape: [Int]
    /// Element strides per axis (row-major for safetensors; whatever `torch.save` recorded for torch).
    let strides: [Int]
    /// File offset of element (0, …, 0).
    let byteOffset: Int
    /// The product of `shape`, checked for overflow when the file was read.
    let elementCount: Int

    /// Whether the elements are stored in row-major order without gaps (strides of size-1 axes do not matter).
    var isContiguous: Bool {
        var expected = 1
        for (size, stride) in zip(shape, strides).reversed() where size != 1 {
            if stride != expected { return false }
            expected *= size
        }
        return true
    }

    /// The product of `shape`, or nil when a dimension is negative or the product overflows `Int`.
    static func elementCount(of shape: [Int]) -> Int? {
        var product = 1
        for size in shape {
            guard size >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            product = next
        }
        return product
    }

    /// Row-major element strides for `shape`.
    static func rowMajorStrides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var stride = 1
        for axis in shape.indices.reversed() {
            strides[axis] = stride
            stride *= shape[axis]
        }
        return strides
    }

    /// The tensor, as Float32 in row-major order. A contiguous, 4-byte-aligned f32 tensor borrows the
    /// file's memory (no copy); anything else is converted and, if strided, gathered into new memory.
    func tensor(in file: MappedFile) -> Tensor {
        guard elementCount > 0, let fileStart = file.bytes.baseAddress else { return Tensor(zeros: shape) }
        let first = fileStart + byteOffset
        if dtype == .f32, isContiguous, Int(bitPattern: first) % MemoryLayout<Float>.alignment == 0 {
            let values = first.bindMemory(to: Float.self, capacity: elementCount)
            return Tensor(shape: shape, storage: TensorStorage(borrowing: values, count: elementCount, owner: file))
        }
        let storage = TensorStorage(zeros: elementCount)
        if isContiguous {
            dtype.decode(from: first, count: elementCount, into: storage.base)
        } else {
            gather(from: first, into: storage.base)
        }
        // The converted copy is what is used from now on: without this, a 16-bit checkpoint would stay
        // resident beside its f32 copy (8.3 GB instead of 5.6 GB for the full model).
        file.releasePages(byteOffset..<(byteOffset + max(1, storedElementSpan) * dtype.byteCount))
        return Tensor(shape: shape, storage: storage)
    }

    /// Elements from element (0, …, 0) to the last one the strides reach, inclusive (`elementCount > 0`;
    /// below 1 only for negative strides, which `torch.save` never writes).
    private var storedElementSpan: Int {
        zip(shape, strides).reduce(1) { span, axis in span + (axis.0 - 1) * axis.1 }
    }

    /// Visits the elements in row-major index order, following the strides (which may be 0 or overlap).
    private func gather(from first: UnsafeRawPointer, into destination: UnsafeMutablePointer<Float>) {
        var index = [Int](repeating: 0, count: shape.count)
        var element = 0
        for flat in 0..<elementCount {
            destination[flat] = dtype.load(from: first, element: element)
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                element += strides[axis]
                if index[axis] < shape[axis] { break }
                element -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
