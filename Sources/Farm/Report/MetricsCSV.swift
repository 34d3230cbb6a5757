import Foundation

/// `metrics.csv`: one row per committed image, RFC 4180 (CRLF line ends; a field holding a comma,
/// a quote or a line break is quoted, its quotes doubled). A metric the job did not compute is empty.
enum MetricsCSV {
    static let header = ["object", "prompt", "polar", "azimuth", "seed", "path", "dino_i", "clip_i", "clip_t", "worker", "render_seconds"]

    static func text(rows: [ReportImageRow]) -> String {
        var lines = [line(header)]
        for row in rows {
            lines.append(line([
                row.object, row.prompt, number(row.viewpoint.polar), number(row.viewpoint.azimuth), String(row.seed), row.path,
                row.scores[.dinoI].map(number) ?? "", row.scores[.clipI].map(number) ?? "", row.scores[.clipT].map(number) ?? "",
                row.worker ?? "", row.renderSeconds.map(number) ?? "",
            ]))
        }
        return lines.joined()
    }

    /// The fields joined by commas, ended by CRLF.
    static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// A field, quoted when it must be.
    static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The shortest text that reads back as the same `Double` (`15`, `-7.5`, `0.7123`).
    static func number(_ value: Double) -> String {
        JobSpecParser.formatted(value)
    }
}
