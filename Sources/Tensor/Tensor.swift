/// The memory behind one or more tensors: Float32 values, either owned (allocated here and freed
/// when the last tensor using it goes) or borrowed from an owner that keeps it alive, such as a
/// memory-mapped weight file. Borrowed memory is read-only: writing to a tensor over it copies first.
public final class TensorStorage: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Float>
    public let count: Int
    /// Keeps borrowed memory alive; nil when the storage owns its memory.
    private let owner: AnyObject?

    /// `count` zeros in memory owned by this storage.
    public init(zeros count: Int) {
        base = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
        self.count = count
        owner = nil
    }

    /// `count` values of owned memory left unwritten: for code that writes every element before reading,
    /// or for placeholders that are never read. Large blocks cost no physical memory until touched.
    public init(uninitialized count: Int) {
        base = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        self.count = count
        owner = nil
    }

    /// Borrows `count` Float32 values at `base`, kept alive by `owner`. The memory must stay valid and
    /// unchanged while `owner` lives.
    public init(borrowing base: UnsafePointer<Float>, count: Int, owner: AnyObject) {
        self.base = UnsafeMutablePointer(mutating: base)
        self.count = count
        self.owner = owner
    }

    var isBorrowed: Bool { owner != nil }

    deinit {
        if owner == nil { base.deallocate() }
    }
}

/// A row-major Float32 tensor with an explicit shape.
///
/// Layout conventions: images are NCHW, token sequences `(batch, tokens, channels)`, linear weights
/// `(out, in)`, convolution weights `(out, in, kh, kw)` — the PyTorch layouts, so weights load as they are.
/// A tensor is a value: views (`reshaped`, `slice`) share memory, and the first write through a shared
/// or borrowed view copies (copy-on-write), so no write is ever seen through another tensor.
public struct Tensor: @unchecked Sendable {
    public private(set) var shape: [Int]
    private(set) var storage: TensorStorage
    private(set) var offset: Int

    /// Number of elements (the product of the shape; 1 for a scalar shape `[]`).
    public var count: Int { shape.reduce(1, *) }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        Tensor.checkShape(shape)
        self.shape = shape
        storage = TensorStorage(zeros: shape.reduce(1, *))
        offset = 0
    }

    /// A tensor holding `scalars` in row-major order.
    /// - Precondition: `scalars.count` equals the product of `shape`.
    public init(shape: [Int], scalars: [Float]) {
        Tensor.checkShape(shape)
        precondition(scalars.count == shape.reduce(1, *), "Tensor: shape \(shape) needs \(shape.reduce(1, *)) values, got \(scalars.count)")
        self.init(zeros: shape)
        scalars.withUnsafeBufferPointer { storage.base.update(from: $0.baseAddress!, count: scalars.count) }
    }

    /// A tensor of one repeated value.
    public init(shape: [Int], repeating value: Float) {
        self.init(zeros: shape)
        storage.base.update(repeating: value, count: count)
    }

    /// A tensor over existing storage, starting `offset` elements in.
    /// - Precondition: the storage holds `offset + product(shape)` elements.
    public init(shape: [Int], storage: TensorStorage, offset: Int = 0) {
        Tensor.checkShape(shape)
        precondition(offset >= 0 && offset + shape.reduce(1, *) <= storage.count,
                     "Tensor: shape \(shape) at offset \(offset) does not fit a storage of \(storage.count) elements")
        self.shape = shape
        self.storage = storage
        self.offset = offset
    }

    /// The values in row-major order, copied into an array.
    public var scalars: [Float] {
        withUnsafeBufferPointer { Array($0) }
    }

    /// The same values with another shape of the same element count (a view, no copy).
    /// One dimension may be −1 and is then inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshaped: cannot infer a dimension of \(newShape) for \(count) elements (shape \(shape))")
            resolved[inferred] = count / known
        }
        precondition(resolved.reduce(1, *) == count, "reshaped: \(shape) (\(count) elements) cannot become \(newShape)")
        var view = self
        view.shape = resolved
        return view
    }

    /// Rows `range` of the first axis (a view, no copy): `(n, …) → (range.count, …)`.
    public func slice(_ range: Range<Int>) -> Tensor {
        precondition(!shape.isEmpty && range.lowerBound >= 0 && range.upperBound <= shape[0],
                     "slice: range \(range) is outside the first axis of shape \(shape)")
        let rowSize = shape.dropFirst().reduce(1, *)
        var view = self
        view.shape[0] = range.count
        view.offset = offset + range.lowerBound * rowSize
        return view
    }

    /// Reads the values in row-major order.
    public func withUnsafeBufferPointer<Result>(_ body: (UnsafeBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try body(UnsafeBufferPointer(start: storage.base + offset, count: count))
    }

    /// Writes the values in row-major order. Copies first if the memory is shared with another tensor or
    /// borrowed, so the write is seen by this tensor alone.
    public mutating func withUnsafeMutableBufferPointer<Result>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Result) rethrows -> Result {
        if !isKnownUniquelyReferenced(&storage) || storage.isBorrowed || storage.count != count {
            let copy = TensorStorage(zeros: count)
            copy.base.update(from: storage.base + offset, count: count)
            storage = copy
            offset = 0
        }
        return try body(UnsafeMutableBufferPointer(start: storage.base + offset, count: count))
    }

    /// The element at a full index, for tests and debugging (not for hot loops).
    public subscript(_ index: Int...) -> Float {
        precondition(index.count == shape.count, "subscript: index \(index) does not match shape \(shape)")
        var flat = 0
        for (axis, i) in index.enumerated() {
            precondition(i >= 0 && i < shape[axis], "subscript: index \(index) is outside shape \(shape)")
            flat = flat * shape[axis] + i
        }
        return storage.base[offset + flat]
    }

    private static func checkShape(_ shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
    }
}
