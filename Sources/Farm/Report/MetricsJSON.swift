import Foundation

/// `metrics.json`: the rows of `metrics.csv` and the aggregates, for scripts. Keys are snake_case; a
/// metric without values is `null`. `format_version` changes when a key changes meaning or goes away.
struct MetricsJSON: Encodable {
    static let formatVersion = 1

    let job: String
    let generatedAt: Date
    let partial: Bool
    let counts: Counts
    let rows: [ReportImageRow]
    let aggregates: ReportAggregates

    struct Counts: Encodable {
        let total, committed, failed, pending, leased: Int
    }

    private enum Key: String, CodingKey {
        case formatVersion = "format_version", job, generatedAt = "generated_at", partial, counts, std, rows, aggregates
        case overall, perObject = "per_object", perPrompt = "per_prompt", perViewpoint = "per_viewpoint"
        case object, prompt, promptSlug = "prompt_slug", polar, azimuth, seed, path, worker, renderSeconds = "render_seconds", images
        case dinoI = "dino_i", clipI = "clip_i", clipT = "clip_t"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(Self.formatVersion, forKey: .formatVersion)
        try container.encode(job, forKey: .job)
        try container.encode(ReportFormat.iso8601(generatedAt), forKey: .generatedAt)
        try container.encode(partial, forKey: .partial)
        try container.encode(counts, forKey: .counts)
        try container.encode("population standard deviation over images (divides by n, NumPy's default)", forKey: .std)
        var rowList = container.nestedUnkeyedContainer(forKey: .rows)
        for row in rows {
            var item = rowList.nestedContainer(keyedBy: Key.self)
            try item.encode(row.object, forKey: .object)
            try item.encode(row.prompt, forKey: .prompt)
            try item.encode(row.promptSlug, forKey: .promptSlug)
            try item.encode(row.viewpoint.polar, forKey: .polar)
            try item.encode(row.viewpoint.azimuth, forKey: .azimuth)
            try item.encode(row.seed, forKey: .seed)
            try item.encode(row.path, forKey: .path)
            try Self.encodeScores(row.scores, into: &item)
            try item.encode(row.worker, forKey: .worker)
            try item.encode(row.renderSeconds, forKey: .renderSeconds)
        }
        var groups = container.nestedContainer(keyedBy: Key.self, forKey: .aggregates)
        var overall = groups.nestedContainer(keyedBy: Key.self, forKey: .overall)
        try Self.encode(aggregates.overall, into: &overall)
        var objects = groups.nestedUnkeyedContainer(forKey: .perObject)
        for (object, group) in aggregates.perObject {
            var item = objects.nestedContainer(keyedBy: Key.self)
            try item.encode(object, forKey: .object)
            try Self.encode(group, into: &item)
        }
        var prompts = groups.nestedUnkeyedContainer(forKey: .perPrompt)
        for (prompt, group) in aggregates.perPrompt {
            var item = prompts.nestedContainer(keyedBy: Key.self)
            try item.encode(prompt.text, forKey: .prompt)
            try item.encode(prompt.slug, forKey: .promptSlug)
            try Self.encode(group, into: &item)
        }
        var viewpoints = groups.nestedUnkeyedContainer(forKey: .perViewpoint)
        for (viewpoint, group) in aggregates.perViewpoint {
            var item = viewpoints.nestedContainer(keyedBy: Key.self)
            try item.encode(viewpoint.polar, forKey: .polar)
            try item.encode(viewpoint.azimuth, forKey: .azimuth)
            try Self.encode(group, into: &item)
        }
    }

    /// `images` and one `{count, mean, std}` (or null) per metric.
    private static func encode(_ group: MetricGroup, into container: inout KeyedEncodingContainer<Key>) throws {
        try container.encode(group.images, forKey: .images)
        for metric in ReportMetric.allCases {
            try container.encode(group.summaries[metric], forKey: key(metric))
        }
    }

    private static func encodeScores(_ scores: [ReportMetric: Double], into container: inout KeyedEncodingContainer<Key>) throws {
        for metric in ReportMetric.allCases {
            try container.encode(scores[metric], forKey: key(metric))
        }
    }

    private static func key(_ metric: ReportMetric) -> Key {
        switch metric {
        case .dinoI: .dinoI
        case .clipI: .clipI
        case .clipT: .clipT
        }
    }

    /// The document, pretty-printed with sorted keys.
    func text() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}
