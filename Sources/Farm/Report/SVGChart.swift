import Foundation

/// Small charts as inline SVG, drawn by this code (no scripts, no external files): lines, scatter,
/// horizontal bars with ±std whiskers, and a histogram. Text is escaped; every mark has a `<title>`
/// tooltip. Series colours come from `color(_:)`, so a legend drawn beside the chart matches.
enum SVGChart {
    /// A named set of points.
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
    }

    static let width = 460.0
    static let height = 300.0
    private static let left = 58.0, right = 14.0, top = 14.0, bottom = 46.0

    /// Colour of the series at `index` (cycling through ten).
    static func color(_ index: Int) -> String {
        let palette = ["#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac"]
        return palette[index % palette.count]
    }

    /// One line with markers per series over a numeric x axis.
    static func lines(xLabel: String, yLabel: String, series: [Series]) -> String {
        plot(xLabel: xLabel, yLabel: yLabel, series: series) { index, points, x, y in
            let sorted = points.sorted { $0.x < $1.x }
            let polyline = sorted.map { "\(format(x.position($0.x))),\(format(y.position($0.y)))" }.joined(separator: " ")
            return (sorted.count > 1 ? "<polyline fill=\"none\" stroke=\"\(color(index))\" stroke-width=\"2\" points=\"\(polyline)\"/>" : "")
                + markers(sorted, index: index, radius: 3.5, series: series[index].name, x: x, y: y)
        }
    }

    /// One dot per point, coloured by series.
    static func scatter(xLabel: String, yLabel: String, series: [Series]) -> String {
        plot(xLabel: xLabel, yLabel: yLabel, series: series) { index, points, x, y in
            markers(points, index: index, radius: 3, series: series[index].name, x: x, y: y, opacity: 0.75)
        }
    }

    /// Horizontal bars from zero with a ±std whisker and the mean written at the end; labels sit left of
    /// the value axis (so negative bars never run into them), cut to fit and given whole in the tooltip.
    static func bars(valueLabel: String, items: [(label: String, summary: MetricSummary)]) -> String {
        let labelWidth = 170.0, rowHeight = 26.0
        let chartHeight = top + Double(items.count) * rowHeight + bottom
        let plotLeft = left + labelWidth - 40
        let scale = Scale(values: items.flatMap { [0, $0.summary.mean - $0.summary.std, $0.summary.mean + $0.summary.std] }, from: plotLeft, to: width - right - 36)
        var svg = open(height: chartHeight, label: valueLabel)
        svg += xAxis(scale, y: chartHeight - bottom, label: valueLabel, gridTop: top)
        for (row, item) in items.enumerated() {
            let middle = top + (Double(row) + 0.5) * rowHeight
            let zero = scale.position(0), end = scale.position(item.summary.mean)
            let low = scale.position(item.summary.mean - item.summary.std), high = scale.position(item.summary.mean + item.summary.std)
            let tip = HTML.escape("\(item.label): \(item.summary.formatted) (\(item.summary.count) images)")
            let shown = item.label.count > 26 ? String(item.label.prefix(25)) + "…" : item.label
            svg += "<text x=\"\(format(plotLeft - 6))\" y=\"\(format(middle + 4))\" text-anchor=\"end\"><title>\(tip)</title>\(HTML.escape(shown))</text>"
            svg += "<rect x=\"\(format(min(zero, end)))\" y=\"\(format(middle - 8))\" width=\"\(format(abs(end - zero)))\" height=\"16\" "
                + "fill=\"\(color(row))\"><title>\(tip)</title></rect>"
            svg += "<path d=\"M\(format(low)) \(format(middle))H\(format(high))M\(format(low)) \(format(middle - 5))v10M\(format(high)) "
                + "\(format(middle - 5))v10\" stroke=\"#1d2330\" stroke-width=\"1.2\"/>"
            svg += "<text x=\"\(format(max(end, high) + 4))\" y=\"\(format(middle + 4))\">\(String(format: "%.3f", item.summary.mean))</text>"
        }
        return svg + "</svg>"
    }

    /// Counts of `values` in about √n equal bins (5 to 20).
    static func histogram(xLabel: String, values: [Double]) -> String {
        let bins = min(20, max(5, Int(Double(values.count).squareRoot().rounded(.up))))
        let x = Scale(values: values, from: left, to: width - right)
        let binWidth = (x.high - x.low) / Double(bins)
        var counts = [Int](repeating: 0, count: bins)
        for value in values { counts[min(bins - 1, max(0, Int((value - x.low) / binWidth)))] += 1 }
        let y = Scale(values: [0] + counts.map(Double.init), from: height - bottom, to: top, wholeNumbers: true)
        var svg = open(height: height, label: xLabel)
        svg += yAxis(y, label: "tasks") + xAxis(x, y: height - bottom, label: xLabel, gridTop: nil)
        for (bin, count) in counts.enumerated() where count > 0 {
            let from = x.low + Double(bin) * binWidth
            let tip = "\(count) \(count == 1 ? "task" : "tasks"), " + String(format: "%.2f–%.2f s", from, from + binWidth)
            svg += "<rect x=\"\(format(x.position(from) + 0.5))\" y=\"\(format(y.position(Double(count))))\" "
                + "width=\"\(format(max(1, x.position(from + binWidth) - x.position(from) - 1)))\" "
                + "height=\"\(format(y.position(0) - y.position(Double(count))))\" fill=\"\(color(0))\"><title>\(tip)</title></rect>"
        }
        return svg + "</svg>"
    }

    /// The series names with their colours, as HTML to put under a chart.
    static func legend(_ names: [String]) -> String {
        "<div class=\"legend\">" + names.enumerated().map { index, name in
            "<span><i style=\"background:\(color(index))\"></i>\(HTML.escape(name))</span>"
        }.joined() + "</div>"
    }

    // MARK: - Parts

    /// Axes for all the series' points, then `marks(index, points, x, y)` for each series.
    private static func plot(xLabel: String, yLabel: String, series: [Series],
                             marks: (Int, [(x: Double, y: Double)], Scale, Scale) -> String) -> String {
        let points = series.flatMap(\.points)
        let x = Scale(values: points.map(\.x), from: left, to: width - right)
        let y = Scale(values: points.map(\.y), from: height - bottom, to: top)
        var svg = open(height: height, label: "\(yLabel) vs \(xLabel)")
        svg += yAxis(y, label: yLabel) + xAxis(x, y: height - bottom, label: xLabel, gridTop: nil)
        for (index, item) in series.enumerated() { svg += marks(index, item.points, x, y) }
        return svg + "</svg>"
    }

    private static func markers(_ points: [(x: Double, y: Double)], index: Int, radius: Double, series: String, x: Scale, y: Scale,
                                opacity: Double = 1) -> String {
        points.map { point in
            let tip = HTML.escape("\(series): \(format(point.x, decimals: 3)), \(format(point.y, decimals: 3))")
            return "<circle cx=\"\(format(x.position(point.x)))\" cy=\"\(format(y.position(point.y)))\" r=\"\(format(radius))\" "
                + "fill=\"\(color(index))\" fill-opacity=\"\(format(opacity))\"><title>\(tip)</title></circle>"
        }.joined()
    }

    private static func open(height: Double, label: String) -> String {
        "<svg class=\"chart\" viewBox=\"0 0 \(format(width)) \(format(height))\" width=\"\(format(width))\" height=\"\(format(height))\" "
            + "role=\"img\" aria-label=\"\(HTML.escape(label))\">"
    }

    /// The y axis on the left with horizontal grid lines and a rotated label.
    private static func yAxis(_ scale: Scale, label: String) -> String {
        var svg = ""
        for tick in scale.ticks {
            let y = format(scale.position(tick))
            svg += "<line class=\"grid\" x1=\"\(format(left))\" x2=\"\(format(width - right))\" y1=\"\(y)\" y2=\"\(y)\"/>"
            svg += "<text x=\"\(format(left - 6))\" y=\"\(y)\" dy=\"4\" text-anchor=\"end\">\(scale.label(tick))</text>"
        }
        let middle = format((scale.start + scale.end) / 2)
        svg += "<line class=\"axis\" x1=\"\(format(left))\" x2=\"\(format(left))\" y1=\"\(format(top))\" y2=\"\(format(height - bottom))\"/>"
        return svg + "<text class=\"label\" transform=\"translate(14 \(middle)) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(label))</text>"
    }

    /// The x axis at `y` with ticks, tick labels and a label; vertical grid lines up to `gridTop` when given.
    private static func xAxis(_ scale: Scale, y: Double, label: String, gridTop: Double?) -> String {
        var svg = "<line class=\"axis\" x1=\"\(format(scale.start))\" x2=\"\(format(scale.end))\" y1=\"\(format(y))\" y2=\"\(format(y))\"/>"
        for tick in scale.ticks {
            let x = format(scale.position(tick))
            if let gridTop { svg += "<line class=\"grid\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(format(gridTop))\" y2=\"\(format(y))\"/>" }
            svg += "<line class=\"axis\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(format(y))\" y2=\"\(format(y + 4))\"/>"
            svg += "<text x=\"\(x)\" y=\"\(format(y + 16))\" text-anchor=\"middle\">\(scale.label(tick))</text>"
        }
        let middle = format((scale.start + scale.end) / 2)
        return svg + "<text class=\"label\" x=\"\(middle)\" y=\"\(format(y + 36))\" text-anchor=\"middle\">\(HTML.escape(label))</text>"
    }

    /// A coordinate with at most two decimals.
    private static func format(_ value: Double, decimals: Int = 2) -> String {
        let text = String(format: "%.\(decimals)f", value)
        guard text.contains(".") else { return text }
        let trimmed = text.reversed().drop { $0 == "0" }.drop { $0 == "." }
        return String(trimmed.reversed())
    }

    /// A linear map from data values to pixels over a range widened to round ticks (1, 2 or 5 × 10^k apart).
    struct Scale {
        let low, high, step: Double
        /// Pixel positions of `low` and `high`.
        let start, end: Double

        init(values: [Double], from start: Double, to end: Double, wholeNumbers: Bool = false) {
            var low = values.min() ?? 0, high = values.max() ?? 1
            if high - low < 1e-12 {
                let pad = low == 0 ? 1 : abs(low) * 0.05
                (low, high) = (low - pad, high + pad)
            }
            let raw = (high - low) / 5
            let magnitude = pow(10, (log10(raw)).rounded(.down))
            let nice = [1.0, 2, 5, 10].first { raw <= $0 * magnitude } ?? 10
            var step = nice * magnitude
            if wholeNumbers { step = max(1, step.rounded(.up)) }
            self.step = step
            self.low = (low / step).rounded(.down) * step
            self.high = (high / step).rounded(.up) * step
            self.start = start
            self.end = end
        }

        var ticks: [Double] {
            let count = Int(((high - low) / step).rounded())
            return (0...count).map { low + Double($0) * step }
        }

        func position(_ value: Double) -> Double {
            start + (value - low) / (high - low) * (end - start)
        }

        /// A tick label with as many decimals as the step needs.
        func label(_ value: Double) -> String {
            let decimals = max(0, Int((-log10(step)).rounded(.up)))
            let text = String(format: "%.\(decimals)f", abs(value) < step / 1e6 ? 0 : value)
            return text.replacingOccurrences(of: "-", with: "−")
        }
    }
}
