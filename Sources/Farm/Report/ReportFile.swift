import ImageIO

/// Writes the report's files atomically (a temporary file in the same folder, flushed, then renamed):
/// a browser refreshing the page while a run goes on sees the old file or the new one, never half of one.
enum ReportFile {
    static func write(_ text: String, to path: String) throws(ReportError) {
        try write(Array(text.utf8), to: path)
    }

    static func writePNG(_ image: RasterImage, to path: String) throws(ReportError) {
        let bytes: [UInt8]
        do {
            bytes = try PNG.encode(image)
        } catch {
            throw .write(path: path, problem: error.problem)
        }
        try write(bytes, to: path)
    }

    static func write(_ bytes: [UInt8], to path: String) throws(ReportError) {
        do {
            try ImageTree.writeAtomically(bytes, to: path)
        } catch {
            throw .write(path: path, problem: error.problem)
        }
    }
}
