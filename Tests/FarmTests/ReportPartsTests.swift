import Foundation
import ImageIO
import Testing
@testable import Farm

/// The report's small parts on their own: quoting, escaping, statistics, paths, the font and the grid picture.
@Suite struct ReportPartsTests {
    @Test func csvFieldsAreQuotedAsRFC4180Says() {
        #expect(MetricsCSV.field("plain text") == "plain text")
        #expect(MetricsCSV.field("a, b") == "\"a, b\"")
        #expect(MetricsCSV.field(#"say "hi""#) == #""say ""hi""""#)
        #expect(MetricsCSV.field("two\nlines") == "\"two\nlines\"")
        #expect(MetricsCSV.field("cr\r\nlf") == "\"cr\r\nlf\"")
        #expect(MetricsCSV.line(["a", "b,c"]) == "a,\"b,c\"\r\n")
        #expect(MetricsCSV.number(15) == "15" && MetricsCSV.number(-7.5) == "-7.5" && MetricsCSV.number(0.1 + 0.2) == "0.30000000000000004")
    }

    @Test func htmlEscapesEveryMarkupCharacter() {
        #expect(HTML.escape(#"<a href="x">Tom & Jerry's</a> ☕"#) == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt; ☕")
        #expect(HTML.metric(0.71249) == "0.712" && HTML.metric(nil) == "—")
    }

    @Test func summariesUseThePopulationStandardDeviation() throws {
        let summary = try #require(MetricSummary([0.5, 0.7, 0.9]))
        #expect(summary.count == 3 && abs(summary.mean - 0.7) < 1e-12)
        #expect(abs(summary.std - (0.08 / 3).squareRoot()) < 1e-12)
        #expect(summary.formatted == "0.700 ± 0.163")
        #expect(MetricSummary([0.4])?.std == 0 && MetricSummary([]) == nil)
    }

    @Test func pathsAreRelativeAndURLEncoded() {
        #expect(ReportPaths.relative(from: "/a/b", to: "/a/b") == "")
        #expect(ReportPaths.relative(from: "/a/b/report", to: "/a/b") == "..")
        #expect(ReportPaths.relative(from: "/x/reports/job", to: "/a/out") == "../../../a/out")
        #expect(ReportPaths(folder: "/jobs/out/../out", output: "/jobs/out").outputFromFolder == "")
        #expect(ReportPaths(folder: "/r", output: "/jobs/my out").fromFolder(outputRelative: "images/x.png") == "../jobs/my out/images/x.png")
        #expect(ReportPaths.url("../my out/images/a#b?.png") == "../my%20out/images/a%23b%3F.png")
        #expect(ReportPaths.url("images/café.png") == "images/caf%C3%A9.png")
    }

    @Test func fontCoversPrintableASCII() {
        #expect(BitmapFont.width(of: "ab", scale: 2) == 22)
        #expect(BitmapFont.ascii("Café ☕\t") == Array("Cafe ??"))
        #expect(BitmapFont.fitting("toy-robot-with-a-long-name", width: 10 * 6 * 2, scale: 2) == "toy-robo..")
        // Every printable character has pixels, except the space; glyphs stay in their 5×8 cell.
        for code in 33...126 {
            let pixels = BitmapFont.pixels(of: String(UnicodeScalar(UInt8(code))), x: 0, y: 0, scale: 1)
            #expect(!pixels.isEmpty, "glyph \(code)")
            #expect(pixels.allSatisfy { $0.x < BitmapFont.glyphWidth && $0.y < BitmapFont.glyphHeight }, "glyph \(code)")
        }
        #expect(BitmapFont.pixels(of: " ", x: 0, y: 0, scale: 1).isEmpty)
        #expect(Set(BitmapFont.pixels(of: "l", x: 0, y: 0, scale: 1).map { "\($0.x),\($0.y)" })
            != Set(BitmapFont.pixels(of: "1", x: 0, y: 0, scale: 1).map { "\($0.x),\($0.y)" }))
    }

    @Test func gridPictureHasLabelsImagesAndPlaceholders() {
        let red = RasterImage(width: 64, height: 32, layout: .rgb, pixels: Array(repeating: [255, 0, 0], count: 64 * 32).flatMap { $0 })
        let fitted = GridImage.fitted(red)
        #expect(fitted.width == GridImage.cellSide && fitted.height == 64)
        #expect(GridImage.fitted(RasterImage(width: 300, height: 150, layout: .rgb, filledWith: 9)).width == GridImage.cellSide)
        let small = GridImage.fitted(RasterImage(width: 40, height: 40, layout: .rgba, filledWith: 0))
        #expect(small.width == 120 && small.layout == .rgb && small.pixels.allSatisfy { $0 == 255 })

        let grid = GridImage(title: "job: a prompt", columnLabels: [["reference"], ["p0", "a30"]],
                             rows: [("cube", [.image(fitted), .placeholder("PENDING")])])
        let picture = grid.render()
        let labelWidth = BitmapFont.width(of: "cube", scale: GridImage.scale)
        #expect(picture.width == GridImage.margin + labelWidth + GridImage.gap + 2 * (GridImage.cellSide + GridImage.gap) - GridImage.gap + GridImage.margin)
        func pixelsMatching(_ test: (UInt8, UInt8, UInt8) -> Bool) -> Int {
            stride(from: 0, to: picture.pixels.count, by: 3).count { test(picture.pixels[$0], picture.pixels[$0 + 1], picture.pixels[$0 + 2]) }
        }
        #expect(pixelsMatching { $0 == 255 && $1 == 0 && $2 == 0 } == GridImage.cellSide * 64)
        #expect(pixelsMatching { $0 == Canvas.ink.0 && $1 == Canvas.ink.1 && $2 == Canvas.ink.2 } > 100)  // title and row label
        #expect(pixelsMatching { $0 == Canvas.placeholder.0 && $1 == Canvas.placeholder.1 && $2 == Canvas.placeholder.2 } > GridImage.cellSide * GridImage.cellSide / 2)
    }

    @Test func chartScalesUseRoundTicks() {
        let scale = SVGChart.Scale(values: [0.61, 0.78], from: 0, to: 100)
        #expect(scale.step == 0.05 && abs(scale.low - 0.6) < 1e-12 && abs(scale.high - 0.8) < 1e-12)
        #expect(scale.ticks.map(scale.label) == ["0.60", "0.65", "0.70", "0.75", "0.80"])
        #expect(SVGChart.Scale(values: [-30, 30], from: 0, to: 1).ticks.map { SVGChart.Scale(values: [-30, 30], from: 0, to: 1).label($0) }
            == ["−40", "−20", "0", "20", "40"])
        let flat = SVGChart.Scale(values: [3, 3], from: 0, to: 1, wholeNumbers: true)
        #expect(flat.low <= 2 && flat.high >= 4 && flat.step >= 1)
        let svg = SVGChart.lines(xLabel: "azimuth <deg>", yLabel: "DINO-I", series: [.init(name: "a & b", points: [(0, 0.5), (30, 0.4)])])
        #expect(svg.contains("azimuth &lt;deg&gt;") && svg.contains("a &amp; b") && svg.contains("<polyline"))
    }

    /// A negative bar grows left from zero; its label must stay left of every bar, not under one.
    @Test func barLabelsStayLeftOfNegativeBars() throws {
        let items = [(label: "a toy on the beach at sunset", summary: try #require(MetricSummary([-0.2, -0.1]))),
                     (label: "wooden table", summary: try #require(MetricSummary([0.18])))]
        let svg = SVGChart.bars(valueLabel: "CLIP-T", items: items)
        func xs(_ pattern: String) throws -> [Double] {
            svg.matches(of: try Regex(pattern)).compactMap { Double($0.output[1].substring ?? "") }
        }
        let labelEnds = try xs(#"<text x="([-0-9.]+)"[^>]*text-anchor="end"><title>"#)
        let barStarts = try xs(#"<rect x="([-0-9.]+)""#)
        #expect(labelEnds.count == 2 && barStarts.count == 2)
        #expect(labelEnds.max()! < barStarts.min()!, "labels end at \(labelEnds), bars start at \(barStarts)")
        #expect(svg.contains("a toy on the beach at sun…"))
    }
}
