/// The element type a tensor is stored with in a weight file. Every type is read as Float32.
public enum WeightDType: String, Sendable, CaseIterable, Codable {
    /// IEEE 754 binary32: read without conversion (and without a copy where the file allows).
    case f32
    /// IEEE 754 binary16, as `torch.float16`.
    case f16
    /// bfloat16: the upper half of a binary32, as `torch.bfloat16`.
    case bf16
    /// Signed 64-bit integers (e.g. `position_ids`); read as the nearest Float32.
    case i64

    /// Bytes per element in the file.
    public var byteCount: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .i64: 8
        }
    }

    /// The name safetensors headers use (`"F32"`, `"F16"`, `"BF16"`, `"I64"`).
    var safetensorsName: String { rawValue.uppercased() }

    init?(safetensorsName: String) {
        self.init(rawValue: safetensorsName.lowercased())
        guard self.safetensorsName == safetensorsName else { return nil }
    }

    /// The storage class `torch.save` names for this type in the checkpoint's pickle.
    var torchStorageName: String {
        switch self {
        case .f32: "FloatStorage"
        case .f16: "HalfStorage"
        case .bf16: "BFloat16Storage"
        case .i64: "LongStorage"
        }
    }

    init?(torchStorageName: String) {
        guard let match = Self.allCases.first(where: { $0.torchStorageName == torchStorageName }) else { return nil }
        self = match
    }
}
