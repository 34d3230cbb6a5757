/// Why a torch pickle was refused; the unpickler adds the file, the entry, the opcode and its offset.
struct PickleRejection: Error {
    let reason: String
}

/// The only globals a checkpoint pickle may name. Anything else (`os system`, `builtins eval`, …) is
/// refused when its GLOBAL opcode is read, before anything could be called.
enum AllowedGlobal: Equatable {
    case orderedDict
    case rebuildTensorV2
    case rebuildParameter
    case storageType(WeightDType)

    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch", _):
            guard let dtype = WeightDType(torchStorageName: name) else { return nil }
            self = .storageType(dtype)
        default: return nil
        }
    }

    var qualifiedName: String {
        switch self {
        case .orderedDict: "collections.OrderedDict"
        case .rebuildTensorV2: "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: "torch._utils._rebuild_parameter"
        case .storageType(let dtype): "torch.\(dtype.torchStorageName)"
        }
    }

    /// The allow-list, for error messages.
    static let allowList = ([.orderedDict, .rebuildTensorV2, .rebuildParameter] + WeightDType.allCases.map(AllowedGlobal.storageType))
        .map(\.qualifiedName).joined(separator: ", ")
}

/// A storage a checkpoint's tensors view: the persistent ID `('storage', <type>, key, location, numel)`.
/// Its elements are the raw little-endian bytes of the archive entry `<prefix>/data/<key>`.
struct TorchStorageReference: Equatable {
    let dtype: WeightDType
    let key: String
    let elementCount: Int

    init(persistentID: PickleValue) throws(PickleRejection) {
        guard case .tuple(let tuple) = persistentID, tuple.items.count == 5, case .string("storage") = tuple.items[0] else {
            throw PickleRejection(reason: "the persistent ID is \(persistentID.kind), not ('storage', type, key, location, numel)")
        }
        guard case .global(.storageType(let dtype)) = tuple.items[1] else {
            throw PickleRejection(reason: "the storage type is \(tuple.items[1].kind), not a torch storage class")
        }
        guard case .string(let key) = tuple.items[2], case .string = tuple.items[3], case .int(let count) = tuple.items[4], count >= 0 else {
            throw PickleRejection(reason: "the storage's key, location or element count is malformed")
        }
        (self.dtype, self.key, elementCount) = (dtype, key, count)
    }
}

/// A tensor as `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
/// backward_hooks[, metadata])` describes it. Whether it fits its storage is checked against the archive.
struct TorchTensorReference: Equatable {
    let storage: TorchStorageReference
    let storageOffset: Int
    let shape: [Int]
    let strides: [Int]

    init(rebuildArguments arguments: [PickleValue]) throws(PickleRejection) {
        guard arguments.count == 6 || arguments.count == 7 else {
            throw PickleRejection(reason: "_rebuild_tensor_v2 takes 6 or 7 arguments, not \(arguments.count)")
        }
        guard case .storage(let storage) = arguments[0] else {
            throw PickleRejection(reason: "_rebuild_tensor_v2's storage is \(arguments[0].kind)")
        }
        guard case .int(let offset) = arguments[1], offset >= 0 else {
            throw PickleRejection(reason: "_rebuild_tensor_v2's storage offset is \(arguments[1].kind)")
        }
        let shape = try Self.sizes(arguments[2], "size")
        let strides = try Self.sizes(arguments[3], "stride")
        guard shape.count == strides.count else {
            throw PickleRejection(reason: "_rebuild_tensor_v2 has a size of \(shape.count) dimensions but a stride of \(strides.count)")
        }
        (self.storage, storageOffset, self.shape, self.strides) = (storage, offset, shape, strides)
    }

    /// A tuple of non-negative ints.
    private static func sizes(_ value: PickleValue, _ what: String) throws(PickleRejection) -> [Int] {
        guard case .tuple(let tuple) = value else { throw PickleRejection(reason: "_rebuild_tensor_v2's \(what) is \(value.kind), not a tuple") }
        var sizes: [Int] = []
        for item in tuple.items {
            guard case .int(let size) = item, size >= 0 else {
                throw PickleRejection(reason: "_rebuild_tensor_v2's \(what) holds \(item.kind), not a non-negative int")
            }
            sizes.append(size)
        }
        return sizes
    }
}
