/// Runs a pickle as a data format, never as a program: only the opcodes `torch.save` emits for a state
/// dict (`PickleOpcode`), only the allow-listed globals (`AllowedGlobal`), and REDUCE only on those,
/// where it builds an empty dict or a tensor description. Nothing is ever imported or executed.
///
/// Hostile input is bounded: the pickle is at most `maximumLength` bytes, every length is checked
/// against the bytes left before anything is read or allocated, each opcode pushes at most one value
/// (so memory grows with the input, never faster), and the machine runs in a loop, not recursively.
/// Containers are references (as in Python) and the unpickler empties every one it made when it is
/// released, so cycles built through the memo cannot leak and deep nesting is freed without recursion.
final class RestrictedUnpickler {
    /// The largest pickle accepted: room for ~25,000 tensors at ~150 bytes each (the 1,480-tensor
    /// CustomNet checkpoint's is ~220 KB). A hostile pickle can hold up to ~64 bytes of values per byte
    /// (e.g. a container per EMPTY_LIST), so this caps what one can make in memory at ~256 MB.
    static let maximumLength = 4 << 20

    private let pickle: ByteView
    private var position = 0
    private var stack: [PickleValue] = []
    /// Stack heights at each open MARK; nothing below the innermost one may be popped until it closes.
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var sequences: [PickleSequence] = []
    private var dictionaries: [PickleDictionary] = []

    /// Unpickles `pickle` and passes the result to `interpret`, which must turn it into plain values:
    /// every container is emptied when this returns.
    static func load<Result>(_ pickle: ByteView,
                             interpret: (PickleValue) throws(PickleRejection) -> Result) throws(WeightFileError) -> Result {
        guard pickle.count <= maximumLength else {
            throw pickle.failure("the pickle has \(pickle.count) bytes, more than the \(maximumLength) a state dict needs")
        }
        let machine = RestrictedUnpickler(pickle)
        let top = try machine.run()
        do {
            return try interpret(top)
        } catch {
            throw pickle.failure(error.reason)
        }
    }

    private init(_ pickle: ByteView) {
        self.pickle = pickle
    }

    deinit {
        for sequence in sequences { sequence.items.removeAll() }
        for dictionary in dictionaries { dictionary.pairs.removeAll() }
    }

    private func run() throws(WeightFileError) -> PickleValue {
        while true {
            let offset = position
            guard position < pickle.count else { throw pickle.failure("truncated: it ends at byte \(offset) without a STOP") }
            let byte = pickle.bytes[position]
            position += 1
            guard let opcode = PickleOpcode(rawValue: byte) else {
                throw pickle.failure("opcode 0x\(String(byte, radix: 16, uppercase: true)) at byte \(offset) is not one torch.save writes; refused")
            }
            do {
                if let result = try step(opcode) { return result }
            } catch {
                throw pickle.failure("\(opcode.name) at byte \(offset): \(error.reason)")
            }
        }
    }

    /// Runs one opcode; returns the unpickled object at STOP.
    private func step(_ opcode: PickleOpcode) throws(PickleRejection) -> PickleValue? {
        switch opcode {
        case .proto:
            let version = try readByte()
            guard version <= 5 else { throw PickleRejection(reason: "protocol \(version) is newer than any Python writes") }
        case .frame: _ = try read(8)
        case .stop: return try pop()
        case .mark: marks.append(stack.count)
        case .none: stack.append(.none)
        case .newTrue: stack.append(.bool(true))
        case .newFalse: stack.append(.bool(false))
        case .binInt: stack.append(.int(Int(Int32(bitPattern: try readUInt32()))))
        case .binInt1: stack.append(.int(Int(try readByte())))
        case .binInt2: stack.append(.int(Int(UInt16(littleEndian: try read(2).loadUnaligned(as: UInt16.self)))))
        case .long1: stack.append(.int(try readLong1()))
        case .binFloat: stack.append(.float(Double(bitPattern: try read(8).reduce(0) { $0 << 8 | UInt64($1) }))) // big-endian
        case .binUnicode: stack.append(.string(try readString(length: Int(try readUInt32()))))
        case .shortBinUnicode: stack.append(.string(try readString(length: Int(try readByte()))))
        case .emptyTuple: stack.append(.tuple(makeSequence([])))
        case .tuple: stack.append(.tuple(makeSequence(try popToMark())))
        case .tuple1: stack.append(.tuple(makeSequence(try pop(1))))
        case .tuple2: stack.append(.tuple(makeSequence(try pop(2))))
        case .tuple3: stack.append(.tuple(makeSequence(try pop(3))))
        case .emptyList: stack.append(.list(makeSequence([])))
        case .append:
            let item = try pop()
            try list(try top()).items.append(item)
        case .appends:
            let items = try popToMark()
            try list(try top()).items += items
        case .emptyDict: stack.append(.dict(makeDictionary()))
        case .setItem:
            let pair = try pop(2)
            try dictionary(try top()).pairs.append((pair[0], pair[1]))
        case .setItems:
            let items = try popToMark()
            guard items.count.isMultiple(of: 2) else { throw PickleRejection(reason: "an odd number of keys and values") }
            try dictionary(try top()).pairs += stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }
        case .binPut: memo[Int(try readByte())] = try top()
        case .longBinPut: memo[Int(try readUInt32())] = try top()
        case .memoize: memo[memo.count] = try top()
        case .binGet: stack.append(try memoized(Int(try readByte())))
        case .longBinGet: stack.append(try memoized(Int(try readUInt32())))
        case .global: stack.append(.global(try readGlobal()))
        case .reduce:
            let call = try pop(2)
            stack.append(try reduce(call[0], arguments: call[1]))
        case .binPersID: stack.append(.storage(try TorchStorageReference(persistentID: try pop())))
        case .build:
            let state = try pop()
            let target = try top()
            guard case .dict = target else {
                throw PickleRejection(reason: "sets the state of \(target.kind) to \(state.kind); only a dict's state is accepted (and ignored)")
            }
        }
        return nil
    }

    /// REDUCE: `callable(*arguments)`, for the allow-listed callables only.
    private func reduce(_ callable: PickleValue, arguments: PickleValue) throws(PickleRejection) -> PickleValue {
        guard case .tuple(let tuple) = arguments else { throw PickleRejection(reason: "the arguments are \(arguments.kind), not a tuple") }
        switch callable {
        case .global(.orderedDict):
            guard tuple.items.isEmpty else { throw PickleRejection(reason: "collections.OrderedDict is called with arguments") }
            return .dict(makeDictionary())
        case .global(.rebuildTensorV2):
            return .tensor(try TorchTensorReference(rebuildArguments: tuple.items))
        case .global(.rebuildParameter):
            guard tuple.items.count == 3, case .tensor = tuple.items[0] else {
                throw PickleRejection(reason: "_rebuild_parameter takes (tensor, requires_grad, backward_hooks)")
            }
            return tuple.items[0]
        default:
            throw PickleRejection(reason: "\(callable.kind) may not be called; only collections.OrderedDict, _rebuild_tensor_v2 and _rebuild_parameter may")
        }
    }

    // MARK: Stack

    private func top() throws(PickleRejection) -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.last else { throw PickleRejection(reason: "the stack is empty") }
        return value
    }

    private func pop() throws(PickleRejection) -> PickleValue {
        let value = try top()
        stack.removeLast()
        return value
    }

    /// The top `count` values, deepest first.
    private func pop(_ count: Int) throws(PickleRejection) -> [PickleValue] {
        guard stack.count - (marks.last ?? 0) >= count else { throw PickleRejection(reason: "the stack holds fewer than \(count) values") }
        defer { stack.removeLast(count) }
        return Array(stack.suffix(count))
    }

    /// The values pushed since the innermost MARK, which closes.
    private func popToMark() throws(PickleRejection) -> [PickleValue] {
        guard let mark = marks.popLast() else { throw PickleRejection(reason: "no MARK is open") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    private func memoized(_ index: Int) throws(PickleRejection) -> PickleValue {
        guard let value = memo[index] else { throw PickleRejection(reason: "memo entry \(index) was never stored") }
        return value
    }

    private func list(_ value: PickleValue) throws(PickleRejection) -> PickleSequence {
        guard case .list(let list) = value else { throw PickleRejection(reason: "appends to \(value.kind), not a list") }
        return list
    }

    private func dictionary(_ value: PickleValue) throws(PickleRejection) -> PickleDictionary {
        guard case .dict(let dictionary) = value else { throw PickleRejection(reason: "sets an item of \(value.kind), not a dict") }
        return dictionary
    }

    private func makeSequence(_ items: [PickleValue]) -> PickleSequence {
        let sequence = PickleSequence(items)
        sequences.append(sequence)
        return sequence
    }

    private func makeDictionary() -> PickleDictionary {
        let dictionary = PickleDictionary()
        dictionaries.append(dictionary)
        return dictionary
    }

    // MARK: Reading the pickle

    /// The next `count` bytes, checked against what is left before anything is read.
    private func read(_ count: Int) throws(PickleRejection) -> UnsafeRawBufferPointer {
        guard count <= pickle.count - position else {
            throw PickleRejection(reason: "truncated: \(count) bytes needed at byte \(position), \(pickle.count - position) left")
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: pickle.bytes[position..<position + count])
    }

    private func readByte() throws(PickleRejection) -> UInt8 {
        try read(1)[0]
    }

    private func readUInt32() throws(PickleRejection) -> UInt32 {
        UInt32(littleEndian: try read(4).loadUnaligned(as: UInt32.self))
    }

    /// LONG1: a little-endian two's-complement integer of up to 8 bytes.
    private func readLong1() throws(PickleRejection) -> Int {
        let length = Int(try readByte())
        guard length <= 8 else { throw PickleRejection(reason: "a \(length)-byte integer is too large") }
        let bytes = try read(length)
        guard let last = bytes.last else { return 0 }
        var value: UInt64 = last & 0x80 == 0 ? 0 : ~0 // sign extension
        for byte in bytes.reversed() { value = value << 8 | UInt64(byte) }
        return Int(Int64(bitPattern: value))
    }

    private func readString(length: Int) throws(PickleRejection) -> String {
        guard let string = String(validating: try read(length), as: UTF8.self) else {
            throw PickleRejection(reason: "a string is not valid UTF-8")
        }
        return string
    }

    /// GLOBAL: "module\nname\n", checked against the allow-list.
    private func readGlobal() throws(PickleRejection) -> AllowedGlobal {
        let module = try readLine()
        let name = try readLine()
        guard let global = AllowedGlobal(module: module, name: name) else {
            throw PickleRejection(reason: "'\(module) \(name)' is not allowed; a checkpoint may only name \(AllowedGlobal.allowList)")
        }
        return global
    }

    /// Up to the next newline, at most 200 bytes (longer than any allowed module or name).
    private func readLine() throws(PickleRejection) -> String {
        let window = UnsafeRawBufferPointer(rebasing: pickle.bytes[position..<min(position + 200, pickle.count)])
        guard let newline = window.firstIndex(of: UInt8(ascii: "\n")) else {
            throw PickleRejection(reason: "a name at byte \(position) has no newline within \(window.count) bytes")
        }
        position += newline + 1
        return String(decoding: window[..<newline], as: UTF8.self)
    }
}
