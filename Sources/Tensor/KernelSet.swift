import Foundation
import TensorKernels
#if arch(x86_64)
import TensorKernelsX86V3
import TensorKernelsX86V4
#endif

/// One compiled copy of the row kernels (see `Sources/TensorKernels/Kernels.swift`), chosen once per
/// process from the CPU's features: AVX-512 (`x86-64-v4`), AVX2 + FMA (`x86-64-v3`), or the baseline.
/// `CUSTOMNET_KERNELS=baseline|x86-64-v3|x86-64-v4` forces one, for comparisons; a set the CPU cannot
/// run is never chosen.
public struct KernelSet: Sendable {
    public typealias Unary = @Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    public typealias Binary = @Sendable (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void

    /// `baseline`, `x86-64-v3` or `x86-64-v4`.
    public let name: String
    let softmax: @Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Float) -> Void
    let silu: Unary
    let quickGELU: Unary
    let gelu: Unary
    let geglu: Binary
    let affine: @Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Float, Float) -> Void
    let add: Binary
    let multiply: Binary
    let meanAndInverseDeviation: @Sendable (UnsafePointer<Float>, Int, Float) -> (mean: Float, inverseDeviation: Float)
    let winogradFilters: @Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void
    let winogradInput: @Sendable (UnsafePointer<Float>, Int, Int, UnsafeMutablePointer<Float>, Int) -> Void
    let winogradOutput: @Sendable (UnsafePointer<Float>, Int, Int, Float, UnsafeMutablePointer<Float>, Int) -> Void
    /// The fused attention kernel, where this set has one (AVX-512); `Ops.attention` uses sgemm elsewhere.
    let attentionBlock: (@Sendable (AttentionBlock) -> Void)?
    /// The narrow matrix product, where this set has one (AVX-512); `Compute` uses sgemm elsewhere.
    let narrowProduct: NarrowProduct?

    /// Arguments as `Kernels.narrowProduct`: a, lda, b, ldb, c, ldc, m, n, k, accumulate.
    typealias NarrowProduct = @Sendable (UnsafePointer<Float>, Int, UnsafePointer<Float>, Int, UnsafeMutablePointer<Float>, Int,
                                         Int, Int, Int, Bool) -> Void

    /// The set every op uses.
    public static let active: KernelSet = {
        let supported = supportedByThisCPU
        if let forced = ProcessInfo.processInfo.environment["CUSTOMNET_KERNELS"],
           let choice = supported.first(where: { $0.name == forced }) {
            return choice
        }
        return supported.last!
    }()

    /// The sets this CPU can run, from the most portable to the fastest.
    public static let supportedByThisCPU: [KernelSet] = {
        var sets = [baseline]
        #if arch(x86_64)
        let flags = CPUFeatures.flags
        if ["avx2", "fma", "bmi1", "bmi2", "f16c", "movbe"].allSatisfy(flags.contains) { sets.append(x86V3) }
        if sets.count == 2 && ["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { sets.append(x86V4) }
        #endif
        return sets
    }()

    static let baseline = KernelSet(
        name: "baseline",
        softmax: { TensorKernels.Kernels.softmax($0, $1, count: $2, scale: $3) },
        silu: { TensorKernels.Kernels.silu($0, $1, count: $2) },
        quickGELU: { TensorKernels.Kernels.quickGELU($0, $1, count: $2) },
        gelu: { TensorKernels.Kernels.gelu($0, $1, count: $2) },
        geglu: { TensorKernels.Kernels.geglu($0, $1, $2, count: $3) },
        affine: { TensorKernels.Kernels.affine($0, $1, count: $2, scale: $3, shift: $4) },
        add: { TensorKernels.Kernels.add($0, $1, $2, count: $3) },
        multiply: { TensorKernels.Kernels.multiply($0, $1, $2, count: $3) },
        meanAndInverseDeviation: { TensorKernels.Kernels.meanAndInverseDeviation($0, count: $1, epsilon: $2) },
        winogradFilters: { TensorKernels.Kernels.winogradFilters($0, $1, count: $2, componentStride: $3) },
        winogradInput: { TensorKernels.Kernels.winogradInput($0, rowStride: $1, tiles: $2, $3, componentStride: $4) },
        winogradOutput: { TensorKernels.Kernels.winogradOutput($0, componentStride: $1, tiles: $2, bias: $3, $4, rowStride: $5) },
        attentionBlock: nil,
        narrowProduct: nil)

    #if arch(x86_64)
    static let x86V3 = KernelSet(
        name: "x86-64-v3",
        softmax: { TensorKernelsX86V3.Kernels.softmax($0, $1, count: $2, scale: $3) },
        silu: { TensorKernelsX86V3.Kernels.silu($0, $1, count: $2) },
        quickGELU: { TensorKernelsX86V3.Kernels.quickGELU($0, $1, count: $2) },
        gelu: { TensorKernelsX86V3.Kernels.gelu($0, $1, count: $2) },
        geglu: { TensorKernelsX86V3.Kernels.geglu($0, $1, $2, count: $3) },
        affine: { TensorKernelsX86V3.Kernels.affine($0, $1, count: $2, scale: $3, shift: $4) },
        add: { TensorKernelsX86V3.Kernels.add($0, $1, $2, count: $3) },
        multiply: { TensorKernelsX86V3.Kernels.multiply($0, $1, $2, count: $3) },
        meanAndInverseDeviation: { TensorKernelsX86V3.Kernels.meanAndInverseDeviation($0, count: $1, epsilon: $2) },
        winogradFilters: { TensorKernelsX86V3.Kernels.winogradFilters($0, $1, count: $2, componentStride: $3) },
        winogradInput: { TensorKernelsX86V3.Kernels.winogradInput($0, rowStride: $1, tiles: $2, $3, componentStride: $4) },
        winogradOutput: { TensorKernelsX86V3.Kernels.winogradOutput($0, componentStride: $1, tiles: $2, bias: $3, $4, rowStride: $5) },
        attentionBlock: nil,
        narrowProduct: nil)

    static let x86V4 = KernelSet(
        name: "x86-64-v4",
        softmax: { TensorKernelsX86V4.Kernels.softmax($0, $1, count: $2, scale: $3) },
        silu: { TensorKernelsX86V4.Kernels.silu($0, $1, count: $2) },
        quickGELU: { TensorKernelsX86V4.Kernels.quickGELU($0, $1, count: $2) },
        gelu: { TensorKernelsX86V4.Kernels.gelu($0, $1, count: $2) },
        geglu: { TensorKernelsX86V4.Kernels.geglu($0, $1, $2, count: $3) },
        affine: { TensorKernelsX86V4.Kernels.affine($0, $1, count: $2, scale: $3, shift: $4) },
        add: { TensorKernelsX86V4.Kernels.add($0, $1, $2, count: $3) },
        multiply: { TensorKernelsX86V4.Kernels.multiply($0, $1, $2, count: $3) },
        meanAndInverseDeviation: { TensorKernelsX86V4.Kernels.meanAndInverseDeviation($0, count: $1, epsilon: $2) },
        winogradFilters: { TensorKernelsX86V4.Kernels.winogradFilters($0, $1, count: $2, componentStride: $3) },
        winogradInput: { TensorKernelsX86V4.Kernels.winogradInput($0, rowStride: $1, tiles: $2, $3, componentStride: $4) },
        winogradOutput: { TensorKernelsX86V4.Kernels.winogradOutput($0, componentStride: $1, tiles: $2, bias: $3, $4, rowStride: $5) },
        attentionBlock: { b in
            TensorKernelsX86V4.Kernels.attentionBlock(queries: b.queries, queryCount: b.queryCount, queryStride: b.stride,
                                                      keys: b.keys, values: b.values, keyCount: b.keyCount, keyStride: b.stride,
                                                      headSize: b.headSize, scale: b.scale, causalFirstQuery: b.causalFirstQuery,
                                                      output: b.output, outputStride: b.stride, scratch: b.scratch)
        },
        narrowProduct: {
            TensorKernelsX86V4.Kernels.narrowProduct($0, lda: $1, $2, ldb: $3, $4, ldc: $5, m: $6, n: $7, k: $8, accumulate: $9)
        })
    #endif
}

/// The instruction-set features the kernel (/proc/cpuinfo) lists for this CPU, such as `avx2` or
/// `avx512f`; empty where that file is absent.
public enum CPUFeatures {
    public static let flags: Set<String> = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: " ").map(String.init))
    }()
}
