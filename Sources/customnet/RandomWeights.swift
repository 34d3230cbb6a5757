import DiffusionCore
import Foundation

/// Recognises the files `customnet model init-random` writes, from the `customnet.weights` entry it puts
/// in a safetensors header, so runs and reports can say plainly that the weights are random.
enum RandomWeights {
    /// "random weights, seed 0" when `path` — a safetensors file, or a model folder holding
    /// `model.safetensors` — was written by `model init-random`; nil for anything else. Only safetensors
    /// headers are read (torch checkpoints carry no such entry), so this is cheap enough for every report.
    static func note(for path: String) -> String? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return nil }
        let file = isFolder.boolValue ? (path as NSString).appendingPathComponent("model.safetensors") : path
        guard file.hasSuffix(".safetensors"), let store = try? WeightStore(path: file),
              let entry = store.metadata["customnet.weights"], entry.hasPrefix("random") else { return nil }
        return "random weights" + entry.dropFirst("random".count)
    }
}
