import ArgumentParser
import DiffusionCore
import Foundation
import Tensor

/// `customnet bench …`: speed measurements that print ratios against references run on the same machine.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (run through ops/bench/, which also times PyTorch on the same machine).",
        subcommands: [BenchOps.self, BenchGenerator.self])
}

/// Times the tensor ops at the UNet's and VAE's real shapes, after checking them against naive loops.
struct BenchOps: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "Time tensor ops at UNet/VAE shapes; compare with a plain sgemm of the same GEMM and, if given, PyTorch.")

    @Flag(help: "Print one JSON object as the last line.")
    var json = false

    @Option(help: "Timed repetitions per op (the best is reported).")
    var repeats = 5

    @Option(help: "Threads for the tensor ops.")
    var threads = 2

    @Option(help: "JSON written by ops/bench/ops_torch.py, to print PyTorch/Swift time ratios.")
    var torch: String?

    func run() throws {
        Compute.threadCount = threads
        try checkAgainstNaiveLoops()
        let torchSeconds = try torch.map(loadTorchSeconds) ?? [:]
        var rows: [[String: Any]] = []
        print("OpenBLAS kernel \(BLAS.coreName), \(threads) threads; best of \(repeats)")
        print("op".padding(toLength: 38, withPad: " ", startingAt: 0) + "     ms  GFLOP/s  sgemm GFLOP/s  of sgemm   torch ms  torch/swift")
        for benchmark in benchmarks() {
            let seconds = bestTime(repeats: repeats, benchmark.run)
            var row: [String: Any] = ["op": benchmark.name, "seconds": seconds]
            var line = benchmark.name.padding(toLength: 38, withPad: " ", startingAt: 0) + String(format: "%7.2f", seconds * 1000)
            if let gemm = benchmark.gemm {
                let flops = 2 * Double(gemm.m) * Double(gemm.n) * Double(gemm.k) * Double(gemm.count)
                let gemmSeconds = timeGEMM(gemm, repeats: repeats, threads: threads)
                row["gflops"] = flops / seconds / 1e9
                row["sgemm_gflops"] = flops / gemmSeconds / 1e9
                row["fraction_of_sgemm"] = gemmSeconds / seconds
                line += String(format: "  %7.0f  %13.0f  %7.0f%%", flops / seconds / 1e9, flops / gemmSeconds / 1e9, 100 * gemmSeconds / seconds)
            } else {
                line += String(repeating: " ", count: 34)
            }
            if let reference = torchSeconds[benchmark.name] {
                row["torch_seconds"] = reference
                row["torch_over_swift"] = reference / seconds
                line += String(format: "  %9.2f  %11.2f", reference * 1000, reference / seconds)
            }
            print(line)
            rows.append(row)
        }
        if json {
            let object: [String: Any] = ["kernel": BLAS.coreName, "threads": threads, "ops": rows]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// One timed op, and the GEMM(s) it amounts to (for the sgemm comparison).
private struct Benchmark {
    struct GEMM { let m, n, k: Int; var count = 1 }
    let name: String
    let gemm: GEMM?
    let run: () -> Void
}

private func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var state = seed
    let values = (0..<shape.reduce(1, *)).map { _ -> Float in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int32(truncatingIfNeeded: state >> 33)) / Float(Int32.max)
    }
    return Tensor(shape: shape, scalars: values)
}

private func benchmarks() -> [Benchmark] {
    var list: [Benchmark] = []
    for (name, batch, channels, size) in [("conv3x3 32x32x320", 2, 320, 32), ("conv3x3 16x16x640", 2, 640, 16),
                                          ("conv3x3 8x8x1280", 2, 1280, 8), ("conv3x3 VAE 256x256x128", 1, 128, 256)] {
        let x = randomTensor([batch, channels, size, size], seed: 1), w = randomTensor([channels, channels, 3, 3], seed: 2)
        let b = randomTensor([channels], seed: 3)
        list.append(Benchmark(name: name, gemm: .init(m: channels, n: size * size, k: channels * 9, count: batch)) {
            _ = Ops.conv2d(x, weight: w, bias: b, padding: .all(1))
        })
    }
    let tokens = randomTensor([2, 1024, 320], seed: 4)
    for out in [320, 2560] {
        let w = randomTensor([out, 320], seed: 5), b = randomTensor([out], seed: 6)
        list.append(Benchmark(name: "linear 2x1024x320->\(out)", gemm: .init(m: 2048, n: out, k: 320)) {
            _ = Ops.linear(tokens, weight: w, bias: b)
        })
    }
    let context = randomTensor([2, 78, 320], seed: 7)
    // Per head: scores (1024 × keys × 40) and output (1024 × 40 × keys); 2 images × 8 heads.
    list.append(Benchmark(name: "attention self 2x1024x320 h8", gemm: .init(m: 1024, n: 1024, k: 40, count: 32)) {
        _ = Ops.attention(query: tokens, key: tokens, value: tokens, heads: 8)
    })
    list.append(Benchmark(name: "attention cross 2x1024x320 ctx78 h8", gemm: .init(m: 1024, n: 78, k: 40, count: 32)) {
        _ = Ops.attention(query: tokens, key: context, value: context, heads: 8)
    })
    let image = randomTensor([2, 320, 32, 32], seed: 8), gamma = randomTensor([320], seed: 9)
    list.append(Benchmark(name: "group norm 2x320x32x32", gemm: nil) { _ = Ops.groupNorm(image, groups: 32, weight: gamma, bias: gamma) })
    list.append(Benchmark(name: "silu 2x320x32x32", gemm: nil) { _ = Ops.silu(image) })
    return list
}

private func bestTime(repeats: Int, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<max(repeats, 1) {
        let start = ContinuousClock.now
        body()
        best = min(best, (ContinuousClock.now - start) / .seconds(1))
    }
    return best
}

/// The same GEMM(s) as one plain OpenBLAS sgemm call each, on contiguous operands, with OpenBLAS's own
/// threading on all threads (the ops keep OpenBLAS on one thread and tile instead, see `Compute`).
private func timeGEMM(_ gemm: Benchmark.GEMM, repeats: Int, threads: Int) -> Double {
    let opsThreads = BLAS.threadCount
    BLAS.threadCount = threads
    defer { BLAS.threadCount = opsThreads }
    let a = randomTensor([gemm.m, gemm.k], seed: 10), b = randomTensor([gemm.k, gemm.n], seed: 11)
    var c = Tensor(zeros: [gemm.m, gemm.n])
    return c.withUnsafeMutableBufferPointer { out in
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                bestTime(repeats: repeats) {
                    for _ in 0..<gemm.count {
                        BLAS.sgemm(.none, .none, m: gemm.m, n: gemm.n, k: gemm.k, a: pa.baseAddress!, lda: gemm.k,
                                   b: pb.baseAddress!, ldb: gemm.n, c: out.baseAddress!, ldc: gemm.n)
                    }
                }
            }
        }
    }
}

private func loadTorchSeconds(path: String) throws -> [String: Double] {
    guard let data = FileManager.default.contents(atPath: path),
          let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
          let seconds = object["seconds"] as? [String: Double] else {
        throw ValidationError("\(path): not the JSON of ops/bench/ops_torch.py")
    }
    return seconds
}

private struct BenchCheckFailure: Error, CustomStringConvertible {
    let description: String
}

/// Before timing anything: conv, linear and attention against plain loops on small shapes, in this
/// process, so a kernel chosen by the environment (OPENBLAS_CORETYPE) is known to give right answers.
private func checkAgainstNaiveLoops() throws {
    func expectClose(_ name: String, _ actual: Tensor, _ expected: [Double]) throws {
        let worst = zip(actual.scalars, expected).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
        guard worst < 1e-4 else { throw BenchCheckFailure(description: "\(name) differs from the naive loop by \(worst); not timing a wrong kernel") }
    }
    let x = randomTensor([2, 8, 9, 7], seed: 20), w = randomTensor([5, 8, 3, 3], seed: 21), b = randomTensor([5], seed: 22)
    for (stride, padding) in [(1, Padding.all(1)), (2, Padding.bottomRight)] {
        let y = Ops.conv2d(x, weight: w, bias: b, stride: stride, padding: padding)
        var expected: [Double] = []
        let (oh, ow) = (y.shape[2], y.shape[3])
        for n in 0..<2 { for co in 0..<5 { for oy in 0..<oh { for ox in 0..<ow {
            var sum = Double(b[co])
            for ci in 0..<8 { for ky in 0..<3 { for kx in 0..<3 {
                let iy = oy * stride + ky - padding.top, ix = ox * stride + kx - padding.left
                if iy >= 0 && iy < 9 && ix >= 0 && ix < 7 { sum += Double(x[n, ci, iy, ix]) * Double(w[co, ci, ky, kx]) }
            } } }
            expected.append(sum)
        } } } }
        try expectClose("conv2d stride \(stride)", y, expected)
    }
    let t = randomTensor([2, 13, 16], seed: 23), lw = randomTensor([24, 16], seed: 24)
    var linearExpected: [Double] = []
    for row in 0..<26 { for o in 0..<24 {
        linearExpected.append((0..<16).reduce(0.0) { $0 + Double(t.scalars[row * 16 + $1]) * Double(lw[o, $1]) })
    } }
    try expectClose("linear", Ops.linear(t, weight: lw), linearExpected)
    let q = randomTensor([1, 300, 16], seed: 25), k = randomTensor([1, 11, 16], seed: 26)
    var attentionExpected = [Double](repeating: 0, count: 300 * 16)
    for head in 0..<2 { for i in 0..<300 {
        let scores = (0..<11).map { j in (0..<8).reduce(0.0) { $0 + Double(q[0, i, head * 8 + $1]) * Double(k[0, j, head * 8 + $1]) } / 8.0.squareRoot() }
        let peak = scores.max()!, weights = scores.map { Foundation.exp($0 - peak) }, total = weights.reduce(0, +)
        for d in 0..<8 { attentionExpected[i * 16 + head * 8 + d] = (0..<11).reduce(0.0) { $0 + weights[$1] / total * Double(k[0, $1, head * 8 + d]) } }
    } }
    try expectClose("attention", Ops.attention(query: q, key: k, value: k, heads: 2, queryChunk: 128), attentionExpected)
}

/// Times the generator's parts at full size with random weights: one UNet step (batch 2, 32×32
/// latent, 78-token context), and reports where the time goes per op family.
struct BenchGenerator: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generator",
        abstract: "Time the full-size CustomNet generator (random weights): UNet step at batch 2, per op family.")

    @Flag(help: "Print one JSON object with the figures in seconds as the last line.")
    var json = false

    @Option(help: "Timed repetitions (the best is reported).")
    var repeats = 3

    @Option(help: "Threads for the tensor ops.")
    var threads = 2

    func run() throws {
        Compute.threadCount = threads
        let buildStart = ContinuousClock.now
        let unet = UNet(ParameterSource(randomSeed: 1).scoped("model").scoped("diffusion_model"), config: .customNetV1)
        print(String(format: "built the full-size UNet with random weights in %.1f s; kernels %@, OpenBLAS %@, %d threads",
                     (ContinuousClock.now - buildStart) / .seconds(1), KernelSet.active.name, BLAS.coreName, threads))
        let x = randomTensor([2, 8, 32, 32], seed: 2), context = randomTensor([2, 78, 768], seed: 3)
        _ = unet(x, timestep: 481, context: context)
        var best = Double.infinity
        var profile: [(family: String, seconds: Double, calls: Int)] = []
        for _ in 0..<max(repeats, 1) {
            Profiler.start()
            let start = ContinuousClock.now
            _ = unet(x, timestep: 481, context: context)
            let seconds = (ContinuousClock.now - start) / .seconds(1)
            let families = Profiler.stop()
            if seconds < best { best = seconds; profile = families }
        }
        print(String(format: "UNet step, batch 2: %.3f s  (%.0f s per image at 49 steps × 2 passes of batch 1 ≈ 49 × this)", best, best * 49))
        for entry in profile {
            print(String(format: "  %-20@ %7.3f s  %5.1f%%  %4d calls", entry.family, entry.seconds, 100 * entry.seconds / best, entry.calls))
        }
        if json {
            let object: [String: Any] = ["unet_step_batch2": best, "per_image_unet": best * 49,
                                         "families": Dictionary(uniqueKeysWithValues: profile.map { ($0.family, $0.seconds) })]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
