import Foundation
import GRDB
import Testing
@testable import Farm

/// `FarmStore.reportSnapshot(job:)`, the read-only `ReportStoreReader`, and `ReportTarget` on real stores.
@Suite struct ReportSnapshotTests {
    @Test func snapshotHoldsTasksResultsFailuresAndWorkers() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            var job = try ReportJob(in: folder)
            try job.runWithOneFailure()
            let data = try job.store.reportSnapshot(job: "report-demo")

            #expect(data.jobID == "report-demo" && data.state == .done && data.specPath == job.specPath)
            #expect(data.spec?.prompts == ReportJob.prompts && data.specProblem == nil)
            #expect(data.modelDigest == job.plan.modelDigest && data.output == job.output)
            #expect(data.tasks.map(\.taskID) == job.plan.tasks.map(\.id))
            #expect(data.tasks.count { $0.state == .committed } == 11 && data.tasks.count { $0.state == .failed } == 1)

            let retried = data.tasks[0]
            #expect(retried.attempts == 2 && retried.failures == 0 && retried.state == .committed)
            #expect(retried.events.map(\.kind) == ["failed-transient"] && retried.events[0].detail.hasSuffix("GPU lost; requeued"))
            #expect(retried.result?.details.dinoI == job.scores(for: retried.spec).dino)
            #expect(retried.result?.details.imagePath == ImageTree.relativePath(ofTaskNamed: retried.name))

            let failed = data.tasks[1]
            #expect(failed.state == .failed && failed.failures == 1 && failed.result == nil)
            #expect(failed.events.first?.detail.contains("prompt refused: <script>") == true)
            #expect(failed.events.first?.workerID == "node-b")

            #expect(data.firstLeaseAt == StoreFixtures.start)
            #expect(data.firstCommitAt != nil && data.lastCommitAt == job.now)
            #expect(Set(data.workers.map(\.workerID)) == ["node-a", "node-b"])
            #expect(data.workers.reduce(0) { $0 + $1.images } == 11 && data.workers.reduce(0) { $0 + $1.failures } == 2)
        }
    }

    @Test func unreadableSpecStillGivesTheTasks() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let job = try ReportJob(in: folder, specYAML: "name: report-demo\nobjects: [oops\n")
            let data = try job.store.reportSnapshot(job: "report-demo")
            #expect(data.spec == nil)
            #expect(data.specProblem?.contains("invalid YAML") == true)
            #expect(data.tasks.count == 12)
        }
    }

    @Test func readOnlyReaderSeesTheSameAndChangesNothing() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            var job = try ReportJob(in: folder)
            try job.commitNext()
            let epoch = job.store.epoch
            let reader = try ReportStoreReader(path: job.store.path)
            #expect(try reader.jobIDs() == ["report-demo"])
            let viaReader = try reader.snapshot(job: "report-demo")
            let viaStore = try job.store.reportSnapshot(job: "report-demo")
            #expect(viaReader.tasks.map(\.state) == viaStore.tasks.map(\.state))
            #expect(viaReader.tasks.map(\.result) == viaStore.tasks.map(\.result))
            #expect(viaReader.spec == viaStore.spec)
            #expect(throws: FarmStoreError.jobUnknown(jobID: "nope")) { try reader.snapshot(job: "nope") }
            // The coordinator's next opening is the next epoch: the reader did not open the store for writing.
            #expect(try FarmStore(path: job.store.path, now: job.now).epoch == epoch + 1)
        }
    }

    @Test func newerSchemaIsAClearError() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("farm.sqlite").path
            _ = try FarmStore(path: path, now: StoreFixtures.start)
            try DatabaseQueue(path: path).write { db in
                try db.execute(sql: "UPDATE meta SET value = '99' WHERE key = 'schema_version'")
            }
            #expect(throws: FarmStoreError.unsupportedSchema(path: path, found: 99, supported: 2)) { try ReportStoreReader(path: path) }
            #expect(throws: FarmStoreError.unsupportedSchema(path: path, found: 99, supported: 2)) { try FarmStore(path: path, now: StoreFixtures.start) }
        }
    }

    @Test func targetIsASpecOrAStateFolder() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let job = try ReportJob(in: folder)
            let state = job.folder + "/state/report-demo"
            // A spec: its store under state/<name>/ of the current folder, or --state.
            #expect(try ReportTarget.resolve(job.specPath, state: nil, job: nil, currentDirectory: job.folder)
                == ReportTarget(storePath: state + "/farm.sqlite", jobs: ["report-demo"]))
            #expect(try ReportTarget.resolve(job.specPath, state: state, job: nil, currentDirectory: "/")
                == ReportTarget(storePath: state + "/farm.sqlite", jobs: ["report-demo"]))
            // A state folder: every job, or one.
            #expect(try ReportTarget.resolve(state, state: nil, job: nil, currentDirectory: "/") == ReportTarget(storePath: state + "/farm.sqlite", jobs: nil))
            #expect(try ReportTarget.resolve(state, state: nil, job: "x", currentDirectory: "/").jobs == ["x"])

            func problem(_ argument: String, state: String? = nil, job: String? = nil, in current: String = "/") -> String? {
                do {
                    _ = try ReportTarget.resolve(argument, state: state, job: job, currentDirectory: current)
                    return nil
                } catch {
                    return error.description
                }
            }
            #expect(problem(job.specPath)?.contains("no store at /state/report-demo/farm.sqlite") == true)
            #expect(problem(job.specPath, job: "other")?.contains("the spec is job 'report-demo', not 'other'") == true)
            #expect(problem(job.folder + "/objects")?.contains("no store at") == true)
            #expect(problem(state, state: state)?.contains("--state goes with a job spec") == true)
            // An output folder with a snapshot and no store: that job's snapshot.
            try Data("{}".utf8).write(to: URL(fileURLWithPath: job.folder + "/objects/report-data.json"))
            #expect(try ReportTarget.resolve(job.folder + "/objects", state: nil, job: nil, currentDirectory: "/")
                == ReportTarget(snapshotPath: job.folder + "/objects/report-data.json"))
            #expect(problem(job.folder + "/nothing-here")?.contains("no such file or folder") == true)
            #expect(problem(job.folder + "/objects/toy-robot.png")?.contains("not a usable job spec") == true)
        }
    }
}
