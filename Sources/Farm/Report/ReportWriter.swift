import Foundation

/// Writes a job's evaluation report into a folder (by default the job's output folder, so the page
/// links `images/…` directly):
///
/// - `index.html`: one self-contained page (summary, per-prompt grids, metric tables, SVG plots,
///   failures, render-time histogram);
/// - `metrics.csv` and `metrics.json`: one row per committed image, and the aggregates;
/// - `grids/<prompt-slug>.png`: each prompt's grid as one labelled picture;
/// - `report-assets/`: the objects' reference images and thumbnails of images larger than a grid cell;
/// - `report-data.json` (`ReportDataFile`), when the report goes into the output folder itself: the
///   snapshot it was made from, so the report can be rebuilt elsewhere from the output folder alone.
///
/// Every file is written atomically and the page last, so a browser refreshing during a run never sees
/// half a page or a page pointing at files not written yet. Missing or unreadable images are listed,
/// never fatal. Run one write per report folder at a time.
public struct ReportWriter: Sendable {
    /// Digests of the metric encoders, remembered between refreshes.
    public let digests: FileDigests
    /// What to say about a model file (the checkpoint, an encoder), e.g. that it holds random weights.
    public let weightsNote: WeightsNote

    /// - Parameter weightsNote: reads a model file's own description; the farm cannot read weight formats,
    ///   so the composition root passes one in (the default says nothing).
    public init(digests: FileDigests = FileDigests(), weightsNote: @escaping WeightsNote = { _ in nil }) {
        self.digests = digests
        self.weightsNote = weightsNote
    }

    /// Writes the report of `data` into `folder` (default: the job's output folder) and says what it wrote.
    ///
    /// - Parameters:
    ///   - eta: seconds until the job is done, when the caller knows better than the estimate from the
    ///     throughput so far; ignored when no task remains.
    ///   - now: the time the report says it was generated (and the end of the wall time while tasks remain).
    ///   - writesSnapshot: whether to write `report-data.json` too (when the report goes into the output
    ///     folder); false when `data` was read from that file, which belongs to the coordinator.
    @discardableResult
    public func write(_ data: JobReportData, to folder: String? = nil, eta: TimeInterval? = nil, now: Date,
                      writesSnapshot: Bool = true) throws(ReportError) -> ReportFiles {
        guard let output = data.output ?? folder else { throw .noOutputFolder(jobID: data.jobID) }
        let paths = ReportPaths(folder: folder ?? output, output: output)
        let layout = ReportLayout(tasks: data.tasks)
        let rows = ReportImageRow.rows(of: data.tasks)
        let aggregates = ReportAggregates(rows: rows, layout: layout)
        let progress = ReportProgress(data: data, eta: eta, now: now)
        let grids = try ReportGrids(data: data, layout: layout, loader: ReportImageLoader(paths: paths))

        if writesSnapshot, paths.folder == paths.output { try ReportDataFile.write(data, to: paths.inOutput(ReportDataFile.name)) }
        try ReportFile.write(MetricsCSV.text(rows: rows), to: paths.inFolder(ReportPaths.csv))
        let json = MetricsJSON(job: data.jobID, generatedAt: now, partial: progress.isPartial,
                               counts: .init(total: progress.total, committed: progress.committed, failed: progress.failed,
                                             pending: progress.pending, leased: progress.leased),
                               rows: rows, aggregates: aggregates)
        let jsonText: String
        do {
            jsonText = try json.text()
        } catch {
            throw .write(path: paths.inFolder(ReportPaths.json), problem: "cannot encode the metrics: \(error)")
        }
        try ReportFile.write(jsonText, to: paths.inFolder(ReportPaths.json))
        let page = ReportPage(data: data, layout: layout, rows: rows, aggregates: aggregates, progress: progress,
                              encoders: EncoderDigest.digests(of: data.spec?.metrics, using: digests), grids: grids,
                              weightNotes: weightNotes(of: data.spec), generatedAt: now)
        try ReportFile.write(page.html, to: paths.inFolder(ReportPaths.index))
        return ReportFiles(folder: paths.folder, index: paths.inFolder(ReportPaths.index), csv: paths.inFolder(ReportPaths.csv),
                           json: paths.inFolder(ReportPaths.json), grids: grids.views.map { paths.inFolder($0.gridFile) },
                           imageProblems: grids.imageProblems, done: progress.committed, total: progress.total,
                           partial: progress.isPartial)
    }

    /// `weightsNote` of the checkpoint and each metric encoder, as "role path: note" lines.
    private func weightNotes(of spec: JobSpec?) -> [String] {
        guard let spec else { return [] }
        let files = [("model checkpoint", spec.model.checkpoint), ("DINO encoder", spec.metrics?.dino), ("CLIP encoder", spec.metrics?.clip)]
        return files.compactMap { role, path in
            guard let path, let note = weightsNote(path) else { return nil }
            return "\(role) \(path): \(note)"
        }
    }

    /// Reads the job from `store` and writes only its snapshot (`report-data.json`) into the job's output
    /// folder, for an aggregator on another host (`customnet report OUT`); returns the file's path.
    @discardableResult
    public func refreshSnapshot(job jobID: String, in store: FarmStore) throws(ReportError) -> String {
        let data: JobReportData
        do {
            data = try store.reportSnapshot(job: jobID)
        } catch {
            throw .store(error)
        }
        guard let output = data.output else { throw .noOutputFolder(jobID: jobID) }
        let path = ReportPaths(folder: output, output: output).inOutput(ReportDataFile.name)
        try ReportDataFile.write(data, to: path)
        return path
    }

    /// Reads the job from `store` and writes its report into the job's output folder: what a
    /// coordinator calls after commits to keep the report current while the job runs.
    @discardableResult
    public func refresh(job jobID: String, in store: FarmStore, eta: TimeInterval? = nil, now: Date) throws(ReportError) -> ReportFiles {
        let data: JobReportData
        do {
            data = try store.reportSnapshot(job: jobID)
        } catch {
            throw .store(error)
        }
        return try write(data, eta: eta, now: now)
    }
}

/// What `ReportWriter` wrote (absolute paths) and what it found.
public struct ReportFiles: Sendable, Equatable {
    /// The report folder.
    public var folder: String
    /// `index.html`.
    public var index: String
    public var csv: String
    public var json: String
    /// One grid PNG per prompt.
    public var grids: [String]
    /// `missing: images/…` or `unreadable: …` per image that cannot be shown.
    public var imageProblems: [String]
    /// Committed tasks, and all tasks.
    public var done: Int
    public var total: Int
    /// Whether tasks were still pending or leased.
    public var partial: Bool
}

/// A model file's path → a one-line note about its weights worth a banner (e.g. "random weights, seed 0"), or nil.
public typealias WeightsNote = @Sendable (_ path: String) -> String?
