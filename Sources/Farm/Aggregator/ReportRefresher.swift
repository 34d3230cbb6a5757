import Foundation
import Logging
import Synchronization

/// Rebuilds job reports off the coordinator's loop thread: requests for a job coalesce while a
/// rebuild runs, so a slow report (many images) never delays heartbeats or dispatch, and a burst of
/// commits costs one rebuild. Reports of one job are never written concurrently.
final class ReportRefresher: Sendable {
    private let store: FarmStore
    private let writer: ReportWriter
    /// Whether to write only `report-data.json` (the report is built elsewhere).
    private let snapshotOnly: Bool
    private let log: Logger
    private let queue = DispatchQueue(label: "customnet.report-refresher")
    /// Jobs waiting for a rebuild, with the ETA to print on their page.
    private let waiting = Mutex<[String: TimeInterval?]>([:])
    private let idle = DispatchGroup()

    init(store: FarmStore, writer: ReportWriter, snapshotOnly: Bool, logger: Logger) {
        self.store = store
        self.writer = writer
        self.snapshotOnly = snapshotOnly
        self.log = logger
    }

    /// Asks for `jobID`'s report to be rebuilt soon; `eta` is the coordinator's estimate in seconds.
    func request(job jobID: String, eta: TimeInterval?) {
        let isNew = waiting.withLock { jobs in
            let isNew = jobs[jobID] == nil
            jobs[jobID] = eta
            return isNew
        }
        guard isNew else { return }
        idle.enter()
        queue.async { [self] in
            defer { idle.leave() }
            guard let eta = waiting.withLock({ $0.removeValue(forKey: jobID) }) else { return }
            rebuild(jobID, eta: eta)
        }
    }

    /// Waits until every requested rebuild is written.
    func finish() {
        idle.wait()
    }

    private func rebuild(_ jobID: String, eta: TimeInterval?) {
        let started = Date()
        do {
            if snapshotOnly {
                let path = try writer.refreshSnapshot(job: jobID, in: store)
                log.debug("report snapshot written", metadata: ["job": "\(jobID)", "path": "\(path)"])
                return
            }
            let files = try writer.refresh(job: jobID, in: store, eta: eta, now: Date())
            log.debug("report written", metadata: ["job": "\(jobID)", "index": "\(files.index)", "done": "\(files.done)/\(files.total)",
                                                   "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(started)))"])
            for problem in files.imageProblems.prefix(3) { log.warning("report: \(problem)", metadata: ["job": "\(jobID)"]) }
        } catch {
            log.error("report not written: \(error)", metadata: ["job": "\(jobID)"])
        }
    }
}
