import Foundation
import Tensor

/// OpenBLAS 0.3.21 (Debian 12) does not recognise some recent Xeons and falls back to its generic SSE3
/// "Prescott" kernel, which runs sgemm 5–9× slower than the AVX-512 one on the same machine. The kernel
/// is chosen when the library loads, so the only cure is to start again with `OPENBLAS_CORETYPE` set.
///
/// `customnet` does that once at start-up, and only when the variable is unset (a machine that sets it
/// keeps its choice) and `CUSTOMNET_KEEP_BLAS_KERNEL` is not set.
enum BLASKernelChoice {
    /// The kernel OpenBLAS should use on this CPU when it fell back to Prescott, or nil.
    static func better(than coreName: String) -> String? {
        guard coreName.lowercased() == "prescott" else { return nil }
        let flags = CPUFeatures.flags
        if flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl") { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    /// Re-executes this program with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to Prescott.
    /// Returns (doing nothing) when no better kernel applies or re-executing fails.
    static func restartWithBetterKernelIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["OPENBLAS_CORETYPE"] == nil, environment["CUSTOMNET_KEEP_BLAS_KERNEL"] == nil,
              let kernel = better(than: BLAS.coreName) else { return }
        setenv("OPENBLAS_CORETYPE", kernel, 1)
        setenv("CUSTOMNET_KEEP_BLAS_KERNEL", "1", 1)  // never loop
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
    }
}
