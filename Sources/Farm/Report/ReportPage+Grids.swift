import Foundation

extension ReportPage {
    /// Per prompt, objects as rows (reference image first) and viewpoints as columns, thumbnails
    /// linking to the full PNGs; other seeds are linked under each thumbnail.
    var gridSection: String {
        var html = "<section id=\"grids\">\n<h2>Grids</h2>\n"
        if grids.views.isEmpty { html += "<p class=\"note\">The job has no tasks.</p>\n" }
        for view in grids.views {
            html += "<h3>“\(HTML.escape(view.prompt.text))”</h3>\n<p class=\"sub\">folder <code>\(HTML.escape(view.prompt.slug))</code>"
            if let seed = view.seed {
                html += " · seed \(seed) shown" + (layout.seeds.count > 1 ? " (other seeds linked under each image)" : "")
            }
            html += " · <a href=\"\(ReportPaths.url(view.gridFile))\">grid as one PNG</a></p>\n"
            html += "<div class=\"scroll\"><table class=\"grid\">\n<thead><tr><th></th><th>reference</th>"
            html += layout.viewpoints.map { "<th>\(HTML.escape($0.label))</th>" }.joined()
            html += "</tr></thead>\n<tbody>\n"
            for row in view.rows {
                html += "<tr><th class=\"object\">\(HTML.escape(row.object))</th>"
                html += "<td class=\"cell ref\">\(content(row.reference, alt: "reference image of \(row.object)", tooltip: "reference image of \(row.object)"))</td>"
                for cell in row.cells {
                    html += "<td class=\"cell\">\(content(cell.content, alt: cell.tooltip, tooltip: cell.tooltip))"
                    if !cell.otherSeeds.isEmpty {
                        html += "<div class=\"seeds\">" + cell.otherSeeds.map { seed, link in
                            "<a href=\"\(ReportPaths.url(link))\">s\(seed)</a>"
                        }.joined() + "</div>"
                    }
                    html += "</td>"
                }
                html += "</tr>\n"
            }
            html += "</tbody></table></div>\n"
        }
        return html + "</section>\n"
    }

    private func content(_ content: CellContent, alt: String, tooltip: String) -> String {
        switch content {
        case .image(let source, let link):
            let image = "<img src=\"\(ReportPaths.url(source))\" alt=\"\(HTML.escape(alt))\" title=\"\(HTML.escape(tooltip))\">"
            return source == link ? image : "<a href=\"\(ReportPaths.url(link))\">\(image)</a>"
        case .placeholder(let word):
            return "<div class=\"ph \(word.replacingOccurrences(of: " ", with: "-"))\" title=\"\(HTML.escape(tooltip))\">\(HTML.escape(word))</div>"
        }
    }
}
