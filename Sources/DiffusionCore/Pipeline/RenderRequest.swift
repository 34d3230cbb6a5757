import Foundation
import ImageIO
import Tensor

/// Where the object goes in the output frame, in pixels of the model's image: columns `x0 ..< x1`,
/// rows `y0 ..< y1`. Corners may come in either order; they are sorted as the official code does.
public struct Box: Sendable, Equatable, CustomStringConvertible {
    public var x0, y0, x1, y1: Int

    public init(x0: Int, y0: Int, x1: Int, y1: Int) {
        (self.x0, self.y0, self.x1, self.y1) = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    }

    /// The whole frame of a `size × size` image.
    public static func wholeFrame(_ size: Int) -> Box { Box(x0: 0, y0: 0, x1: size, y1: size) }

    /// Parses `x0,y0,x1,y1`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 4, let x0 = parts[0], let y0 = parts[1], let x1 = parts[2], let y1 = parts[3] else { return nil }
        self.init(x0: x0, y0: y0, x1: x1, y1: y1)
    }

    public var description: String { "\(x0),\(y0),\(x1),\(y1)" }

    /// Why this box cannot be used in a `size × size` frame, or nil when it can.
    public func problem(inFrame size: Int) -> String? {
        if x0 < 0 || y0 < 0 || x1 > size || y1 > size { return "box \(self) is outside the \(size)×\(size) frame" }
        if x1 == x0 || y1 == y0 { return "box \(self) is empty" }
        return nil
    }
}

/// The viewpoint change CustomNet is asked for, in degrees (Zero-1-to-3 convention, customnet-spec §5).
public struct Pose: Sendable, Equatable {
    public var polar: Double
    public var azimuth: Double

    public init(polar: Double, azimuth: Double) {
        self.polar = polar
        self.azimuth = azimuth
    }

    /// T = [polar in radians, sin(azimuth), cos(azimuth), 0 (radius change)], as Float32.
    var vector: [Float] {
        let polarRadians = polar * .pi / 180, azimuthRadians = azimuth * .pi / 180
        return [Float(polarRadians), Float(sin(azimuthRadians)), Float(cos(azimuthRadians)), 0]
    }
}

/// Everything that determines one CustomNet image.
public struct RenderRequest: Sendable {
    /// The object, on a white background (RGBA is composited onto white); any size.
    public var object: RasterImage
    /// Where the object goes; nil for the whole frame.
    public var box: Box?
    public var pose: Pose
    public var prompt: String
    public var seed: UInt64
    /// Grid points of the DDIM schedule (the sampler runs one fewer; CustomNet's demo uses 50).
    public var steps: Int
    public var guidance: Float
    /// x_T to start from instead of the seeded noise, `(1, 4, latent, latent)`.
    public var noise: Tensor?

    public init(object: RasterImage, box: Box? = nil, pose: Pose, prompt: String, seed: UInt64,
                steps: Int = 50, guidance: Float = 3, noise: Tensor? = nil) {
        self.object = object
        self.box = box
        self.pose = pose
        self.prompt = prompt
        self.seed = seed
        self.steps = steps
        self.guidance = guidance
        self.noise = noise
    }
}

/// A request the generator cannot render, with what is wrong.
public struct RenderError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
