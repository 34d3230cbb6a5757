/// What a grid cell shows on the page.
enum CellContent {
    /// A thumbnail (`source`) linking to the full image (`link`), both relative to the report folder.
    case image(source: String, link: String)
    /// A word in place of the image: `pending`, `rendering`, `failed`, `missing`, `unreadable`, `no task`.
    case placeholder(String)
}

/// One cell of a prompt's grid on the page: the first seed's image, and links to the other seeds'.
struct GridCellView {
    var content: CellContent
    /// The task's name and scores, for the tooltip.
    var tooltip: String
    var otherSeeds: [(seed: UInt64, link: String)]
}

/// A prompt's grid: objects as rows (the reference image first), viewpoints as columns, one seed shown.
struct PromptGridView {
    var prompt: ReportPrompt
    /// The seed shown; nil when the job has no tasks.
    var seed: UInt64?
    /// `grids/<slug>.png`.
    var gridFile: String
    var rows: [(object: String, reference: CellContent, cells: [GridCellView])]
}

/// Builds each prompt's grid for the page and writes it as `grids/<slug>.png`, listing the images
/// that cannot be shown (`missing: images/…`), in task order.
struct ReportGrids {
    var views: [PromptGridView] = []
    var imageProblems: [String] = []

    init(data: JobReportData, layout: ReportLayout, loader: ReportImageLoader) throws(ReportError) {
        var problemsByTask: [Int: String] = [:]
        var references: [String: (content: CellContent, cell: GridImage.Cell)] = [:]
        for object in layout.objects {
            switch try loader.referenceImage(of: object) {
            case .success(let shown):
                references[object.id] = (.image(source: shown.source, link: shown.source), .image(shown.cell))
            case .failure(let problem):
                imageProblems.append("\(problem) (reference image of \(object.id))")
                references[object.id] = (.placeholder(Self.word(for: problem)), .placeholder(Self.word(for: problem).uppercased()))
            }
        }
        let seed = layout.seeds.first
        for prompt in layout.prompts {
            var view = PromptGridView(prompt: prompt, seed: seed, gridFile: ReportPaths.grid(slug: prompt.slug), rows: [])
            var picture = GridImage(title: "\(data.jobID): \(prompt.text)" + (seed.map { " (seed \($0))" } ?? ""),
                                    columnLabels: [["reference"]] + layout.viewpoints.map {
                                        ["p\(JobSpecParser.formatted($0.polar))", "a\(JobSpecParser.formatted($0.azimuth))"]
                                    }, rows: [])
            for object in layout.objects {
                let reference = references[object.id] ?? (.placeholder("missing"), .placeholder("MISSING"))
                var cells: [GridCellView] = [], pictureCells: [GridImage.Cell] = [reference.cell]
                for viewpoint in layout.viewpoints {
                    let index = seed.flatMap { layout.task(object: object.id, prompt: prompt.text, viewpoint: viewpoint, seed: $0) }
                    let (cell, pictureCell) = try Self.cell(index.map { (index: $0, task: data.tasks[$0]) }, loader: loader,
                                                            problems: &problemsByTask)
                    var view = cell
                    view.otherSeeds = layout.seeds.dropFirst().compactMap { other in
                        guard let otherIndex = layout.task(object: object.id, prompt: prompt.text, viewpoint: viewpoint, seed: other),
                              data.tasks[otherIndex].state == .committed else { return nil }
                        return (other, loader.paths.fromFolder(outputRelative: data.tasks[otherIndex].imagePath))
                    }
                    cells.append(view)
                    pictureCells.append(pictureCell)
                }
                view.rows.append((object.id, reference.content, cells))
                picture.rows.append((object.id, pictureCells))
            }
            try ReportFile.writePNG(picture.render(), to: loader.paths.inFolder(view.gridFile))
            views.append(view)
        }
        // Images of seeds not shown in the grids are only checked for being there.
        for (index, task) in data.tasks.enumerated() where task.state == .committed && problemsByTask[index] == nil {
            let path = task.imagePath
            if FileKind.of(loader.paths.inOutput(path)) != .file, seed != task.spec.seed {
                problemsByTask[index] = ImageProblem.missing(path).description
            }
        }
        imageProblems += problemsByTask.sorted { $0.key < $1.key }.map(\.value)
    }

    /// The page cell and grid-picture cell of a task (nil: the grid has no task there).
    private static func cell(_ entry: (index: Int, task: ReportTask)?, loader: ReportImageLoader,
                             problems: inout [Int: String]) throws(ReportError) -> (GridCellView, GridImage.Cell) {
        guard let entry else {
            return (GridCellView(content: .placeholder("no task"), tooltip: "no task for this cell", otherSeeds: []), .placeholder("-"))
        }
        let (index, task) = entry
        let tooltip = ([task.name] + ReportMetric.allCases.compactMap { metric in
            task.result.flatMap { metric.value(in: $0.details) }.map { "\(metric.title) \(HTML.metric($0))" }
        }).joined(separator: " · ")
        let word: String
        switch task.state {
        case .pending: word = "pending"
        case .leased: word = "rendering"
        case .failed: word = "failed"
        case .committed:
            let path = task.imagePath
            switch try loader.taskImage(taskName: task.name, path: path) {
            case .success(let shown):
                let link = loader.paths.fromFolder(outputRelative: path)
                return (GridCellView(content: .image(source: shown.source, link: link), tooltip: tooltip, otherSeeds: []), .image(shown.cell))
            case .failure(let problem):
                problems[index] = problem.description
                word = self.word(for: problem)
            }
        }
        return (GridCellView(content: .placeholder(word), tooltip: tooltip, otherSeeds: []), .placeholder(word.uppercased()))
    }

    private static func word(for problem: ImageProblem) -> String {
        switch problem {
        case .missing: "missing"
        case .unreadable: "unreadable"
        }
    }
}
