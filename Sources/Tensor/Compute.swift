import Foundation
import Synchronization

/// How many threads the tensor ops use, the one parallel loop they share, and the GEMM they all call.
///
/// Every op splits its work into items whose results do not depend on which thread computes them or
/// how items are grouped, so outputs are bit-identical for any thread count. That includes matrix
/// products: OpenBLAS's own threading changes results with the thread count for some shapes (seen here:
/// 77 × 32 × 128), so OpenBLAS always runs on one thread and `gemm` cuts each product into tiles of a
/// fixed size, spread over the threads. The tiles depend on the shape alone, so every tile is the same
/// BLAS call whatever the thread count.
public enum Compute {
    private static let configuredThreads = Atomic<Int>(0)

    /// Threads for the ops (Swift loops and GEMM tiles). Defaults to the machine's active processor count.
    public static var threadCount: Int {
        get {
            let configured = configuredThreads.load(ordering: .relaxed)
            return configured > 0 ? configured : defaultThreadCount
        }
        set {
            precondition(newValue >= 1, "Compute.threadCount must be at least 1, got \(newValue)")
            configuredThreads.store(newValue, ordering: .relaxed)
        }
    }

    private static let defaultThreadCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// OpenBLAS on one thread, set once before the first product.
    private static let singleThreadedBLAS: Void = { BLAS.threadCount = 1 }()

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

    /// Side of the square output tiles `gemm` computes one BLAS call each.
    static let gemmTile = 256

    /// `C = op(A) · op(B) + beta · C` (row-major, as `BLAS.sgemm`), as one single-threaded BLAS call per
    /// 256 × 256 tile of C, the tiles spread over the threads.
    static func gemm(
        _ transA: BLAS.Transpose, _ transB: BLAS.Transpose, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        _ = singleThreadedBLAS
        let rowTiles = (m + gemmTile - 1) / gemmTile, columnTiles = (n + gemmTile - 1) / gemmTile
        parallelFor(rowTiles * columnTiles) { tile in
            let row = (tile / columnTiles) * gemmTile, column = (tile % columnTiles) * gemmTile
            let rows = min(gemmTile, m - row), columns = min(gemmTile, n - column)
            // Where tile (row, column) of op(A) and op(B) starts in the stored matrices.
            let aStart = transA == .none ? a + row * lda : a + row
            let bStart = transB == .none ? b + column : b + column * ldb
            BLAS.sgemm(transA, transB, m: rows, n: columns, k: k, a: aStart, lda: lda, b: bStart, ldb: ldb,
                       beta: beta, c: c + row * ldc + column, ldc: ldc)
        }
    }

    /// For ops that make their own single-threaded BLAS calls in parallel (attention's per-head products).
    static func prepareSingleThreadedBLAS() { _ = singleThreadedBLAS }
}
