import Foundation
import Testing
@testable import Farm

/// `FarmStore` across restarts: unclean closes, lease-id monotonicity, and the ledger invariants.
@Suite struct StoreRecoveryTests {
    private let start = StoreFixtures.start

    /// The files a SIGKILL would leave: the database and its write-ahead log as the OS holds them,
    /// copied while the store is still open (no checkpoint, no close), without the shared-memory index.
    private func copyCrashImage(of path: String, to copy: String) throws {
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        if FileManager.default.fileExists(atPath: path + "-wal") {
            try FileManager.default.copyItem(atPath: path + "-wal", toPath: copy + "-wal")
        }
    }

    @Test func reopeningAfterAnUncleanCloseKeepsCommitsAndGracesLeases() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("farm.sqlite").path
            let crashed = folder.appendingPathComponent("crashed.sqlite").path
            let store = try FarmStore(path: path, now: start)
            #expect(store.epoch == 1)
            try StoreFixtures.submit(StoreFixtures.plan(seeds: 0..<3), to: store)
            let committed = try StoreFixtures.lease(store, worker: "w1")
            _ = try store.commit(taskID: committed.taskID, leaseID: committed.leaseID, sha256: "aa", size: 1, now: start)
            let held = try StoreFixtures.lease(store, worker: "w2", for: 10)
            try copyCrashImage(of: path, to: crashed)

            let reopened = try FarmStore(path: crashed, now: start + 100, leaseGrace: 90)
            #expect(reopened.epoch == 2)
            let status = try reopened.status(job: "sweep")
            #expect(status.committed == 1 && status.leased == 1 && status.pending == 1)
            // The lease's deadline (start + 10) was pushed to start + 190: the worker may still re-adopt it.
            #expect(try reopened.expireLeases(now: start + 150).isEmpty)
            #expect(try reopened.commit(taskID: held.taskID, leaseID: held.leaseID, sha256: "bb", size: 1, now: start + 160).disposition == .committed)
            let next = try StoreFixtures.lease(reopened, worker: "w3", at: start + 160)
            #expect(next.leaseID > held.leaseID)
            #expect(try reopened.invariantViolations().isEmpty)
        }
    }

    @Test func aSecondOpeningOfALiveFileSeesEverything() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("farm.sqlite").path
            let first = try FarmStore(path: path, now: start)
            try StoreFixtures.submit(StoreFixtures.plan(seeds: 0..<2), to: first)
            let lease = try StoreFixtures.lease(first, worker: "w", for: 10)
            // The first store is never closed: the second takes over as a restarted coordinator would.
            let second = try FarmStore(path: path, now: start + 5, leaseGrace: 60)
            #expect(second.epoch == 2)
            #expect(try second.expireLeases(now: start + 30).isEmpty)
            #expect(try second.expireLeases(now: start + 66) == [RevokedLease(taskID: lease.taskID, leaseID: lease.leaseID, workerID: "w")])
            withExtendedLifetime(first) {}
        }
    }

    @Test func leaseIDsStayMonotonicAcrossReopens() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("farm.sqlite").path
            let crashed = folder.appendingPathComponent("crashed.sqlite").path
            var issued: [Int64] = []
            do {
                let store = try FarmStore(path: path, now: start, leaseIDBlockSize: 4)
                try StoreFixtures.submit(StoreFixtures.plan(seeds: 0..<40), to: store)
                for _ in 0..<6 { issued.append(try StoreFixtures.lease(store, worker: "w").leaseID) }
            }
            for round in 1...3 {
                let store = try FarmStore(path: path, now: start + Double(round), leaseIDBlockSize: 4)
                for _ in 0..<5 { issued.append(try StoreFixtures.lease(store, worker: "w", at: start + Double(round)).leaseID) }
                if round == 3 {
                    try copyCrashImage(of: path, to: crashed)
                }
            }
            let afterCrash = try FarmStore(path: crashed, now: start + 10, leaseIDBlockSize: 4)
            issued.append(try StoreFixtures.lease(afterCrash, worker: "w", at: start + 10).leaseID)
            #expect(issued == issued.sorted() && Set(issued).count == issued.count)
            #expect(try afterCrash.invariantViolations().isEmpty)
        }
    }

    /// A deterministic walk of random operations keeps every invariant after every step.
    @Test func invariantsHoldThroughAMixOfOperations() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try FarmStore(path: folder.appendingPathComponent("farm.sqlite").path, now: start, leaseIDBlockSize: 3)
            try StoreFixtures.submit(StoreFixtures.plan(seeds: 0..<12, retries: 1), to: store)
            var generator = SplitMix64(seed: 42)
            var leases: [LeaseGrant] = []
            for step in 0..<200 {
                let now = start + Double(step)
                switch generator.next() % 6 {
                case 0, 1:
                    if let lease = try store.leaseNext(worker: "w\(generator.next() % 4)", deadline: now + 5, now: now) { leases.append(lease) }
                case 2:
                    if let lease = leases.randomElement(using: &generator) {
                        _ = try store.commit(taskID: lease.taskID, leaseID: lease.leaseID, sha256: "aa", size: 1, now: now)
                    }
                case 3:
                    if let lease = leases.randomElement(using: &generator) {
                        let failureClass = FailureClass.allCases.randomElement(using: &generator) ?? .task
                        _ = try store.fail(taskID: lease.taskID, leaseID: lease.leaseID, failureClass: failureClass, now: now)
                    }
                case 4:
                    _ = try store.expireLeases(now: now)
                default:
                    _ = try store.requeueFailed(job: "sweep", now: now)
                }
                #expect(try store.invariantViolations().isEmpty, "step \(step)")
                let status = try store.status(job: "sweep")
                #expect(status.countsAddUp && status.total == 12)
            }
        }
    }
}

/// A small seeded generator so the random walk is the same on every run.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
