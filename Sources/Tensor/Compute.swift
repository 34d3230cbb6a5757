import Foundation
import Synchronization

/// How many threads the tensor ops use, and the one parallel loop they share.
///
/// Every op splits its work into items whose results do not depend on which thread computes them or
/// how items are grouped, so outputs are bit-identical for any thread count.
///
/// OpenBLAS has one process-wide thread pool and thread count; calling it from two threads while one
/// of them changes the count corrupts results (seen here: attention run beside other tests). So every
/// op that calls OpenBLAS holds one process-wide lock (`exclusive`), as does changing the count. Such
/// an op uses all cores anyway; ops without BLAS run concurrently as usual.
public enum Compute {
    private static let configuredThreads = Atomic<Int>(0)

    /// Threads for Swift loops and for OpenBLAS. Defaults to the machine's active processor count.
    public static var threadCount: Int {
        get {
            let configured = configuredThreads.load(ordering: .relaxed)
            return configured > 0 ? configured : defaultThreadCount
        }
        set {
            precondition(newValue >= 1, "Compute.threadCount must be at least 1, got \(newValue)")
            exclusive {
                configuredThreads.store(newValue, ordering: .relaxed)
                BLAS.threadCount = newValue
            }
        }
    }

    private static let defaultThreadCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body(i)` for every `i` in `0..<count`, in contiguous blocks over `threadCount` threads.
    /// `body` must only write memory that belongs to item `i`.
    static func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        let threads = min(threadCount, count)
        if threads <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let work = body
            DispatchQueue.concurrentPerform(iterations: threads) { block in
                let start = count * block / threads, end = count * (block + 1) / threads
                for i in start..<end { work(i) }
            }
        }
    }

    private static let blasLock = Mutex(())

    /// Runs `body` holding the process-wide BLAS lock. Not re-entrant: ops take it once, at their entry.
    static func exclusive<Result>(_ body: () -> Result) -> Result {
        blasLock.withLock { _ in body() }
    }

    /// Runs `body` with OpenBLAS on one thread, for code that parallelises over many small GEMMs itself.
    /// Holds the BLAS lock meanwhile.
    static func withSingleThreadedBLAS<Result>(_ body: () -> Result) -> Result {
        exclusive {
            let previous = BLAS.threadCount
            if previous == 1 { return body() }
            BLAS.threadCount = 1
            defer { BLAS.threadCount = previous }
            return body()
        }
    }
}
