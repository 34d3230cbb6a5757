import Foundation
import ImageIO

/// A picture as the report shows it: what the page's `<img src>` points at (relative to the report
/// folder) and the same picture fitted to a grid cell for the grid PNG.
struct ShownImage {
    var source: String
    var cell: RasterImage
}

/// Why an image cannot be shown.
enum ImageProblem: Error, CustomStringConvertible {
    case missing(String)
    case unreadable(String, reason: String)

    /// `missing: images/…` or `unreadable: images/…: reason`.
    var description: String {
        switch self {
        case .missing(let path): "missing: \(path)"
        case .unreadable(let path, let reason): "unreadable: \(path): \(reason)"
        }
    }
}

/// Loads the job's images and the objects' reference images for the report, keeping thumbnails in
/// `report-assets/`. A thumbnail is made once and made again only when its image is newer, so a refresh
/// during a run decodes little more than the new images. Images that fit a grid cell are shown as they are.
struct ReportImageLoader {
    let paths: ReportPaths

    /// The image of the task named `taskName`, at `path` relative to the output folder.
    func taskImage(taskName: String, path: String) throws(ReportError) -> Result<ShownImage, ImageProblem> {
        let source = paths.inOutput(path)
        guard let modified = Self.modificationDate(source) else { return .failure(.missing(path)) }
        let thumbnail = ReportPaths.thumbnail(taskName: taskName)
        if let cached = Self.fresh(paths.inFolder(thumbnail), comparedWith: modified) {
            return .success(ShownImage(source: thumbnail, cell: cached))
        }
        let image: RasterImage
        do {
            image = try PNG.read(path: source)
        } catch {
            return .failure(.unreadable(path, reason: error.problem))
        }
        let cell = GridImage.fitted(image)
        guard max(image.width, image.height) > GridImage.cellSide else {
            return .success(ShownImage(source: paths.fromFolder(outputRelative: path), cell: cell))
        }
        try ReportFile.writePNG(cell, to: paths.inFolder(thumbnail))
        return .success(ShownImage(source: thumbnail, cell: cell))
    }

    /// The object's image (PNG or JPEG, anywhere), copied as a cell-sized PNG on white into `report-assets/`.
    func referenceImage(of object: ReportObject) throws(ReportError) -> Result<ShownImage, ImageProblem> {
        guard let modified = Self.modificationDate(object.imagePath) else { return .failure(.missing(object.imagePath)) }
        let copy = ReportPaths.reference(objectID: object.id)
        if let cached = Self.fresh(paths.inFolder(copy), comparedWith: modified) {
            return .success(ShownImage(source: copy, cell: cached))
        }
        let cell: RasterImage
        do {
            cell = GridImage.fitted(try ImageFile.read(path: object.imagePath))
        } catch {
            return .failure(.unreadable(object.imagePath, reason: error.problem))
        }
        try ReportFile.writePNG(cell, to: paths.inFolder(copy))
        return .success(ShownImage(source: copy, cell: cell))
    }

    /// The decoded file at `path` when it exists and is not older than `modified`.
    private static func fresh(_ path: String, comparedWith modified: Date) -> RasterImage? {
        guard let date = modificationDate(path), date >= modified else { return nil }
        return try? PNG.read(path: path)
    }

    private static func modificationDate(_ path: String) -> Date? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              attributes[.type] as? FileAttributeType == .typeRegular else { return nil }
        return attributes[.modificationDate] as? Date
    }
}
