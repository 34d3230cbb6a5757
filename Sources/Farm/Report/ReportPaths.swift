import Foundation

/// Where a report's files go and how the page refers to the job's images from there.
struct ReportPaths: Sendable {
    /// The report folder (absolute, standardised).
    let folder: String
    /// The job's output folder, which holds `images/` (absolute, standardised).
    let output: String
    /// `output` relative to `folder`, ending in `/`; empty when they are the same.
    let outputFromFolder: String

    static let index = "index.html"
    static let csv = "metrics.csv"
    static let json = "metrics.json"
    static let grids = "grids"
    static let assets = "report-assets"

    init(folder: String, output: String) {
        self.folder = Self.absolute(folder)
        self.output = Self.absolute(output)
        let relative = Self.relative(from: self.folder, to: self.output)
        outputFromFolder = relative.isEmpty ? "" : relative + "/"
    }

    /// The absolute path of a path relative to the report folder.
    func inFolder(_ relative: String) -> String { folder + "/" + relative }

    /// The absolute path of an image path relative to the output folder.
    func inOutput(_ relative: String) -> String { output + "/" + relative }

    /// An image path relative to the output folder, as seen from the report folder.
    func fromFolder(outputRelative path: String) -> String { outputFromFolder + path }

    /// `grids/<slug>.png`.
    static func grid(slug: String) -> String { "\(grids)/\(slug).png" }
    /// The thumbnail of the image of a task: `report-assets/thumbs/<name>.png`.
    static func thumbnail(taskName: String) -> String { "\(assets)/thumbs/\(taskName).png" }
    /// An object's reference image: `report-assets/objects/<id>.png`.
    static func reference(objectID: String) -> String { "\(assets)/objects/\(objectID).png" }

    /// `path` made absolute against the current folder, `.` and `..` resolved.
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// `target` relative to `base` (both absolute and standardised), with `..` where needed; empty when equal.
    static func relative(from base: String, to target: String) -> String {
        let from = base.split(separator: "/"), to = target.split(separator: "/")
        var common = 0
        while common < from.count, common < to.count, from[common] == to[common] { common += 1 }
        return (Array(repeating: "..", count: from.count - common) + to[common...].map(String.init)).joined(separator: "/")
    }

    /// A relative path as a URL path for `href`/`src`: every component percent-encoded.
    static func url(_ path: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? String($0) }
            .joined(separator: "/")
    }
}
