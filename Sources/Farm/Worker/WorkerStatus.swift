import Synchronization

/// What other threads share with a running worker's socket thread: stop requests in, counters out.
final class WorkerStatus: Sendable {
    private struct State {
        var started = false
        var stopRequests = 0
        var stopReason = "stop requested"
        var counters = WorkerCounters()
    }

    private let state = Mutex(State())

    /// Marks the daemon started; false when it already was.
    func markStarted() -> Bool {
        state.withLock { state in
            defer { state.started = true }
            return !state.started
        }
    }

    /// Records a stop request; the first one's reason is the one `BYE` gives.
    func requestStop(reason: String) {
        state.withLock { state in
            if state.stopRequests == 0 { state.stopReason = reason }
            state.stopRequests += 1
        }
    }

    /// How many stop requests have arrived, and the first one's reason.
    var stopRequests: (count: Int, reason: String) {
        state.withLock { ($0.stopRequests, $0.stopReason) }
    }

    var counters: WorkerCounters { state.withLock { $0.counters } }

    func update(_ change: (inout WorkerCounters) -> Void) {
        state.withLock { change(&$0.counters) }
    }
}
