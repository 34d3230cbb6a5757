import Foundation

/// `report-data.json`: the ledger snapshot a job's report is made from, written into the job's output
/// folder beside the images each time the coordinator's aggregator runs. With it, `customnet report OUT`
/// rebuilds the report from the output folder alone — on another host that mounts it, while the
/// coordinator runs with `--report-data-only` and spends no time on pages and thumbnails. (The ledger
/// itself must stay on the coordinator's local disk: SQLite's WAL does not work over network file systems.)
///
/// The file is one JSON object: `format_version` and `job` (a `JobReportData`, dates as seconds since
/// 1970). Written atomically, so a reader never sees half of one.
public enum ReportDataFile {
    public static let name = "report-data.json"
    public static let formatVersion = 1

    private struct Contents: Codable {
        var formatVersion: Int
        var job: JobReportData

        enum CodingKeys: String, CodingKey {
            case formatVersion = "format_version", job
        }
    }

    /// Writes `data` to `path`.
    static func write(_ data: JobReportData, to path: String) throws(ReportError) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        let bytes: Data
        do {
            bytes = try encoder.encode(Contents(formatVersion: formatVersion, job: data))
        } catch {
            throw .write(path: path, problem: "cannot encode the snapshot: \(error)")
        }
        try ReportFile.write(Array(bytes), to: path)
    }

    /// Reads the snapshot at `path`, parses its spec, and takes the folder holding it as the job's output
    /// folder (it may be mounted elsewhere than on the coordinator).
    public static func read(path: String) throws(ReportError) -> JobReportData {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw .target(path, problem: "cannot read the file")
        }
        struct Version: Decodable {
            var formatVersion: Int?
            enum CodingKeys: String, CodingKey { case formatVersion = "format_version" }
        }
        guard let version = try? JSONDecoder().decode(Version.self, from: bytes).formatVersion else {
            throw .target(path, problem: "not a report snapshot (no format_version); it is written by the coordinator as \(name)")
        }
        guard version == formatVersion else {
            throw .target(path, problem: "report snapshot format \(version) is not the one this build reads (\(formatVersion)); "
                          + "use the customnet that wrote it")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        var data: JobReportData
        do {
            data = try decoder.decode(Contents.self, from: bytes).job
        } catch {
            throw .target(path, problem: "damaged report snapshot: \(error)")
        }
        data.output = (path as NSString).deletingLastPathComponent
        return data.parsingSpec()
    }
}
