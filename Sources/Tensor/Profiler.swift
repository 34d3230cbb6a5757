import Foundation
import Synchronization

/// Wall time spent in each op family, for `customnet bench` to say where the time goes. Off by
/// default; when off, an op pays one atomic load.
public enum Profiler {
    private static let enabled = Atomic<Bool>(false)
    private static let totals = Mutex<[String: (seconds: Double, calls: Int)]>([:])

    /// Clears the totals and starts counting.
    public static func start() {
        totals.withLock { $0 = [:] }
        enabled.store(true, ordering: .relaxed)
    }

    /// Stops counting and returns seconds and calls per op family, slowest first.
    public static func stop() -> [(family: String, seconds: Double, calls: Int)] {
        enabled.store(false, ordering: .relaxed)
        return totals.withLock { $0 }.map { ($0.key, $0.value.seconds, $0.value.calls) }.sorted { $0.seconds > $1.seconds }
    }

    /// Runs `body`, adding its wall time to `family` when counting. Ops called inside another op are
    /// counted in both; the ops of this module do not nest.
    static func measure<Result>(_ family: String, _ body: () -> Result) -> Result {
        guard enabled.load(ordering: .relaxed) else { return body() }
        let start = ContinuousClock.now
        let result = body()
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        totals.withLock { $0[family, default: (0, 0)].seconds += seconds; $0[family, default: (0, 0)].calls += 1 }
        return result
    }
}
