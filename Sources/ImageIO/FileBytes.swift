import Foundation

/// Whole-file reads and atomic writes with errors that name the file.
enum FileBytes {
    static func read(path: String) throws(ImageIOError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let problem = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
            throw ImageIOError(source: path, problem: problem)
        }
        return [UInt8](data)
    }

    /// Writes to a temporary file beside `path`, then renames it over `path`.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(ImageIOError) {
        let url = URL(fileURLWithPath: path)
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw ImageIOError(source: path, problem: "cannot be written: \(error.localizedDescription)")
        }
    }
}
