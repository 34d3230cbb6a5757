import Crypto
import Foundation

/// One image to render: a cell of the job's grid, in plain numbers and strings, with its identity.
///
/// `id` is a hash of everything that determines the pixels (see `TaskIdentity`), so it is the same
/// whenever the same image would come out: submitting a spec again finds its tasks by id, and an
/// edited spec only adds the ids that are new.
public struct TaskSpec: Codable, Sendable, Hashable {
    /// 64 lowercase hex digits: `TaskIdentity.id(of:)`.
    public var id: String
    /// `<object>/<prompt-slug>/p<polar>_a<azimuth>_s<seed>`, unique within the job; the image goes to
    /// `OUT/images/<name>.png`.
    public var name: String
    public var objectID: String
    /// The object image, absolute path.
    public var imagePath: String
    /// Lowercase hex SHA-256 of the object image's contents.
    public var imageDigest: String
    /// Extra reference images for the identity metrics, absolute paths.
    public var references: [String]
    /// Where the object goes; nil for the whole frame (a box equal to the frame is nil too).
    public var box: PixelBox?
    /// Polar (elevation) change, degrees.
    public var polar: Double
    /// Azimuth change, degrees.
    public var azimuth: Double
    public var prompt: String
    /// The prompt's folder name (`PromptSlug.folderNames(for:)`).
    public var promptSlug: String
    public var seed: UInt64
    public var steps: Int
    public var guidance: Float
}

/// The canonical encoding of a task and its id, `lowercase hex SHA-256(encoding)`.
///
/// The encoding is UTF-8 text, one `key value` line per input, each line ending in `\n`, in this order:
///
/// ```
/// customnet-task-v1
/// model <lowercase hex SHA-256 of the checkpoint file>
/// object <lowercase hex SHA-256 of the object image file>
/// box <x0> <y0> <x1> <y1>          (sorted corners, decimal; `box full` for no box or the whole frame)
/// polar <16 hex digits>            (IEEE-754 binary64 bits, big-endian; -0 is written as +0)
/// azimuth <16 hex digits>          (the same)
/// prompt <byte count> <bytes>      (the prompt in Unicode NFC, UTF-8; the count is decimal)
/// seed <decimal>
/// steps <decimal>
/// guidance <8 hex digits>          (IEEE-754 binary32 bits, the precision the sampler uses)
/// ```
///
/// Left out because they do not change the pixels: the object id, paths (files are known by their
/// contents), reference images, metric encoders, the preset (the checkpoint determines it), the job
/// name, retries, priority and output. Not covered: the engine's version and the CLIP vocabulary, which
/// workers must agree on.
public enum TaskIdentity {
    /// The first line, naming this encoding; a change of encoding changes it.
    public static let version = "customnet-task-v1"

    /// The encoding of one task's inputs. Pass `box` nil for the whole frame (also when the spec wrote a
    /// box equal to it), so that both give the same id.
    public static func encoding(modelDigest: String, imageDigest: String, box: PixelBox?, polar: Double, azimuth: Double,
                                prompt: String, seed: UInt64, steps: Int, guidance: Float) -> Data {
        let promptBytes = Data(prompt.precomposedStringWithCanonicalMapping.utf8)
        var text = "\(version)\n"
        text += "model \(modelDigest)\n"
        text += "object \(imageDigest)\n"
        text += box.map { "box \($0.x0) \($0.y0) \($0.x1) \($0.y1)\n" } ?? "box full\n"
        text += "polar \(hex((polar == 0 ? 0 : polar).bitPattern))\n"
        text += "azimuth \(hex((azimuth == 0 ? 0 : azimuth).bitPattern))\n"
        text += "prompt \(promptBytes.count) "
        var data = Data(text.utf8)
        data.append(promptBytes)
        data.append(contentsOf: "\nseed \(seed)\nsteps \(steps)\nguidance \(hex((guidance == 0 ? 0 : guidance).bitPattern))\n".utf8)
        return data
    }

    /// Lowercase hex SHA-256 of `encoding`.
    public static func id(of encoding: Data) -> String {
        SHA256.hash(data: encoding).map { String(format: "%02x", $0) }.joined()
    }

    private static func hex<Bits: FixedWidthInteger>(_ bits: Bits) -> String {
        let digits = String(bits, radix: 16)
        return String(repeating: "0", count: Bits.bitWidth / 4 - digits.count) + digits
    }
}
