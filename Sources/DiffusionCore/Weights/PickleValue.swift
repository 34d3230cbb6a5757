/// A value the restricted unpickler has built. Tuples, lists and dicts are shared references, as in
/// Python, so a memoised container costs nothing to fetch again and nothing can be multiplied by
/// copying; the unpickler empties every container it made when it is done (see `RestrictedUnpickler`).
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case tuple(PickleSequence)
    case list(PickleSequence)
    case dict(PickleDictionary)
    /// A callable or class the allow-list admits; the only way a pickle can name code.
    case global(AllowedGlobal)
    /// A `torch.save` persistent ID: a storage in the archive's `data/` folder.
    indirect case storage(TorchStorageReference)
    /// The result of `torch._utils._rebuild_tensor_v2` (or `_rebuild_parameter`): a view of a storage.
    indirect case tensor(TorchTensorReference)

    /// What the value is, for error messages.
    var kind: String {
        switch self {
        case .none: "None"
        case .bool: "a bool"
        case .int(let value): "the int \(value)"
        case .float: "a float"
        case .string(let value): "the string \"\(value.prefix(40))\""
        case .tuple(let tuple): "a tuple of \(tuple.items.count)"
        case .list: "a list"
        case .dict: "a dict"
        case .global(let global): global.qualifiedName
        case .storage: "a storage"
        case .tensor: "a tensor"
        }
    }
}

/// The items of a tuple or a list.
final class PickleSequence {
    var items: [PickleValue]

    init(_ items: [PickleValue]) { self.items = items }
}

/// The key-value pairs of a dict, in insertion order (keys need not be hashable; a later equal key wins
/// when the dict is read).
final class PickleDictionary {
    var pairs: [(key: PickleValue, value: PickleValue)] = []
}
