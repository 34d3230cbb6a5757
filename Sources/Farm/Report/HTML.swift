import Foundation

/// Text made safe for an HTML page.
enum HTML {
    /// `text` with `& < > " '` as character references: safe in element content and in quoted attributes.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A number with three decimals, or an em dash when there is none.
    static func metric(_ value: Double?) -> String {
        value.map { String(format: "%.3f", $0) } ?? "—"
    }
}
