/// Reads an image file as users have them: PNG or JPEG, told apart by their first bytes, not by the name.
public enum ImageFile {
    /// Decodes the PNG or JPEG file at `path`.
    public static func read(path: String) throws(ImageIOError) -> RasterImage {
        let bytes = try FileBytes.read(path: path)
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return try PNG.decode(bytes, source: path) }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return try JPEG.decode(bytes, source: path) }
        throw ImageIOError(source: path, problem: "neither a PNG nor a JPEG file (it starts with \(hexPrefix(bytes)))")
    }

    private static func hexPrefix(_ bytes: [UInt8]) -> String {
        bytes.isEmpty ? "nothing: the file is empty" : bytes.prefix(4).map { String($0, radix: 16, uppercase: true) }.joined(separator: " ")
    }
}
