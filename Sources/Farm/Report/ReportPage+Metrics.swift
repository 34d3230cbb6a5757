extension ReportPage {
    /// DINO-I, CLIP-I and CLIP-T as mean ± std overall, per object, per prompt and per viewpoint; or a
    /// sentence saying why there are none.
    var metricSection: String {
        var html = "<section id=\"metrics\">\n<h2>Metrics</h2>\n"
        guard let note = missingMetricsNote else {
            html += "<div class=\"tables\">\n"
            html += table(title: "Overall", heading: "images", groups: [aggregates.overall])
            html += table(title: "Per object", heading: "object", groups: aggregates.perObject.map(\.group))
            html += table(title: "Per prompt", heading: "prompt", groups: aggregates.perPrompt.map(\.group))
            html += table(title: "Per viewpoint", heading: "viewpoint", groups: aggregates.perViewpoint.map(\.group))
            return html + "</div>\n</section>\n"
        }
        return html + "<p class=\"note\" id=\"no-metrics\">\(note)</p>\n</section>\n"
    }

    /// Why the page has no metric tables; nil when it has them.
    var missingMetricsNote: String? {
        if rows.isEmpty { return "No image has finished yet, so there are no metrics." }
        guard aggregates.presentMetrics.isEmpty else { return nil }
        if let spec = data.spec, spec.metrics == nil {
            return "No metrics: this job computes none (its spec names no metric encoders), so there is no DINO-I, CLIP-I or CLIP-T."
        }
        return "No metrics: none of the \(rows.count) finished images carries a DINO-I, CLIP-I or CLIP-T score."
    }

    private func table(title: String, heading: String, groups: [MetricGroup]) -> String {
        let metrics = aggregates.presentMetrics
        var html = "<div><h3>\(title)</h3>\n<table class=\"sortable metrics\">\n<thead><tr><th>\(heading)</th><th class=\"num\">images</th>"
        html += metrics.map { "<th class=\"num\">\($0.title)</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for group in groups {
            html += "<tr><td>\(HTML.escape(group.label))</td><td class=\"num\" data-v=\"\(group.images)\">\(group.images)</td>"
            for metric in metrics {
                guard let summary = group.summaries[metric] else {
                    html += "<td class=\"num\" data-v=\"NaN\">—</td>"
                    continue
                }
                let count = summary.count == group.images ? "" : " <span class=\"note\">(n = \(summary.count))</span>"
                html += "<td class=\"num\" data-v=\"\(summary.mean)\">\(summary.formatted)\(count)</td>"
            }
            html += "</tr>\n"
        }
        return html + "</tbody></table></div>\n"
    }

    /// Identity vs azimuth and vs polar (one line per object), CLIP-T per prompt, identity vs CLIP-T.
    var plotSection: String {
        var figures: [String] = []
        let present = aggregates.presentMetrics
        for metric in [ReportMetric.dinoI, .clipI] where present.contains(metric) {
            for (axis, values) in [("azimuth", layout.azimuths), ("polar", layout.polars)] where values.count > 1 {
                let series = layout.objects.map { object in
                    SVGChart.Series(name: object.id, points: values.compactMap { angle in
                        let scores = rows.filter { $0.object == object.id && (axis == "azimuth" ? $0.viewpoint.azimuth : $0.viewpoint.polar) == angle }
                            .compactMap { $0.scores[metric] }
                        return MetricSummary(scores).map { (angle, $0.mean) }
                    })
                }
                figures.append(figure("\(metric.title) vs \(axis)",
                                      SVGChart.lines(xLabel: "\(axis) (degrees)", yLabel: "mean \(metric.title)", series: series)
                                          + SVGChart.legend(series.map(\.name))))
            }
        }
        if present.contains(.clipT) {
            let items = aggregates.perPrompt.compactMap { prompt, group in group.summaries[.clipT].map { (prompt.text, $0) } }
            figures.append(figure("CLIP-T per prompt (mean ± std)", SVGChart.bars(valueLabel: "CLIP-T", items: items)))
            if let identity = [ReportMetric.dinoI, .clipI].first(where: present.contains) {
                let series = layout.objects.map { object in
                    SVGChart.Series(name: object.id, points: rows.filter { $0.object == object.id }.compactMap { row in
                        guard let x = row.scores[.clipT], let y = row.scores[identity] else { return nil }
                        return (x, y)
                    })
                }
                figures.append(figure("\(identity.title) vs CLIP-T, one dot per image",
                                      SVGChart.scatter(xLabel: "CLIP-T (prompt fidelity)", yLabel: "\(identity.title) (identity)", series: series)
                                          + SVGChart.legend(series.map(\.name))))
            }
        }
        var html = "<section id=\"plots\">\n<h2>Plots</h2>\n"
        if figures.isEmpty {
            html += "<p class=\"note\">No plots: \(missingMetricsNote ?? "the metrics vary along no axis with more than one value.")</p>\n"
        } else {
            html += "<div class=\"plots\">\n" + figures.joined(separator: "\n") + "\n</div>\n"
        }
        return html + "</section>\n"
    }

    func figure(_ caption: String, _ body: String) -> String {
        "<figure><figcaption>\(HTML.escape(caption))</figcaption>\(body)</figure>"
    }
}
