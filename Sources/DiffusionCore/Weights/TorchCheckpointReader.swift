/// Reads the tensor table of a `torch.save` checkpoint (torch ≥ 1.6): a stored ZIP holding
/// `<prefix>/data.pkl` (the state dict, pickled) and `<prefix>/data/<key>` (each storage's raw
/// little-endian elements). The pickle runs in `RestrictedUnpickler`; the storages are never copied.
///
/// Each tensor is checked against its storage entry before it is accepted: the storage's element
/// count must fit the entry, every element the (size, stride, offset) view addresses must lie in the
/// storage, and the tensor may not have more elements than the file has bytes, so reading it never
/// allocates more than four times the file's size, however its strides repeat elements.
enum TorchCheckpointReader {
    /// The file's tensors, in the state dict's order.
    static func entries(in file: MappedFile) throws(WeightFileError) -> [WeightEntry] {
        let archive = try ZipArchive(file)
        let pickleEntries = archive.entries.values.filter { $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") }.sorted { $0.name < $1.name }
        guard let pickleEntry = pickleEntries.first else {
            throw WeightFileError(path: file.path, problem: "a ZIP file without a data.pkl entry, so not a torch.save checkpoint")
        }
        guard pickleEntries.count == 1 else {
            throw WeightFileError(path: file.path, problem: "several data.pkl entries (\(pickleEntries.map(\.name).joined(separator: ", "))); which one is the checkpoint?")
        }
        let prefix = String(pickleEntry.name.dropLast("data.pkl".count))
        if let byteOrder = archive.entries[prefix + "byteorder"] {
            let order = String(decoding: try archive.contents(of: byteOrder).bytes, as: UTF8.self)
            guard order == "little" else {
                throw WeightFileError(path: file.path, problem: "the checkpoint's byte order is \"\(order)\"; only little-endian is supported")
            }
        }
        let pickle = try archive.contents(of: pickleEntry)
        let references = try RestrictedUnpickler.load(pickle, interpret: stateDictTensors)
        var entries: [WeightEntry] = []
        for (name, reference) in references {
            entries.append(WeightEntry(name: name, stored: try storedTensor(name: name, reference, prefix: prefix, archive: archive, file: file)))
        }
        return entries
    }

    /// The tensors of the unpickled object: a dict of name → tensor, or `{"state_dict": {…}, …}` around one.
    /// A name given twice keeps its first position and its last tensor, as a Python dict would.
    private static func stateDictTensors(_ top: PickleValue) throws(PickleRejection) -> [(String, TorchTensorReference)] {
        guard case .dict(var dictionary) = top else {
            throw PickleRejection(reason: "the checkpoint holds \(top.kind), not a state dict")
        }
        for (key, value) in dictionary.pairs {
            if case .string("state_dict") = key, case .dict(let inner) = value { dictionary = inner }
        }
        var tensors: [(String, TorchTensorReference)] = []
        var positions: [String: Int] = [:]
        for (key, value) in dictionary.pairs {
            guard case .string(let name) = key else { throw PickleRejection(reason: "the state dict has a key that is \(key.kind), not a string") }
            guard case .tensor(let tensor) = value else { throw PickleRejection(reason: "the state dict's \(name) is \(value.kind), not a tensor") }
            if let position = positions[name] {
                tensors[position].1 = tensor
            } else {
                positions[name] = tensors.count
                tensors.append((name, tensor))
            }
        }
        return tensors
    }

    private static func storedTensor(name: String, _ tensor: TorchTensorReference, prefix: String, archive: ZipArchive,
                                     file: MappedFile) throws(WeightFileError) -> StoredTensor {
        func refuse(_ problem: String) -> WeightFileError {
            WeightFileError(path: file.path, problem: "tensor \(name): \(problem)")
        }
        let storage = tensor.storage
        let entryName = prefix + "data/" + storage.key
        guard let entry = archive.entries[entryName] else { throw refuse("its storage \(entryName) is not in the archive") }
        let data = try archive.dataRange(of: entry)
        let (storageBytes, overflow) = storage.elementCount.multipliedReportingOverflow(by: storage.dtype.byteCount)
        guard !overflow, storageBytes <= data.count else {
            throw refuse("its storage holds \(storage.elementCount) \(storage.dtype.rawValue) elements, more than the \(data.count) bytes of \(entryName)")
        }
        guard let elementCount = StoredTensor.elementCount(of: tensor.shape) else {
            throw refuse("shape \(tensor.shape) has more elements than fit in memory")
        }
        guard elementCount <= file.bytes.count else {
            throw refuse("shape \(tensor.shape) has \(elementCount) elements, more than this \(file.bytes.count)-byte file can justify")
        }
        guard tensor.storageOffset <= storage.elementCount else {
            throw refuse("its storage offset \(tensor.storageOffset) is past its storage of \(storage.elementCount) elements")
        }
        if elementCount > 0 {
            guard let last = lastElement(of: tensor), last < storage.elementCount else {
                throw refuse("size \(tensor.shape), stride \(tensor.strides) at offset \(tensor.storageOffset) reach past its storage of \(storage.elementCount) elements")
            }
        }
        return StoredTensor(dtype: storage.dtype, shape: tensor.shape, strides: tensor.strides,
                            byteOffset: data.lowerBound + tensor.storageOffset * storage.dtype.byteCount, elementCount: elementCount)
    }

    /// The storage index of the view's last element: offset + Σ (size − 1) × stride; nil on overflow.
    private static func lastElement(of tensor: TorchTensorReference) -> Int? {
        var last = tensor.storageOffset
        for (size, stride) in zip(tensor.shape, tensor.strides) {
            let (step, stepOverflow) = (size - 1).multipliedReportingOverflow(by: stride)
            let (sum, sumOverflow) = last.addingReportingOverflow(step)
            if stepOverflow || sumOverflow { return nil }
            last = sum
        }
        return last
    }
}
