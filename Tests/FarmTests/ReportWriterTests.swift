import Foundation
import ImageIO
import Testing
@testable import Farm

/// `ReportWriter` on real stores and real PNGs: the files, their contents, and the awkward cases.
@Suite struct ReportWriterTests {
    @Test func finishedJobGivesEveryFile() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            var job = try ReportJob(in: folder)
            try job.runWithOneFailure()
            let files = try ReportWriter().refresh(job: "report-demo", in: job.store, now: job.now)

            #expect(files.folder == job.output && !files.partial && files.done == 11 && files.total == 12)
            #expect(files.imageProblems.isEmpty)
            let slugs = PromptSlug.folderNames(for: ReportJob.prompts)
            #expect(files.grids == slugs.map { "\(job.output)/grids/\($0).png" })
            for path in [files.index, files.csv, files.json] + files.grids { #expect(FileManager.default.fileExists(atPath: path), "\(path)") }
            for grid in files.grids {
                let picture = try PNG.read(path: grid)
                // Label column, reference column and three viewpoints; a title, a header and two rows.
                #expect(picture.width > 4 * GridImage.cellSide && picture.height > 2 * GridImage.cellSide)
            }
            #expect(FileManager.default.fileExists(atPath: job.output + "/report-assets/objects/toy-robot.png"))
            // Nothing half-written is left behind.
            let leftovers = try FileManager.default.subpathsOfDirectory(atPath: job.output).filter { $0.contains(".tmp-") }
            #expect(leftovers.isEmpty)
        }
    }

    /// The snapshot beside the report rebuilds the same page, also from a copy of the output folder
    /// elsewhere (an aggregator on another host), where it finds the images.
    @Test func aReportRebuiltFromItsSnapshotIsTheSameAndTheCopyFindsItsImages() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            var job = try ReportJob(in: folder)
            try job.runWithOneFailure()
            let writer = ReportWriter()
            let files = try writer.refresh(job: "report-demo", in: job.store, now: job.now)
            let original = try String(contentsOfFile: files.index, encoding: .utf8)
            let snapshot = job.output + "/" + ReportDataFile.name
            let data = try ReportDataFile.read(path: snapshot)
            #expect(data.tasks.count == 12 && data.spec != nil && data.output == job.output)
            let stamp = try FileManager.default.attributesOfItem(atPath: snapshot)[.modificationDate] as? Date
            try writer.write(data, now: job.now, writesSnapshot: false)
            #expect(try String(contentsOfFile: files.index, encoding: .utf8) == original)
            #expect(try FileManager.default.attributesOfItem(atPath: snapshot)[.modificationDate] as? Date == stamp, "the snapshot is left alone")

            let copy = folder.path + "/mounted-elsewhere"
            try FileManager.default.copyItem(atPath: job.output, toPath: copy)
            let moved = try ReportDataFile.read(path: copy + "/" + ReportDataFile.name)
            #expect(moved.output == copy)
            let rebuilt = try writer.write(moved, now: job.now, writesSnapshot: false)
            #expect(rebuilt.folder == copy && rebuilt.imageProblems.isEmpty && rebuilt.done == 11)
        }
    }

    @Test func aSnapshotOfAnotherFormatIsAClearError() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let path = folder.path + "/" + ReportDataFile.name
            for (text, message) in [(#"{"format_version": 99, "job": {}}"#, "report snapshot format 99 is not the one this build reads (1)"),
                                    (#"{"rows": []}"#, "not a report snapshot"),
                                    (#"{"format_version": 1, "job": {"job_id": 3}}"#, "damaged report snapshot")] {
                try Data(text.utf8).write(to: URL(fileURLWithPath: path))
                #expect(throws: ReportError.self) { try ReportDataFile.read(path: path) }
                do {
                    _ = try ReportDataFile.read(path: path)
                } catch {
                    #expect("\(error)".hasPrefix(path) && "\(error)".contains(message), "\(error)")
                }
            }
        }
    }

    @Test func csvHasOneRowPerCommittedImage() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            var job = try ReportJob(in: folder)
            try job.runWithOneFailure()
            let files = try ReportWriter().refresh(job: "report-demo", in: job.store, now: job.now)
            let text = try String(contentsOfFile: files.csv, encoding: .utf8)
            let records = ReportReading.records(text)
            #expect(records.first == MetricsCSV.header)
            #expect(records.count == 12)
            #expect(text.hasSuffix("\r\n") && !text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
            let committed = job.plan.tasks.enumerated().filter { $0.offset != 1 }.map(\.element)
            for (record, task) in zip(records.dropFirst(), committed) {
                let scores = job.scores(for: task)
                #expect(record[0] == task.objectID && record[1] == task.prompt)
                #expect(Double(record[2]) == task.polar && Double(record[3]) == task.azimuth && record[4] == "1234")
                #expect(record[5] == "images/\(task.name).png")
                #expect(Double(record[6]) == scores.dino && Double(record[7]) == scores.clip && Double(record[8]) == scores.clipT)
                #expect(["node-a", "node-b"].contains(record[9]) && Double(record[10]) == job.renderSeconds(for: task))
            }
            // The prompt with quotes is quoted, its quotes doubled.
            #expect(text.contains(#","a toy on a ""wooden"" table <morning light> & café ☕","#))
        }
    }

    @Test func jsonHasTheRowsAndTheAggregates() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            var job = try ReportJob(in: folder)
            try job.runWithOneFailure()
            let files = try ReportWriter().refresh(job: "report-demo", in: job.store, now: job.now)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: files.json))) as? [String: Any])
            #expect(json["format_version"] as? Int == 1 && json["job"] as? String == "report-demo" && json["partial"] as? Bool == false)
            let rows = try #require(json["rows"] as? [[String: Any]])
            #expect(rows.count == 11)
            #expect(rows.first?["path"] as? String == "images/\(job.plan.tasks[0].name).png")

            let committed = job.plan.tasks.enumerated().filter { $0.offset != 1 }.map(\.element)
            func expected(_ tasks: [TaskSpec], _ value: (TaskSpec) -> Double?) -> (mean: Double, std: Double) {
                let values = tasks.compactMap(value)
                let mean = values.reduce(0, +) / Double(values.count)
                return (mean, (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot())
            }
            func check(_ group: [String: Any]?, _ tasks: [TaskSpec]) throws {
                let group = try #require(group)
                #expect(group["images"] as? Int == tasks.count)
                for (key, value) in [("dino_i", { job.scores(for: $0).dino }), ("clip_i", { job.scores(for: $0).clip }),
                                     ("clip_t", { job.scores(for: $0).clipT })] as [(String, (TaskSpec) -> Double?)] {
                    let summary = try #require(group[key] as? [String: Any])
                    let (mean, std) = expected(tasks, value)
                    #expect(summary["count"] as? Int == tasks.count)
                    #expect(abs((summary["mean"] as? Double ?? .nan) - mean) < 1e-12, "\(key) mean")
                    #expect(abs((summary["std"] as? Double ?? .nan) - std) < 1e-12, "\(key) std")
                }
            }
            let aggregates = try #require(json["aggregates"] as? [String: Any])
            try check(aggregates["overall"] as? [String: Any], committed)
            let perObject = try #require(aggregates["per_object"] as? [[String: Any]])
            #expect(perObject.map { $0["object"] as? String } == ReportJob.objects)
            try check(perObject.first, committed.filter { $0.objectID == "toy-robot" })
            let perPrompt = try #require(aggregates["per_prompt"] as? [[String: Any]])
            #expect(perPrompt.map { $0["prompt"] as? String } == ReportJob.prompts)
            try check(perPrompt.last, committed.filter { $0.prompt == ReportJob.prompts[1] })
            let perViewpoint = try #require(aggregates["per_viewpoint"] as? [[String: Any]])
            #expect(perViewpoint.map { $0["azimuth"] as? Double } == [-30, 0, 30])
            try check(perViewpoint.first, committed.filter { $0.azimuth == -30 })
        }
    }

    @Test func pageIsEscapedSelfContainedAndItsLinksExist() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            var job = try ReportJob(in: folder)
            try job.runWithOneFailure()
            let files = try ReportWriter().refresh(job: "report-demo", in: job.store, now: job.now)
            let html = try String(contentsOfFile: files.index, encoding: .utf8)

            #expect(html.contains("a toy on a &quot;wooden&quot; table &lt;morning light&gt; &amp; café ☕"))
            #expect(!html.contains("<morning light>"))
            #expect(html.contains("prompt refused: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more"))
            #expect(!html.contains("<script>alert"))
            #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"))
            #expect(!html.contains("id=\"partial\"") && !html.contains("id=\"no-results\""))

            let references = ReportReading.references(in: html)
            #expect(references.count { $0.hasPrefix("report-assets/thumbs/") } == 11)
            #expect(references.contains("report-assets/objects/toy-robot.png"))
            for reference in references {
                let path = job.output + "/" + (reference.removingPercentEncoding ?? reference)
                #expect(FileManager.default.fileExists(atPath: path), "\(reference)")
            }
            // Summary: the checkpoint digest, both encoders digested, the workers.
            #expect(html.contains(job.plan.modelDigest))
            let clipDigest = try FileDigests().sha256(ofFileAt: job.folder + "/encoders/clip-vit-base-patch32/model.safetensors")
            #expect(html.contains(clipDigest) && html.contains("(of model.safetensors)"))
            #expect(html.contains("node-a") && html.contains("node-b"))
            // Tables, plots, the failure table and the histogram.
            #expect(html.contains("<table class=\"sortable metrics\">") && html.contains("DINO-I vs azimuth") && html.contains("CLIP-T per prompt"))
            #expect(html.contains("DINO-I vs CLIP-T") && html.contains("Render time per task") && html.contains("id=\"failed-tasks\""))
            #expect(html.contains("failed-permanent") && html.contains("GPU lost; requeued"))
        }
    }

    @Test func partialReportSaysSoWithAnETA() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            var job = try ReportJob(in: folder)
            for _ in 0..<4 { try job.commitNext() }
            let leased = try job.leaseNext()
            let writer = ReportWriter()
            let files = try writer.refresh(job: "report-demo", in: job.store, now: job.now + 10)
            #expect(files.partial && files.done == 4)
            var html = try String(contentsOfFile: files.index, encoding: .utf8)
            #expect(html.contains("id=\"partial\"") && html.contains("4 / 12 tasks done"))
            #expect(html.contains("ETA ≈") && html.contains("from the throughput so far"))
            #expect(html.contains(">rendering<") && html.contains(">pending<"))

            try writer.refresh(job: "report-demo", in: job.store, eta: 600, now: job.now + 20)
            html = try String(contentsOfFile: files.index, encoding: .utf8)
            #expect(html.contains("ETA ≈ 10.0 min (from the coordinator)"))

            while try job.store.status(job: "report-demo").pending > 0 { try job.commitNext() }
            try job.commit(leased)
            let done = try writer.refresh(job: "report-demo", in: job.store, now: job.now)
            #expect(!done.partial)
            #expect(try !String(contentsOfFile: done.index, encoding: .utf8).contains("id=\"partial\""))
        }
    }

    @Test func missingImageIsListedAndShownAsAPlaceholder() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            var job = try ReportJob(in: folder)
            try job.runWithOneFailure()
            let gone = "images/\(job.plan.tasks[2].name).png"
            try FileManager.default.removeItem(atPath: job.output + "/" + gone)
            try Data("not a png".utf8).write(to: URL(fileURLWithPath: job.output + "/images/\(job.plan.tasks[3].name).png"))
            let files = try ReportWriter().refresh(job: "report-demo", in: job.store, now: job.now)
            #expect(files.imageProblems.first == "missing: \(gone)")
            #expect(files.imageProblems.last?.hasPrefix("unreadable: images/\(job.plan.tasks[3].name).png: not a readable PNG") == true)
            let html = try String(contentsOfFile: files.index, encoding: .utf8)
            #expect(html.contains("missing: \(gone)") && html.contains("<div class=\"ph missing\""))
            #expect(html.contains("<div class=\"ph unreadable\""))
            #expect(FileManager.default.fileExists(atPath: files.grids[0]))
        }
    }

    @Test func jobWithNoResultsSaysSo() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let job = try ReportJob(in: folder)
            let files = try ReportWriter().refresh(job: "report-demo", in: job.store, now: job.now)
            #expect(files.partial && files.done == 0)
            let html = try String(contentsOfFile: files.index, encoding: .utf8)
            #expect(html.contains("id=\"no-results\"") && html.contains("No image has finished yet"))
            #expect(html.contains("ETA unknown") && !html.contains("<table class=\"sortable metrics\">"))
            #expect(try String(contentsOfFile: files.csv, encoding: .utf8) == MetricsCSV.line(MetricsCSV.header))
            #expect(files.grids.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        }
    }

    @Test func modelFilesWithANoteGetABannerAndOthersNone() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            var job = try ReportJob(in: folder)
            try job.commitNext()
            let checkpoint = try #require(job.plan.spec.model.checkpoint as String?)
            let noted = ReportWriter(weightsNote: { $0 == checkpoint ? "random weights <seed 0>" : nil })
            var html = try String(contentsOfFile: try noted.refresh(job: "report-demo", in: job.store, now: job.now).index, encoding: .utf8)
            #expect(html.contains("id=\"weights\"") && html.contains("model checkpoint \(HTML.escape(checkpoint)): random weights &lt;seed 0&gt;"))
            html = try String(contentsOfFile: try ReportWriter().refresh(job: "report-demo", in: job.store, now: job.now).index, encoding: .utf8)
            #expect(!html.contains("id=\"weights\""))
        }
    }

    @Test func jobWithoutEncodersSaysThereAreNoMetrics() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            var job = try ReportJob(in: folder, metrics: false)
            for _ in 0..<3 { try job.commitNext() }
            let files = try ReportWriter().refresh(job: "report-demo", in: job.store, now: job.now)
            let html = try String(contentsOfFile: files.index, encoding: .utf8)
            #expect(html.contains("id=\"no-metrics\"") && html.contains("its spec names no metric encoders"))
            #expect(!html.contains("<table class=\"sortable metrics\">") && !html.contains("DINO-I vs azimuth"))
            #expect(html.contains("none: the spec names no metric encoders"))
            let records = ReportReading.records(try String(contentsOfFile: files.csv, encoding: .utf8))
            #expect(records.count == 4 && records[1][6...8].allSatisfy(\.isEmpty))
        }
    }

    @Test func unreadableSpecGivesAReportFromTheTasks() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            var job = try ReportJob(in: folder, specYAML: "name: report-demo\n")
            try job.commitNext()
            let files = try ReportWriter().refresh(job: "report-demo", in: job.store, now: job.now)
            let html = try String(contentsOfFile: files.index, encoding: .utf8)
            #expect(html.contains("id=\"spec-problem\"") && html.contains("model: missing"))
            #expect(html.contains("2 objects × 3 viewpoints (1 polar × 3 azimuth) × 2 prompts × 1 seed"))
        }
    }

    @Test func reportElsewhereLinksBackToTheImages() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            var job = try ReportJob(in: folder, imageSide: 64)
            for _ in 0..<2 { try job.commitNext() }
            let data = try ReportStoreReader(path: job.store.path).snapshot(job: "report-demo")
            let elsewhere = job.folder + "/reports/demo"
            let files = try ReportWriter().write(data, to: elsewhere, now: job.now)
            #expect(files.folder == elsewhere)
            let html = try String(contentsOfFile: files.index, encoding: .utf8)
            // Images that fit a cell are shown as they are, from the output folder.
            let image = "../../out/images/\(job.plan.tasks[0].name).png"
            #expect(html.contains("src=\"\(ReportPaths.url(image))\""))
            #expect(!FileManager.default.fileExists(atPath: elsewhere + "/report-assets/thumbs"))
            for reference in ReportReading.references(in: html) {
                #expect(FileManager.default.fileExists(atPath: elsewhere + "/" + (reference.removingPercentEncoding ?? reference)), "\(reference)")
            }
        }
    }
}
