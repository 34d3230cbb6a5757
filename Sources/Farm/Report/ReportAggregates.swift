/// One committed image: a row of `metrics.csv` and `metrics.json`.
struct ReportImageRow: Sendable {
    var taskName: String
    var object: String
    var prompt: String
    var promptSlug: String
    var viewpoint: Viewpoint
    var seed: UInt64
    /// Relative to the job's output folder.
    var path: String
    var worker: String?
    var renderSeconds: Double?
    /// Scores by metric; a metric the job did not compute is absent.
    var scores: [ReportMetric: Double]

    /// The committed tasks of `tasks` as rows, in task order. A task committed without details has
    /// no scores and the image path `ImageTree` gives it.
    static func rows(of tasks: [ReportTask]) -> [ReportImageRow] {
        tasks.filter { $0.state == .committed }.map { task in
            let details = task.result?.details
            var scores: [ReportMetric: Double] = [:]
            if let details {
                for metric in ReportMetric.allCases { scores[metric] = metric.value(in: details) }
            }
            return ReportImageRow(taskName: task.name, object: task.spec.objectID, prompt: task.spec.prompt, promptSlug: task.spec.promptSlug,
                                  viewpoint: Viewpoint(polar: task.spec.polar, azimuth: task.spec.azimuth), seed: task.spec.seed,
                                  path: task.imagePath, worker: details?.workerID,
                                  renderSeconds: details?.renderSeconds, scores: scores)
        }
    }
}

/// A group of images (an object, a prompt, a viewpoint, or all) with its metric summaries.
struct MetricGroup: Sendable {
    /// What the group is, for the page (`cube`, a prompt, `p 0° · a 30°`, `all images`).
    var label: String
    var images: Int
    var summaries: [ReportMetric: MetricSummary]

    init(label: String, rows: [ReportImageRow]) {
        self.label = label
        images = rows.count
        var summaries: [ReportMetric: MetricSummary] = [:]
        for metric in ReportMetric.allCases {
            summaries[metric] = MetricSummary(rows.compactMap { $0.scores[metric] })
        }
        self.summaries = summaries
    }
}

/// DINO-I, CLIP-I and CLIP-T as mean ± std per object, per prompt, per viewpoint and over all images.
struct ReportAggregates: Sendable {
    var overall: MetricGroup
    /// In layout order; groups without images are left out.
    var perObject: [(object: String, group: MetricGroup)]
    var perPrompt: [(prompt: ReportPrompt, group: MetricGroup)]
    var perViewpoint: [(viewpoint: Viewpoint, group: MetricGroup)]

    init(rows: [ReportImageRow], layout: ReportLayout) {
        overall = MetricGroup(label: "all images", rows: rows)
        let byObject = Dictionary(grouping: rows, by: \.object)
        perObject = layout.objects.compactMap { object in
            byObject[object.id].map { (object.id, MetricGroup(label: object.id, rows: $0)) }
        }
        let byPrompt = Dictionary(grouping: rows, by: \.prompt)
        perPrompt = layout.prompts.compactMap { prompt in
            byPrompt[prompt.text].map { (prompt, MetricGroup(label: prompt.text, rows: $0)) }
        }
        let byViewpoint = Dictionary(grouping: rows, by: \.viewpoint)
        perViewpoint = layout.viewpoints.compactMap { viewpoint in
            byViewpoint[viewpoint].map { (viewpoint, MetricGroup(label: viewpoint.label, rows: $0)) }
        }
    }

    /// The metrics at least one image has.
    var presentMetrics: [ReportMetric] { ReportMetric.allCases.filter { overall.summaries[$0] != nil } }
}
