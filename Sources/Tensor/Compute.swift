import Foundation
import Synchronization

/// How many threads the tensor ops use, the one parallel loop they share, and the GEMM they all call.
///
/// Every op splits its work into items whose results do not depend on which thread computes them or
/// how items are grouped, so outputs are bit-identical for any thread count. That includes matrix
/// products: OpenBLAS's own threading changes results with the thread count for some shapes (seen here:
/// 77 × 32 × 128), so OpenBLAS always runs on one thread and `gemm` cuts each product into tiles spread
/// over the threads. The tiles depend on the shape alone, so every tile is the same BLAS call whatever
/// the thread count. Narrow products go to the narrow kernel instead (see `narrowKernel`), which sums
/// every value of C in one fixed order however the rows are split.
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

    private static let keepsFilters = Atomic<Bool>(false)

    /// Whether layers pass their `WinogradFilterCache` to `Ops.conv2d`, keeping transformed filters:
    /// somewhat faster convolutions (the customnet-v1 UNet step 0.83–1.03 s against 0.92–1.08 s, 2 cores,
    /// Zen 5) for more memory (about 2.3 GB there), with the same results. Off by default; set it before
    /// the first render.
    public static var keepsWinogradFilters: Bool {
        get { keepsFilters.load(ordering: .relaxed) }
        set { keepsFilters.store(newValue, ordering: .relaxed) }
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

    /// Floating-point operations per GEMM tile: large enough that each single-threaded BLAS call runs near
    /// its peak, small enough that a product splits into several tiles for the threads to share.
    /// (512 MFLOP measured best on the UNet's shapes here among 64–1024.)
    static let gemmTileWork = 512 << 20

    /// The shortest side of a GEMM tile. Every tile packs the whole of the operand it shares with the
    /// others (K × the other side), so thin tiles spend their time packing: 3×3 convolutions at 16²
    /// (K = 11,520) were cut into 48-row tiles and ran at 64–73 % of a plain 2-thread sgemm; with tiles
    /// of at least 256 they take 16 % less time (median of 6 alternating runs, 2 cores, Zen 4).
    static let minimumGEMMTileSide = 256

    /// `C = op(A) · op(B) + beta · C` (row-major, as `BLAS.sgemm`), as single-threaded BLAS calls on
    /// tiles of C spread over the threads. The larger of C's two sides is cut into equal parts (multiples
    /// of 16) so that each tile holds about `gemmTileWork` operations but is no thinner than
    /// `minimumGEMMTileSide`; the tiling depends on the shape only. Products the narrow kernel takes (see
    /// `narrowKernel`) go to it instead, in tasks of 64 rows of C: at 32 columns OpenBLAS spends most of
    /// the call packing A (4²×1280 convolution: 76 GFLOP/s through sgemm, about 180 with the kernel).
    static func gemm(
        _ transA: BLAS.Transpose, _ transB: BLAS.Transpose, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        _ = singleThreadedBLAS
        if let narrow = narrowKernel(transA, transB, n: n, beta: beta) {
            // Each row of C is one fixed sequence of operations, so any split of the rows gives the same bits.
            let rowsPerTask = 64, tasks = (m + rowsPerTask - 1) / rowsPerTask
            parallelFor(tasks) { task in
                let start = task * rowsPerTask
                narrow(a + start * lda, lda, b, ldb, c + start * ldc, ldc, min(rowsPerTask, m - start), n, k, beta == 1)
            }
            return
        }
        let work = 2 * m * n * k
        let splitRows = m > n
        let side = splitRows ? m : n
        // At least 2 tiles for any product worth sharing, and an even count (a multiple of 4 above 4),
        // so that 2 or 4 threads get equal shares.
        var parts = 1
        if work >= 32 << 20 {
            parts = max(4, min(64, (work + gemmTileWork - 1) / gemmTileWork))
            parts = max(2, min(parts, side / minimumGEMMTileSide))
            parts = parts > 4 ? parts / 4 * 4 : parts / 2 * 2
        }
        let tileSide = max(16, ((side + parts - 1) / parts + 15) / 16 * 16)
        let tiles = (side + tileSide - 1) / tileSide
        parallelFor(tiles) { tile in
            let start = tile * tileSide, length = min(tileSide, side - start)
            if splitRows {
                let aStart = transA == .none ? a + start * lda : a + start
                BLAS.sgemm(transA, transB, m: length, n: n, k: k, a: aStart, lda: lda, b: b, ldb: ldb,
                           beta: beta, c: c + start * ldc, ldc: ldc)
            } else {
                let bStart = transB == .none ? b + start : b + start * ldb
                BLAS.sgemm(transA, transB, m: m, n: length, k: k, a: a, lda: lda, b: bStart, ldb: ldb,
                           beta: beta, c: c + start, ldc: ldc)
            }
        }
    }

    /// For ops that make their own single-threaded BLAS calls in parallel (attention's per-head products
    /// where there is no fused kernel).
    static func prepareSingleThreadedBLAS() { _ = singleThreadedBLAS }

    /// Columns up to which untransposed products go to the active kernel set's narrow kernel
    /// (`KernelSet.narrowProduct`) instead of OpenBLAS, which spends most of such a call packing its
    /// operands. 128 columns take in the 16² Winograd GEMMs (a block of 64 output channels at batch 2):
    /// 16²×640 convolution 6.3–6.7 → 5.3–5.5 ms in 3 alternating runs on Zen 5, where on Zen 4 the UNet
    /// step had been no faster in 4.
    static let narrowProductColumns = 128

    /// The narrow kernel for `C = A · B + beta · C` with `n` columns, or nil where OpenBLAS runs it:
    /// the kernel takes untransposed operands, `n` a multiple of 32, and `beta` 0 or 1.
    static func narrowKernel(_ transA: BLAS.Transpose, _ transB: BLAS.Transpose, n: Int, beta: Float) -> KernelSet.NarrowProduct? {
        guard transA == .none && transB == .none && n > 0 && n % 32 == 0 && n <= narrowProductColumns && (beta == 0 || beta == 1) else {
            return nil
        }
        return KernelSet.active.narrowProduct
    }

    /// `C = A · B + beta · C` (row-major, untransposed) on the calling thread, through the narrow kernel
    /// where it suits (see `narrowKernel`), otherwise one single-threaded BLAS call: for ops that run
    /// their own products in parallel (Winograd's GEMMs per component or block of channels).
    static func productOnThisThread(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        _ = singleThreadedBLAS
        if let narrow = narrowKernel(.none, .none, n: n, beta: beta) {
            narrow(a, lda, b, ldb, c, ldc, m, n, k, beta == 1)
        } else {
            BLAS.sgemm(.none, .none, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }
}
