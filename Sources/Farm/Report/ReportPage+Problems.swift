import Foundation

extension ReportPage {
    /// Failed and retried tasks with what happened to them, and the images that cannot be shown.
    var problemSection: String {
        var html = "<section id=\"problems\">\n<h2>Problems</h2>\n<h3>Failed and retried tasks</h3>\n"
        let troubled = data.tasks.filter { $0.state == .failed || $0.wasRetried }
        if troubled.isEmpty {
            html += "<p class=\"note\">No task failed or needed a second lease.</p>\n"
        } else {
            html += "<table class=\"sortable\" id=\"failed-tasks\">\n<thead><tr><th>task</th><th>state</th><th class=\"num\">leases</th>"
                + "<th class=\"num\">failures</th><th>what happened</th></tr></thead>\n<tbody>\n"
            for task in troubled {
                let events = task.events.isEmpty ? "<span class=\"note\">no failure reported (an earlier lease was revoked)</span>"
                    : "<ul class=\"problems\">" + task.events.map { event in
                        "<li>\(ReportFormat.time(event.time)) <b>\(HTML.escape(event.kind))</b>"
                            + (event.workerID.map { " on <code>\(HTML.escape($0))</code>" } ?? "") + ": \(HTML.escape(event.detail))</li>"
                    }.joined() + "</ul>"
                html += "<tr><td><code>\(HTML.escape(task.name))</code></td><td>\(task.state.rawValue)</td>"
                    + "<td class=\"num\" data-v=\"\(task.attempts)\">\(task.attempts)</td><td class=\"num\" data-v=\"\(task.failures)\">\(task.failures)</td>"
                    + "<td>\(events)</td></tr>\n"
            }
            html += "</tbody></table>\n"
        }
        html += "<h3>Images that cannot be shown</h3>\n"
        if grids.imageProblems.isEmpty {
            html += "<p class=\"note\">Every finished image is in place.</p>\n"
        } else {
            html += "<ul class=\"problems mono\" id=\"missing-images\">" + grids.imageProblems.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>\n"
        }
        return html + "</section>\n"
    }

    /// A histogram of the render times of the finished tasks.
    var timingSection: String {
        let times = rows.compactMap(\.renderSeconds)
        var html = "<section id=\"timing\">\n<h2>Timing</h2>\n"
        guard !times.isEmpty else { return html + "<p class=\"note\">No render times yet.</p>\n</section>\n" }
        let sorted = times.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        html += "<p class=\"sub\">\(times.count) tasks: " + String(format: "mean %.2f s, median %.2f s, fastest %.2f s, slowest %.2f s",
                                                                  times.reduce(0, +) / Double(times.count), median, sorted[0], sorted[sorted.count - 1])
            + " (rendering only; encoding for the metrics is not included)</p>\n"
        html += "<div class=\"plots\">" + figure("Render time per task", SVGChart.histogram(xLabel: "render time (seconds)", values: times))
            + "</div>\n"
        return html + "</section>\n"
    }
}
