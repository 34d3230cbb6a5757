import ImageIO

/// One prompt's grid as a single picture for slides: a title, a header row naming the columns (the
/// reference image, then each viewpoint), and one row per object labelled with its id. Cells without
/// an image show a grey placeholder with a word (`PENDING`, `MISSING`, …).
struct GridImage {
    /// What goes in a cell.
    enum Cell {
        /// An RGB image no larger than `cellSide` on either side (see `fitted(_:)`).
        case image(RasterImage)
        case placeholder(String)
    }

    /// The side of a square cell, in pixels.
    static let cellSide = 128
    static let gap = 8
    static let margin = 16
    /// Font pixels per glyph pixel.
    static let scale = 2
    /// Row labels (object ids) are cut to this many characters.
    static let longestRowLabel = 16

    var title: String
    /// Each column's label, one or more lines.
    var columnLabels: [[String]]
    var rows: [(label: String, cells: [Cell])]

    /// `image` on white, shrunk (bicubic) to fit a cell, or enlarged by the largest whole factor that fits (nearest).
    static func fitted(_ image: RasterImage) -> RasterImage {
        let rgb = image.compositedOnWhite()
        let side = max(rgb.width, rgb.height)
        if side > cellSide { return rgb.thumbnail(fitting: (cellSide, cellSide), filter: .bicubic) }
        let factor = cellSide / side
        return factor > 1 ? rgb.resized(width: rgb.width * factor, height: rgb.height * factor, filter: .nearest) : rgb
    }

    /// The grid drawn on white.
    func render() -> RasterImage {
        let glyphHeight = BitmapFont.glyphHeight * Self.scale
        let lineHeight = glyphHeight + 4
        let labelWidth = min(rows.map { BitmapFont.width(of: $0.label, scale: Self.scale) }.max() ?? 0,
                             (Self.longestRowLabel * BitmapFont.advance - 1) * Self.scale)
        let firstColumn = Self.margin + labelWidth + Self.gap
        let pitch = Self.cellSide + Self.gap
        let headerLines = columnLabels.map(\.count).max() ?? 0
        let headerTop = Self.margin + lineHeight + Self.gap
        let firstRow = headerTop + headerLines * lineHeight + Self.gap
        let width = max(firstColumn + columnLabels.count * pitch - Self.gap + Self.margin, 2 * Self.margin + 1)
        let height = firstRow + rows.count * pitch - (rows.isEmpty ? 0 : Self.gap) + Self.margin
        var canvas = Canvas(width: width, height: height)

        canvas.text(BitmapFont.fitting(title, width: width - 2 * Self.margin, scale: Self.scale), x: Self.margin, y: Self.margin,
                    color: Canvas.ink)
        for (column, lines) in columnLabels.enumerated() {
            for (line, text) in lines.enumerated() {
                let fitted = BitmapFont.fitting(text, width: Self.cellSide, scale: Self.scale)
                let x = firstColumn + column * pitch + (Self.cellSide - BitmapFont.width(of: fitted, scale: Self.scale)) / 2
                canvas.text(fitted, x: x, y: headerTop + line * lineHeight, color: Canvas.muted)
            }
        }
        for (index, row) in rows.enumerated() {
            let top = firstRow + index * pitch
            canvas.text(BitmapFont.fitting(row.label, width: labelWidth, scale: Self.scale), x: Self.margin,
                        y: top + (Self.cellSide - glyphHeight) / 2, color: Canvas.ink)
            for (column, cell) in row.cells.enumerated() {
                let left = firstColumn + column * pitch
                switch cell {
                case .image(let image):
                    canvas.fill(x: left, y: top, width: Self.cellSide, height: Self.cellSide, color: Canvas.cellBackground)
                    canvas.place(image, x: left + (Self.cellSide - image.width) / 2, y: top + (Self.cellSide - image.height) / 2)
                case .placeholder(let word):
                    canvas.fill(x: left, y: top, width: Self.cellSide, height: Self.cellSide, color: Canvas.placeholder)
                    let fitted = BitmapFont.fitting(word, width: Self.cellSide - 8, scale: Self.scale)
                    canvas.text(fitted, x: left + (Self.cellSide - BitmapFont.width(of: fitted, scale: Self.scale)) / 2,
                                y: top + (Self.cellSide - glyphHeight) / 2, color: Canvas.muted)
                }
            }
        }
        return canvas.image
    }
}

/// An RGB image to draw on: filled rectangles, pasted images and bitmap-font text, clipped to the edges.
struct Canvas {
    static let ink: (UInt8, UInt8, UInt8) = (0x1d, 0x23, 0x30)
    static let muted: (UInt8, UInt8, UInt8) = (0x5b, 0x64, 0x75)
    static let placeholder: (UInt8, UInt8, UInt8) = (0xe6, 0xe8, 0xee)
    static let cellBackground: (UInt8, UInt8, UInt8) = (0xf5, 0xf6, 0xf9)

    private(set) var image: RasterImage

    init(width: Int, height: Int) {
        image = RasterImage(width: width, height: height, layout: .rgb, filledWith: 255)
    }

    mutating func fill(x: Int, y: Int, width: Int, height: Int, color: (UInt8, UInt8, UInt8)) {
        let top = max(y, 0), left = max(x, 0)
        for row in top..<max(top, min(y + height, image.height)) {
            for column in left..<max(left, min(x + width, image.width)) { set(column, row, color) }
        }
    }

    /// Copies an RGB image with its top-left corner at (`x`, `y`).
    mutating func place(_ source: RasterImage, x: Int, y: Int) {
        let rgb = source.compositedOnWhite()
        for row in 0..<rgb.height {
            for column in 0..<rgb.width {
                let offset = (row * rgb.width + column) * 3
                set(x + column, y + row, (rgb.pixels[offset], rgb.pixels[offset + 1], rgb.pixels[offset + 2]))
            }
        }
    }

    mutating func text(_ text: String, x: Int, y: Int, color: (UInt8, UInt8, UInt8)) {
        for point in BitmapFont.pixels(of: text, x: x, y: y, scale: GridImage.scale) { set(point.x, point.y, color) }
    }

    private mutating func set(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8)) {
        guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
        let offset = (y * image.width + x) * 3
        image.pixels[offset] = color.0
        image.pixels[offset + 1] = color.1
        image.pixels[offset + 2] = color.2
    }
}
