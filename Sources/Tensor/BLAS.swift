import COpenBLAS

/// The one door to OpenBLAS: single-precision GEMM and the library's thread settings.
///
/// Everything is row-major. OpenBLAS picks its kernel when the library loads (from the CPU, or from
/// `OPENBLAS_CORETYPE` when that is set), so `coreName` tells which kernel this process really runs.
public enum BLAS {
    /// Whether an operand is used as stored or transposed.
    public enum Transpose: Sendable {
        case none, transposed

        var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
    }

    /// `C = alpha · op(A) · op(B) + beta · C`, all row-major.
    ///
    /// - Parameters:
    ///   - m, n, k: `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`.
    ///   - lda, ldb, ldc: leading dimensions (row strides) of the stored matrices, as in CBLAS:
    ///     `lda ≥ k` for an untransposed `A` (`≥ m` transposed), `ldb ≥ n` (`≥ k` transposed), `ldc ≥ n`.
    /// - Precondition: the sizes are non-negative and the leading dimensions are large enough.
    ///   The pointers must cover the matrices they describe.
    public static func sgemm(
        _ transA: Transpose, _ transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative size m=\(m) n=\(n) k=\(k)")
        precondition(lda >= max(1, transA == .none ? k : m), "sgemm: lda=\(lda) too small for A (m=\(m), k=\(k), \(transA))")
        precondition(ldb >= max(1, transB == .none ? n : k), "sgemm: ldb=\(ldb) too small for B (k=\(k), n=\(n), \(transB))")
        precondition(ldc >= max(1, n), "sgemm: ldc=\(ldc) too small for C (n=\(n))")
        if m == 0 || n == 0 { return }
        cblas_sgemm(
            CblasRowMajor, transA.cblas, transB.cblas,
            blasint(m), blasint(n), blasint(k),
            alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }

    /// Number of threads OpenBLAS uses for one call. Setting it is process-wide and takes effect on the next call.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set {
            precondition(newValue >= 1, "BLAS.threadCount must be at least 1, got \(newValue)")
            openblas_set_num_threads(Int32(newValue))
        }
    }

    /// The kernel family OpenBLAS chose at load time, for example `Haswell` or `Cooperlake`.
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's build description: version, threading model, `DYNAMIC_ARCH` and so on.
    public static var configuration: String { String(cString: openblas_get_config()) }
}
