import Foundation
import Testing
@testable import Farm

/// Submitting, leasing, committing and failing tasks in `FarmStore`, on real SQLite files.
@Suite struct StoreLedgerTests {
    private let start = StoreFixtures.start

    @Test func submittingTwiceAddsNoDuplicates() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try FarmStore(path: folder.appendingPathComponent("farm.sqlite").path, now: start)
            let plan = try StoreFixtures.plan(seeds: 0..<4)
            #expect(try StoreFixtures.submit(plan, to: store) == SubmitSummary(jobID: "sweep", newTasks: 4, existingTasks: 0, heldByOtherJobs: 0))
            #expect(try StoreFixtures.submit(plan, to: store) == SubmitSummary(jobID: "sweep", newTasks: 0, existingTasks: 4, heldByOtherJobs: 0))
            let status = try store.status(job: "sweep")
            #expect(status.total == 4 && status.pending == 4 && status.state == .active)
        }
    }

    @Test func editedSpecAddsOnlyTheNewTasks() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try FarmStore(path: folder.appendingPathComponent("farm.sqlite").path, now: start)
            try StoreFixtures.submit(StoreFixtures.plan(seeds: 0..<4), to: store)
            let first = try StoreFixtures.lease(store, worker: "w1")
            #expect(try store.commit(taskID: first.taskID, leaseID: first.leaseID, sha256: "aa", size: 10, now: start).disposition == .committed)
            let leased = try StoreFixtures.lease(store, worker: "w1")

            let summary = try StoreFixtures.submit(StoreFixtures.plan(seeds: 0..<6), to: store)
            #expect(summary.newTasks == 2 && summary.existingTasks == 4)
            let status = try store.status(job: "sweep")
            #expect(status.total == 6 && status.committed == 1 && status.leased == 1 && status.pending == 4)
            // The lease survives the resubmission.
            #expect(try store.commit(taskID: leased.taskID, leaseID: leased.leaseID, sha256: "bb", size: 10, now: start).disposition == .committed)
            // A second job with the same cells leaves them with the first job.
            let other = try StoreFixtures.submit(StoreFixtures.plan(job: "copy", seeds: 0..<6, idPrefix: "sweep"), to: store)
            #expect(other.newTasks == 0 && other.heldByOtherJobs == 6)
        }
    }

    @Test func leaseAndCommitRunTheJobToDone() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try FarmStore(path: folder.appendingPathComponent("farm.sqlite").path, now: start)
            let plan = try StoreFixtures.plan(seeds: 0..<2)
            try StoreFixtures.submit(plan, to: store)
            let first = try StoreFixtures.lease(store, worker: "w1")
            let second = try StoreFixtures.lease(store, worker: "w2")
            #expect(first.taskID == plan.tasks[0].id && first.task == plan.tasks[0] && first.attempt == 1)
            #expect(second.taskID == plan.tasks[1].id && second.leaseID > first.leaseID)
            #expect(try store.leaseNext(worker: "w3", deadline: start + 60, now: start) == nil)

            #expect(try store.commit(taskID: first.taskID, leaseID: first.leaseID, sha256: "aa", size: 1, now: start).disposition == .committed)
            #expect(try store.commit(taskID: first.taskID, leaseID: first.leaseID, sha256: "aa", size: 1, now: start).disposition == .duplicate)
            #expect(try store.status(job: "sweep").state == .active)
            #expect(try store.commit(taskID: second.taskID, leaseID: second.leaseID, sha256: "bb", size: 1, now: start).disposition == .committed)
            let status = try store.status(job: "sweep")
            #expect(status.state == .done && status.committed == 2 && status.countsAddUp)
        }
    }

    @Test func higherPriorityJobsLeaseFirstAndFiltersApply() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try FarmStore(path: folder.appendingPathComponent("farm.sqlite").path, now: start)
            try StoreFixtures.submit(StoreFixtures.plan(job: "low", seeds: 0..<2, priority: 0), to: store)
            try StoreFixtures.submit(StoreFixtures.plan(job: "high", seeds: 0..<2, priority: 5), to: store)
            #expect(try StoreFixtures.lease(store, worker: "w").jobID == "high")
            #expect(try StoreFixtures.lease(store, worker: "w", job: "low").jobID == "low")
            #expect(throws: FarmStoreError.jobUnknown(jobID: "nope")) {
                try store.leaseNext(worker: "w", jobFilter: "nope", deadline: start, now: start)
            }
        }
    }

    @Test func staleLeasesAndUnknownIdsAreRefused() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try FarmStore(path: folder.appendingPathComponent("farm.sqlite").path, now: start)
            try StoreFixtures.submit(StoreFixtures.plan(seeds: 0..<1), to: store)
            let old = try StoreFixtures.lease(store, worker: "w1", for: 10)
            #expect(try store.expireLeases(now: start + 11).count == 1)
            let current = try StoreFixtures.lease(store, worker: "w2", at: start + 11)

            let stale = try store.fail(taskID: old.taskID, leaseID: old.leaseID, failureClass: .task, now: start + 12)
            #expect(stale == FailureOutcome(disposition: .staleIgnored, workerBlocklisted: false))
            #expect(try store.status(job: "sweep").leased == 1)
            #expect(throws: FarmStoreError.leaseLost(taskID: old.taskID, leaseID: current.leaseID + 1, currentLeaseID: current.leaseID)) {
                try store.commit(taskID: old.taskID, leaseID: current.leaseID + 1, sha256: "aa", size: 1, now: start + 12)
            }
            #expect(throws: FarmStoreError.taskNotFound(taskID: "missing")) {
                try store.commit(taskID: "missing", leaseID: 1, sha256: "aa", size: 1, now: start)
            }
            #expect(throws: FarmStoreError.jobUnknown(jobID: "missing")) { try store.status(job: "missing") }
        }
    }

    @Test func firstValidResultWinsEvenFromASupersededLease() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try FarmStore(path: folder.appendingPathComponent("farm.sqlite").path, now: start)
            try StoreFixtures.submit(StoreFixtures.plan(seeds: 0..<1), to: store)
            let slow = try StoreFixtures.lease(store, worker: "slow", for: 10)
            _ = try store.expireLeases(now: start + 11)
            let fresh = try StoreFixtures.lease(store, worker: "fresh", at: start + 11)
            #expect(fresh.attempt == 2)

            let late = try store.commit(taskID: slow.taskID, leaseID: slow.leaseID, sha256: "aa", size: 1, now: start + 20)
            #expect(late == CommitOutcome(disposition: .committed,
                                          supersededLease: RevokedLease(taskID: fresh.taskID, leaseID: fresh.leaseID, workerID: "fresh")))
            let second = try store.commit(taskID: fresh.taskID, leaseID: fresh.leaseID, sha256: "aa", size: 1, now: start + 30)
            #expect(second.disposition == .duplicate)
            #expect(try store.invariantViolations().isEmpty)
        }
    }

    @Test func taskFailuresAreCappedByTheJobsRetries() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try FarmStore(path: folder.appendingPathComponent("farm.sqlite").path, now: start)
            try StoreFixtures.submit(StoreFixtures.plan(seeds: 0..<3, retries: 1), to: store)
            var lease = try StoreFixtures.lease(store, worker: "w", job: "sweep")
            let taskID = lease.taskID
            #expect(try store.fail(taskID: taskID, leaseID: lease.leaseID, failureClass: .transient, now: start).disposition == .requeued)
            lease = try StoreFixtures.lease(store, worker: "w")
            #expect(try store.fail(taskID: taskID, leaseID: lease.leaseID, failureClass: .task, now: start).disposition == .requeued)
            lease = try StoreFixtures.lease(store, worker: "w")
            #expect(lease.taskID == taskID && lease.attempt == 3)
            #expect(try store.fail(taskID: taskID, leaseID: lease.leaseID, failureClass: .task, now: start).disposition == .failed)

            let doomed = try StoreFixtures.lease(store, worker: "w")
            #expect(try store.fail(taskID: doomed.taskID, leaseID: doomed.leaseID, failureClass: .permanent, now: start).disposition == .failed)
            #expect(try store.status(job: "sweep").failed == 2)
            #expect(try store.requeueFailed(job: "sweep", now: start) == 2)
            #expect(try store.status(job: "sweep").pending == 3)
        }
    }

    @Test func threeWorkerFailuresBlocklistTheWorkerForTheJob() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try FarmStore(path: folder.appendingPathComponent("farm.sqlite").path, now: start)
            try StoreFixtures.submit(StoreFixtures.plan(seeds: 0..<2, retries: 0), to: store)
            try StoreFixtures.submit(StoreFixtures.plan(job: "other", seeds: 0..<1), to: store)
            var outcomes: [FailureOutcome] = []
            for _ in 0..<3 {
                let lease = try StoreFixtures.lease(store, worker: "bad", job: "sweep")
                outcomes.append(try store.fail(taskID: lease.taskID, leaseID: lease.leaseID, failureClass: .worker, now: start))
            }
            #expect(outcomes.map(\.disposition) == [.requeued, .requeued, .requeued])
            #expect(outcomes.map(\.workerBlocklisted) == [false, false, true])
            // Worker failures do not charge the task (retries 0 would have failed it).
            #expect(try store.status(job: "sweep").pending == 2)
            #expect(try store.leaseNext(worker: "bad", jobFilter: "sweep", deadline: start + 60, now: start) == nil)
            #expect(try StoreFixtures.lease(store, worker: "bad").jobID == "other")
            #expect(try StoreFixtures.lease(store, worker: "good").jobID == "sweep")
        }
    }

    @Test func oneJobBlocklistsAtMostItsShareOfTheWorkers() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try FarmStore(path: folder.appendingPathComponent("farm.sqlite").path, now: start)
            try StoreFixtures.submit(StoreFixtures.plan(seeds: 0..<2, retries: 0), to: store)
            // Four known workers: a 25 % share is one worker.
            for worker in ["a", "b", "c", "d"] {
                try store.registerWorker(worker, incarnation: "1", hostname: "node", modelDigest: "m", slots: 1, now: start)
            }
            var blocklisted: [String: Bool] = [:]
            for worker in ["a", "b"] {
                for _ in 0..<3 {
                    let lease = try StoreFixtures.lease(store, worker: worker, job: "sweep")
                    blocklisted[worker] = try store.fail(taskID: lease.taskID, leaseID: lease.leaseID, failureClass: .worker,
                                                         now: start).workerBlocklisted
                }
            }
            #expect(blocklisted == ["a": true, "b": false])
            #expect(try store.leaseNext(worker: "a", jobFilter: "sweep", deadline: start + 60, now: start) == nil)
            #expect(try store.leaseNext(worker: "b", jobFilter: "sweep", deadline: start + 60, now: start) != nil)
        }
    }

    @Test func expiredLeasesAreRequeuedWithoutCharge() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try FarmStore(path: folder.appendingPathComponent("farm.sqlite").path, now: start)
            try StoreFixtures.submit(StoreFixtures.plan(seeds: 0..<1, retries: 0), to: store)
            let lease = try StoreFixtures.lease(store, worker: "w", for: 60)
            #expect(try store.expireLeases(now: start + 30).isEmpty)
            #expect(try store.expireLeases(now: start + 61) == [RevokedLease(taskID: lease.taskID, leaseID: lease.leaseID, workerID: "w")])
            #expect(try store.status(job: "sweep").pending == 1)
            let again = try StoreFixtures.lease(store, worker: "w", at: start + 61)
            #expect(again.taskID == lease.taskID && again.attempt == 2 && again.leaseID > lease.leaseID)
        }
    }

    @Test func pauseAndCancelRevokeLeasesAndFenceResults() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try FarmStore(path: folder.appendingPathComponent("farm.sqlite").path, now: start)
            try StoreFixtures.submit(StoreFixtures.plan(seeds: 0..<2), to: store)
            let lease = try StoreFixtures.lease(store, worker: "w")
            #expect(try store.pause(job: "sweep", now: start) == [RevokedLease(taskID: lease.taskID, leaseID: lease.leaseID, workerID: "w")])
            #expect(try store.leaseNext(worker: "w", deadline: start + 60, now: start) == nil)
            try store.resume(job: "sweep", now: start)
            let resumed = try StoreFixtures.lease(store, worker: "w")
            #expect(try store.cancel(job: "sweep", now: start).count == 1)
            #expect(try store.commit(taskID: resumed.taskID, leaseID: resumed.leaseID, sha256: "aa", size: 1, now: start).disposition == .staleIgnored)
            #expect(throws: FarmStoreError.jobStateConflict(jobID: "sweep", state: .cancelled, operation: "resume")) {
                try store.resume(job: "sweep", now: start)
            }
            #expect(try store.status(job: "sweep").state == .cancelled)
        }
    }

    @Test func databaseFailuresComeBackAsStoreErrors() {
        let path = "/nonexistent-folder-\(UUID().uuidString)/farm.sqlite"
        #expect {
            try FarmStore(path: path, now: start)
        } throws: { error in
            guard case .database(let operation, _, _) = error as? FarmStoreError else { return false }
            return operation == "open \(path)"
        }
    }
}
