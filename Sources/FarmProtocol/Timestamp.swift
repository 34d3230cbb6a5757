import Foundation

/// A point in time on the wire: whole milliseconds since 1970-01-01 00:00 UTC (`sent_at`,
/// `last_seen`). Receivers use it for logs and clock-skew estimates only; deadlines travel as
/// durations, so peers need not share a clock.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Whole milliseconds since 1970-01-01 00:00 UTC, the value on the wire.
    public var millisecondsSince1970: UInt64

    public init(millisecondsSince1970: UInt64) {
        self.millisecondsSince1970 = millisecondsSince1970
    }

    /// `date` rounded down to the millisecond; dates before 1970 (or not finite) become 1970.
    public init(_ date: Date) {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded(.down)
        millisecondsSince1970 = milliseconds.isFinite && milliseconds > 0 ? UInt64(min(milliseconds, 1e18)) : 0
    }

    /// The same instant as a `Date`.
    public var date: Date { Date(timeIntervalSince1970: Double(millisecondsSince1970) / 1000) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSince1970 < rhs.millisecondsSince1970
    }

    public var description: String { "\(millisecondsSince1970) ms" }

    public init(from decoder: any Decoder) throws {
        millisecondsSince1970 = try decoder.singleValueContainer().decode(UInt64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(millisecondsSince1970)
    }
}
