import Foundation

/// `index.html`: one self-contained page (inline style, script and SVG; images by relative paths).
/// Sections: summary, grids, metric tables, plots, problems, timing. Every text from the spec or the
/// store is escaped.
struct ReportPage {
    let data: JobReportData
    let layout: ReportLayout
    let rows: [ReportImageRow]
    let aggregates: ReportAggregates
    let progress: ReportProgress
    let encoders: [EncoderDigest]
    let grids: ReportGrids
    /// Notes on the model files (random weights), shown as a banner.
    let weightNotes: [String]
    let generatedAt: Date

    var html: String {
        var page = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(data.jobID)) — CustomNet evaluation report</title>
            <style>
            \(ReportPageStyle.css)
            </style>
            </head>
            <body data-broken-images="unknown">

            """
        page += header
        page += "<main>\n"
        page += summarySection + gridSection + metricSection + plotSection + problemSection + timingSection
        page += footer
        page += "</main>\n<script>\n\(ReportPageStyle.script)\n</script>\n</body>\n</html>\n"
        return page
    }

    // MARK: - Header

    private var header: String {
        var html = "<header>\n<h1>\(HTML.escape(data.jobID))<span class=\"state\">\(data.state.rawValue)</span></h1>\n"
        html += "<p class=\"sub\">CustomNet evaluation report, generated \(ReportFormat.time(generatedAt)) · "
            + "<a href=\"\(ReportPaths.csv)\">\(ReportPaths.csv)</a> · <a href=\"\(ReportPaths.json)\">\(ReportPaths.json)</a></p>\n"
        if progress.isPartial {
            html += "<div class=\"banner\" id=\"partial\"><b>Partial report:</b> \(progress.committed) / \(progress.total) tasks done"
                + " (\(progress.failed) failed, \(progress.pending) pending, \(progress.leased) rendering). \(etaText) "
                + "Reload the page for newer results.</div>\n"
        }
        if !weightNotes.isEmpty {
            html += "<div class=\"banner\" id=\"weights\"><b>Not real weights:</b> "
                + weightNotes.map(HTML.escape).joined(separator: "; ")
                + ". The images are noise-like and the scores meaningless; point the spec at real weights (jobs/README.md).</div>\n"
        }
        if progress.committed == 0 {
            html += "<div class=\"banner\" id=\"no-results\">No task has finished yet: there are no images or metrics to show, only the plan below.</div>\n"
        }
        if let problem = data.specProblem {
            html += "<div class=\"banner\" id=\"spec-problem\">The job's stored spec could not be read, so this report is built from the tasks' "
                + "own parameters: \(HTML.escape(problem))</div>\n"
        }
        html += "<div class=\"banner\" id=\"broken-images\" hidden></div>\n"
        html += "<nav><a href=\"#summary\">Summary</a><a href=\"#grids\">Grids</a><a href=\"#metrics\">Metrics</a>"
            + "<a href=\"#plots\">Plots</a><a href=\"#problems\">Problems</a><a href=\"#timing\">Timing</a></nav>\n</header>\n"
        return html
    }

    private var etaText: String {
        guard let eta = progress.eta else { return "ETA unknown (no image has finished yet)." }
        let basis = switch eta.source {
        case .given: "from the coordinator"
        case .throughput: "from the throughput so far"
        case .meanRenderTime: "from the mean render time"
        }
        return "ETA ≈ \(ReportFormat.duration(eta.seconds)) (\(basis))."
    }

    // MARK: - Summary

    private var summarySection: String {
        var table = ""
        func row(_ label: String, _ value: String) { table += "<tr><th>\(label)</th><td>\(value)</td></tr>\n" }
        let spec = data.spec
        row("Job", "\(HTML.escape(data.jobID)) (\(data.state.rawValue), priority \(data.priority), \(data.retries) retries)")
        row("Spec", data.specPath.map { "<code>\(HTML.escape($0))</code>" } ?? "not recorded (stored in the ledger only)")
        let checkpoint = spec.map { "<code>\(HTML.escape($0.model.checkpoint))</code> (preset \(HTML.escape($0.model.preset)))" }
            ?? "unknown (the spec could not be read)"
        row("Model checkpoint", checkpoint + "<br>sha256 <code class=\"digest\">\(HTML.escape(data.modelDigest ?? "not recorded"))</code>")
        row("Metric encoders", encoderText)
        if let first = data.tasks.first?.spec {
            row("Sampler", "DDIM, \(first.steps) steps, guidance \(JobSpecParser.formatted(Double(first.guidance)))")
        }
        row("Grid", gridText)
        row("Tasks", "\(progress.total) total: <b>\(progress.committed) done</b>, \(progress.failed) failed, "
            + "\(progress.pending) pending, \(progress.leased) rendering")
        row("Wall time", progress.wallSeconds.map { ReportFormat.duration($0) + (progress.isPartial ? " so far" : "") }
            .map { $0 + (data.firstLeaseAt.map { " (first lease \(ReportFormat.time($0)))" } ?? "") } ?? "not started")
        var throughput = progress.imagesPerHour.map { String(format: "%.1f images/hour", $0) } ?? "—"
        if let mean = progress.meanRenderSeconds { throughput += String(format: "; mean render time %.2f s per image", mean) }
        row("Throughput", throughput)
        row("Workers used", data.workers.isEmpty ? "none yet" : data.workers.map { worker in
            "<code>\(HTML.escape(worker.workerID))</code> (\(worker.images) \(worker.images == 1 ? "image" : "images")"
                + (worker.failures > 0 ? ", \(worker.failures) \(worker.failures == 1 ? "failure" : "failures")" : "") + ")"
        }.joined(separator: ", "))
        row("Output folder", data.output.map { "<code>\(HTML.escape($0))</code>" } ?? "not recorded")
        return "<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"summary\">\n\(table)</table>\n</section>\n"
    }

    private var encoderText: String {
        guard let spec = data.spec else { return "unknown (the spec could not be read)" }
        guard !encoders.isEmpty, spec.metrics != nil else { return "none: the spec names no metric encoders, so no DINO-I, CLIP-I or CLIP-T" }
        return encoders.map { encoder in
            "\(HTML.escape(encoder.role)): <code>\(HTML.escape(encoder.path))</code><br>"
                + (encoder.sha256.map { digest in
                    "sha256 <code class=\"digest\">\(digest)</code>"
                        + (encoder.file.map { $0 == encoder.path ? "" : " (of \(HTML.escape(($0 as NSString).lastPathComponent)))" } ?? "")
                } ?? HTML.escape(encoder.problem ?? "not computed"))
        }.joined(separator: "<br>")
    }

    private var gridText: String {
        func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
        return "\(counted(layout.objects.count, "object")) × \(counted(layout.viewpoints.count, "viewpoint")) "
            + "(\(layout.polars.count) polar × \(layout.azimuths.count) azimuth) × \(counted(layout.prompts.count, "prompt")) × "
            + counted(layout.seeds.count, "seed")
    }

    // MARK: - Footer

    private var footer: String {
        """
        <footer>
        DINO-I: mean cosine similarity of DINO ViT-S/16 embeddings of the image and the object's reference images; CLIP-I: the same with \
        CLIP image embeddings; CLIP-T: cosine similarity of the CLIP image embedding and the prompt's text embedding. Aggregates are the \
        mean ± population standard deviation over images (n = images with a score). Per-image values: \
        <a href="\(ReportPaths.csv)">\(ReportPaths.csv)</a>, <a href="\(ReportPaths.json)">\(ReportPaths.json)</a>. \
        Click a table header to sort.
        </footer>

        """
    }
}
