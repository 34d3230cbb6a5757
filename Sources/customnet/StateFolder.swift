import Farm
import Foundation

/// A coordinator's state folder: `farm.sqlite`, and `endpoints.json` with the endpoints it bound, so
/// local clients and `customnet run` can find it without fixed ports.
struct StateFolder {
    let path: String

    var storePath: String { path + "/farm.sqlite" }
    var endpointsPath: String { path + "/endpoints.json" }

    /// The endpoints a running coordinator bound, with `*` hosts turned into 127.0.0.1 for local use.
    struct Endpoints: Codable {
        var workers: String
        var clients: String
        var pid: Int32
    }

    func writeEndpoints(workers: String, clients: String) throws {
        let endpoints = Endpoints(workers: Self.local(workers), clients: Self.local(clients), pid: getpid())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try ImageTree.writeAtomically(Array(try encoder.encode(endpoints)), to: endpointsPath)
    }

    /// The endpoints file, or nil when there is none (yet).
    func readEndpoints() -> Endpoints? {
        guard let data = FileManager.default.contents(atPath: endpointsPath) else { return nil }
        return try? JSONDecoder().decode(Endpoints.self, from: data)
    }

    /// `tcp://0.0.0.0:5555` → `tcp://127.0.0.1:5555`.
    private static func local(_ endpoint: String) -> String {
        endpoint.replacingOccurrences(of: "://0.0.0.0:", with: "://127.0.0.1:").replacingOccurrences(of: "://*:", with: "://127.0.0.1:")
    }
}
