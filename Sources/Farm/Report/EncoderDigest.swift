/// A metric encoder the spec names, and the SHA-256 of its weights when they can be read here.
struct EncoderDigest: Sendable {
    /// `DINO ViT-S/16 (DINO-I)` or `CLIP ViT-B/32 (CLIP-I, CLIP-T)`.
    var role: String
    /// The file or folder the spec gives.
    var path: String
    /// The digested file (the path itself, or the weights file in the folder).
    var file: String?
    var sha256: String?
    /// Why there is no digest (`not computed: …`).
    var problem: String?

    /// Weights files looked for, in this order, when the spec names a model folder.
    static let weightsFiles = ["model.safetensors", "pytorch_model.bin"]

    /// The encoders of `metrics`, digested through `digests` (which remembers unchanged files).
    static func digests(of metrics: MetricEncoders?, using digests: FileDigests) -> [EncoderDigest] {
        var encoders: [EncoderDigest] = []
        if let dino = metrics?.dino { encoders.append(digest(role: "DINO ViT-S/16 (DINO-I)", path: dino, using: digests)) }
        if let clip = metrics?.clip { encoders.append(digest(role: "CLIP ViT-B/32 (CLIP-I, CLIP-T)", path: clip, using: digests)) }
        return encoders
    }

    private static func digest(role: String, path: String, using digests: FileDigests) -> EncoderDigest {
        var encoder = EncoderDigest(role: role, path: path)
        switch FileKind.of(path) {
        case .missing:
            encoder.problem = "not computed: not found on this machine"
            return encoder
        case .file:
            encoder.file = path
        case .folder:
            guard let weights = weightsFiles.map({ path + "/" + $0 }).first(where: { FileKind.of($0) == .file }) else {
                encoder.problem = "not computed: the folder has no \(weightsFiles.joined(separator: " or "))"
                return encoder
            }
            encoder.file = weights
        }
        do {
            encoder.sha256 = try digests.sha256(ofFileAt: encoder.file ?? path)
        } catch {
            encoder.problem = "not computed: \(error.problem)"
        }
        return encoder
    }
}
