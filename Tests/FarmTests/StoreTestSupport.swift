import Foundation
import Testing
@testable import Farm

/// Temporary store files, synthetic plans and a fixed clock for the `FarmStore` tests.
enum StoreFixtures {
    /// The tests' clock origin; tests add seconds to it instead of sleeping.
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A new empty folder under the system's temporary folder, removed by `body`'s end.
    static func withTemporaryFolder<Result>(_ body: (URL) throws -> Result) throws -> Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("farm-store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        return try body(folder)
    }

    /// A plan for job `job` with tasks for seeds `seeds` (task ids derive from `idPrefix` and the seed,
    /// so the same seed gives the same task in every plan of the job).
    static func plan(job: String = "sweep", seeds: Range<UInt64>, priority: Int = 0, retries: Int = 3,
                     idPrefix: String? = nil) throws -> JobPlan {
        var spec = try JobSpecFixtures.parse(JobSpecFixtures.minimal(), checkModelFiles: false).spec
        spec.name = job
        spec.priority = priority
        spec.retries = retries
        let tasks = seeds.map { seed in
            TaskSpec(id: TaskIdentity.id(of: Data("\(idPrefix ?? job) \(seed)".utf8)), name: "cube/a-cube/p0_a0_s\(seed)",
                     objectID: "cube", imagePath: "/objects/cube.png", imageDigest: String(repeating: "0", count: 64),
                     references: [], box: nil, polar: 0, azimuth: 0, prompt: "a cube", promptSlug: "a-cube", seed: seed,
                     steps: 50, guidance: 7.5)
        }
        return JobPlan(spec: spec, modelDigest: String(repeating: "1", count: 64), tasks: tasks)
    }

    /// `plan` submitted to `store` at `start`.
    @discardableResult
    static func submit(_ plan: JobPlan, to store: FarmStore) throws -> SubmitSummary {
        try store.submit(plan: plan, specYAML: "name: \(plan.spec.name)\n", specPath: "/jobs/\(plan.spec.name).yaml", now: start)
    }

    /// A lease for `worker` due `seconds` after `now`, which must exist.
    static func lease(_ store: FarmStore, worker: String, job: String? = nil, at now: Date = start,
                      for seconds: TimeInterval = 600) throws -> LeaseGrant {
        try #require(try store.leaseNext(worker: worker, jobFilter: job, deadline: now + seconds, now: now))
    }
}
