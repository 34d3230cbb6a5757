/// The pickle opcodes the restricted unpickler runs: protocol 2 and the few protocol 4 framing and
/// memo opcodes, which is everything `torch.save` emits for a state dict. Any other byte is refused.
enum PickleOpcode: UInt8 {
    case proto = 0x80, frame = 0x95, stop = 0x2E
    case mark = 0x28, emptyTuple = 0x29, tuple = 0x74, tuple1 = 0x85, tuple2 = 0x86, tuple3 = 0x87
    case emptyList = 0x5D, append = 0x61, appends = 0x65
    case emptyDict = 0x7D, setItem = 0x73, setItems = 0x75
    case none = 0x4E, newTrue = 0x88, newFalse = 0x89
    case binInt = 0x4A, binInt1 = 0x4B, binInt2 = 0x4D, long1 = 0x8A, binFloat = 0x47
    case binUnicode = 0x58, shortBinUnicode = 0x8C
    case binPut = 0x71, longBinPut = 0x72, memoize = 0x94, binGet = 0x68, longBinGet = 0x6A
    case global = 0x63, reduce = 0x52, build = 0x62, binPersID = 0x51

    /// The name `pickletools` uses, for error messages.
    var name: String {
        switch self {
        case .proto: "PROTO"
        case .frame: "FRAME"
        case .stop: "STOP"
        case .mark: "MARK"
        case .emptyTuple: "EMPTY_TUPLE"
        case .tuple: "TUPLE"
        case .tuple1: "TUPLE1"
        case .tuple2: "TUPLE2"
        case .tuple3: "TUPLE3"
        case .emptyList: "EMPTY_LIST"
        case .append: "APPEND"
        case .appends: "APPENDS"
        case .emptyDict: "EMPTY_DICT"
        case .setItem: "SETITEM"
        case .setItems: "SETITEMS"
        case .none: "NONE"
        case .newTrue: "NEWTRUE"
        case .newFalse: "NEWFALSE"
        case .binInt: "BININT"
        case .binInt1: "BININT1"
        case .binInt2: "BININT2"
        case .long1: "LONG1"
        case .binFloat: "BINFLOAT"
        case .binUnicode: "BINUNICODE"
        case .shortBinUnicode: "SHORT_BINUNICODE"
        case .binPut: "BINPUT"
        case .longBinPut: "LONG_BINPUT"
        case .memoize: "MEMOIZE"
        case .binGet: "BINGET"
        case .longBinGet: "LONG_BINGET"
        case .global: "GLOBAL"
        case .reduce: "REDUCE"
        case .build: "BUILD"
        case .binPersID: "BINPERSID"
        }
    }
}
