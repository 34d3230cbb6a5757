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
        let torchSeconds = try torch.map { try loadTorchSeconds(path: $0, writtenBy: "ops/bench/ops_torch.py") } ?? [:]
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
            if let reference = torchSeconds[benchmark.torchName ?? benchmark.name] {
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
    /// The PyTorch op this one is compared with, when not the one of the same name.
    var torchName: String? = nil
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
                                          ("conv3x3 8x8x1280", 2, 1280, 8), ("conv3x3 4x4x1280", 2, 1280, 4),
                                          ("conv3x3 VAE 256x256x128", 1, 128, 256)] {
        let x = randomTensor([batch, channels, size, size], seed: 1), w = randomTensor([channels, channels, 3, 3], seed: 2)
        let b = randomTensor([channels], seed: 3)
        let gemm = Benchmark.GEMM(m: channels, n: size * size, k: channels * 9, count: batch)
        list.append(Benchmark(name: name, gemm: gemm) { _ = Ops.conv2d(x, weight: w, bias: b, padding: .all(1)) })
        // What `--keep-winograd-filters` gives the UNet's 16² and 8² levels (the untimed first run fills the cache).
        if size == 16 || size == 8 {
            let cache = WinogradFilterCache()
            list.append(Benchmark(name: name + " kept filters", gemm: gemm, torchName: name) {
                _ = Ops.conv2d(x, weight: w, bias: b, padding: .all(1), filterCache: cache)
            })
        }
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

/// The `seconds` object of the JSON a PyTorch timing script (`script`, for the error message) printed.
private func loadTorchSeconds(path: String, writtenBy script: String) throws -> [String: Double] {
    guard let data = FileManager.default.contents(atPath: path),
          let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
          let seconds = object["seconds"] as? [String: Double] else {
        throw ValidationError("\(path): not the JSON of \(script)")
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
    // im2col at stride 2 and on a small plane; Winograd F(2×2, 3×3) at 32 channels × 1150 output pixels,
    // and with kept filters on 128 output pixels (as `--keep-winograd-filters` runs the UNet's 8² level);
    // the narrow product (AVX-512) in the 8² case's 32-tile GEMMs and in im2col on 4² planes (32
    // columns over the batch; 21 output channels and 1,152 reduction rows reach its 8-row blocks, its
    // row tail and two slices of B).
    let convolutions: [(channels: Int, outChannels: Int, height: Int, width: Int, stride: Int, padding: Padding, keptFilters: Bool)] = [
        (8, 5, 9, 7, 1, .all(1), false), (8, 5, 9, 7, 2, .bottomRight, false), (32, 5, 23, 25, 1, .all(1), false),
        (32, 21, 8, 8, 1, .all(1), true), (128, 21, 4, 4, 1, .all(1), false),
    ]
    for (index, c) in convolutions.enumerated() {
        let seed = UInt64(20 + 3 * index)
        let x = randomTensor([2, c.channels, c.height, c.width], seed: seed)
        let w = randomTensor([c.outChannels, c.channels, 3, 3], seed: seed + 1), b = randomTensor([c.outChannels], seed: seed + 2)
        let y = Ops.conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding,
                           filterCache: c.keptFilters ? WinogradFilterCache() : nil)
        var expected: [Double] = []
        let (oh, ow) = (y.shape[2], y.shape[3])
        for n in 0..<2 { for co in 0..<c.outChannels { for oy in 0..<oh { for ox in 0..<ow {
            var sum = Double(b[co])
            for ci in 0..<c.channels { for ky in 0..<3 { for kx in 0..<3 {
                let iy = oy * c.stride + ky - c.padding.top, ix = ox * c.stride + kx - c.padding.left
                if iy >= 0 && iy < c.height && ix >= 0 && ix < c.width { sum += Double(x[n, ci, iy, ix]) * Double(w[co, ci, ky, kx]) }
            } } }
            expected.append(sum)
        } } } }
        try expectClose("conv2d \(c.channels) channels \(c.height)×\(c.width) stride \(c.stride)\(c.keptFilters ? " kept filters" : "")", y, expected)
    }
    let t = randomTensor([2, 13, 16], seed: 30), lw = randomTensor([24, 16], seed: 31)
    var linearExpected: [Double] = []
    for row in 0..<26 { for o in 0..<24 {
        linearExpected.append((0..<16).reduce(0.0) { $0 + Double(t.scalars[row * 16 + $1]) * Double(lw[o, $1]) })
    } }
    try expectClose("linear", Ops.linear(t, weight: lw), linearExpected)
    let q = randomTensor([1, 300, 16], seed: 32), k = randomTensor([1, 11, 16], seed: 33)
    var attentionExpected = [Double](repeating: 0, count: 300 * 16)
    for head in 0..<2 { for i in 0..<300 {
        let scores = (0..<11).map { j in (0..<8).reduce(0.0) { $0 + Double(q[0, i, head * 8 + $1]) * Double(k[0, j, head * 8 + $1]) } / 8.0.squareRoot() }
        let peak = scores.max()!, weights = scores.map { Foundation.exp($0 - peak) }, total = weights.reduce(0, +)
        for d in 0..<8 { attentionExpected[i * 16 + head * 8 + d] = (0..<11).reduce(0.0) { $0 + weights[$1] / total * Double(k[0, $1, head * 8 + d]) } }
    } }
    try expectClose("attention", Ops.attention(query: q, key: k, value: k, heads: 2), attentionExpected)
}

/// Times the parts of one full-size render (`CustomNetPreset.customNetV1`) and adds them up to seconds
/// per image; says where the time goes per op family and how much memory the process needed at peak.
struct BenchGenerator: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generator",
        abstract: "Time the full-size CustomNet generator (random or mapped weights): UNet step, VAE, CLIP towers, seconds per image.",
        discussion: """
            Seconds per image = 49 × UNet step at batch 2 (both guidance branches in one pass; DDIM runs 49 of \
            its 50 steps, customnet-spec §1.10) + VAE encode + CLIP image embed + 2 × CLIP text encode (prompt \
            and "") + VAE decode. Run through ops/bench/generator, which times the diffusers/transformers \
            equivalents on the same machine first.
            """)

    @Flag(help: "Print one JSON object with every figure (seconds; memory in bytes) as the last line.")
    var json = false

    @Option(help: "Timed repetitions per part (the best is reported).")
    var repeats = 3

    @Option(help: "Threads for the tensor ops.")
    var threads = 2

    @Option(help: "JSON written by ops/bench/generator_torch.py, to print PyTorch seconds and PyTorch/Swift ratios.")
    var torch: String?

    @OptionGroup var winogradFilters: WinogradFilterOption

    @Option(help: "A customnet-v1 checkpoint in the official layout to map instead of random weights (for instance from `customnet model init-random --preset customnet-v1`).")
    var model: String?

    func run() throws {
        Compute.threadCount = threads
        winogradFilters.apply()
        let torchSeconds = try torch.map { try loadTorchSeconds(path: $0, writtenBy: "ops/bench/generator_torch.py") } ?? [:]
        let preset = CustomNetPreset.customNetV1
        let buildStart = ContinuousClock.now
        let models = try GeneratorModels(preset: preset, checkpoint: model)
        print(String(format: "%@ with %@: %@ parameters (%.2f GB as fp32) ready in %.1f s; kernels %@, OpenBLAS %@, %d threads; best of %d",
                     preset.name, model.map { "weights mapped from \($0)" } ?? "random weights", models.parameterCount.formatted(),
                     Double(models.parameterCount * 4) / 1e9, (ContinuousClock.now - buildStart) / .seconds(1),
                     KernelSet.active.name, BLAS.coreName, threads, repeats))

        var seconds: [String: Double] = [:]
        var families: [String: [String: Double]] = [:]
        var perImageFamilies: [String: Double] = [:]
        let parts = models.parts(preset: preset)
        print("part".padding(toLength: 46, withPad: " ", startingAt: 0) + " swift s   torch s  torch/swift")
        for part in parts {
            let timing = bestProfiledTime(repeats: repeats, part.run)
            seconds[part.key] = timing.seconds
            families[part.key] = Dictionary(uniqueKeysWithValues: timing.families.map { ($0.family, $0.seconds) })
            for entry in timing.families { perImageFamilies[entry.family, default: 0] += part.runsPerImage * entry.seconds }
            print(comparisonLine(part.label, swift: timing.seconds, torch: torchSeconds[part.key]))
        }
        let perImage = parts.reduce(0) { $0 + $1.runsPerImage * seconds[$1.key]! }
        seconds[GeneratorPart.perImageKey] = perImage
        families[GeneratorPart.perImageKey] = perImageFamilies
        print(comparisonLine("seconds per image (49 UNet steps + the rest)", swift: perImage, torch: torchSeconds[GeneratorPart.perImageKey]))
        printFamilyTable(parts: parts, families: families, seconds: seconds)

        let peakBytes = peakResidentBytes()
        print(String(format: "peak resident memory: %.2f GB (ru_maxrss); the weights are %.2f GB as fp32, %@",
                     Double(peakBytes) / 1e9, Double(models.parameterCount * 4) / 1e9,
                     model == nil ? "random, in anonymous memory"
                         : "mapped (fp32 tensors are views of the file, so pages never read are not resident)"))
        if json {
            var object: [String: Any] = ["preset": preset.name, "weights": model ?? "random", "kernels": KernelSet.active.name,
                                         "openblas": BLAS.coreName, "threads": threads, "repeats": repeats, "seconds": seconds,
                                         "families": families, "peak_resident_bytes": peakBytes, "weight_bytes": models.parameterCount * 4]
            if !torchSeconds.isEmpty {
                object["torch_seconds"] = torchSeconds
                object["torch_over_swift"] = Dictionary(uniqueKeysWithValues: seconds.compactMap { key, value in
                    torchSeconds[key].map { (key, $0 / value) }
                })
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }

    /// `label`, Swift's seconds and, when PyTorch timed the same part, its seconds and PyTorch/Swift.
    private func comparisonLine(_ label: String, swift: Double, torch: Double?) -> String {
        var line = label.padding(toLength: 46, withPad: " ", startingAt: 0) + String(format: "%8.3f", swift)
        if let torch { line += String(format: "  %8.3f  %11.2f", torch, torch / swift) }
        return line
    }

    /// Seconds per op family (rows, slowest per image first) in each part and per image (columns), with
    /// each cell's share of the column's wall time (`seconds`); what the shares leave is glue between ops.
    private func printFamilyTable(parts: [GeneratorPart], families: [String: [String: Double]], seconds: [String: Double]) {
        let columns = parts.map { ($0.key, $0.shortLabel) } + [(GeneratorPart.perImageKey, "per image")]
        let perImage = families[GeneratorPart.perImageKey] ?? [:]
        print("where the time goes, per op family (seconds and share of the part's time):")
        let cellWidth = 16
        func rightAligned(_ text: String) -> String { String(repeating: " ", count: max(cellWidth - text.count, 0)) + text }
        print("  family".padding(toLength: 20, withPad: " ", startingAt: 0) + columns.map { rightAligned($0.1) }.joined())
        for family in perImage.keys.sorted(by: { perImage[$0]! > perImage[$1]! }) {
            let cells = columns.map { key, _ in
                families[key]?[family].map {
                    rightAligned(String(format: "%.3f %5.1f%%", $0, 100 * $0 / seconds[key]!))
                } ?? rightAligned("")
            }
            var line = "  " + family.padding(toLength: 18, withPad: " ", startingAt: 0) + cells.joined()
            while line.hasSuffix(" ") { line.removeLast() }
            print(line)
        }
    }
}

/// One timed part of a render: the key it has in both JSON objects, how it is labelled, how many times
/// one image needs it, and the call.
private struct GeneratorPart {
    /// The key of the sum over the parts, weighted by `runsPerImage`.
    static let perImageKey = "per_image"
    let key: String
    let label: String
    let shortLabel: String
    let runsPerImage: Double
    let run: () -> Void
}

/// The models of one full-size render except `cc_projection` (negligible), built from one parameter
/// source in the official checkpoint layout, as `CustomNetGenerator` loads them.
private struct GeneratorModels {
    let unet: UNet
    let vaeEncoder: VAEEncoder
    let vaeDecoder: VAEDecoder
    let vision: CLIPVisionTower
    let text: CLIPTextTower
    /// Parameters of all the models together.
    let parameterCount: Int

    /// Random weights (seed 1, the values `customnet model init-random --seed 1` writes), or the tensors
    /// of `checkpoint`, which must hold every key the models read under their prefixes.
    init(preset: CustomNetPreset, checkpoint: String?) throws {
        let source = try checkpoint.map { ParameterSource(store: try WeightStore(path: $0)) } ?? ParameterSource(randomSeed: 1)
        let prefixes = (unet: "model.diffusion_model", autoencoder: "first_stage_model",
                        vision: "cond_stage_model.model.visual", text: "text_encoder.transformer.text_model")
        func scoped(_ prefix: String) -> ParameterSource {
            prefix.split(separator: ".").reduce(source) { $0.scoped(String($1)) }
        }
        unet = UNet(scoped(prefixes.unet), config: preset.unet)
        vaeEncoder = VAEEncoder(scoped(prefixes.autoencoder), config: preset.vae)
        vaeDecoder = VAEDecoder(scoped(prefixes.autoencoder), config: preset.vae)
        vision = CLIPVisionTower(scoped(prefixes.vision), config: preset.vision)
        text = CLIPTextTower(scoped(prefixes.text), config: preset.text)
        try source.checkComplete(ownedPrefixes: [prefixes.unet, prefixes.autoencoder, prefixes.vision, prefixes.text].map { $0 + "." },
                                 ignoredKeys: text.unreadKeys)
        parameterCount = source.requested.reduce(0) { $0 + $1.shape.reduce(1, *) }
    }

    /// The timed parts, on random inputs of the shapes a render gives them (keys as in generator_torch.py).
    func parts(preset: CustomNetPreset) -> [GeneratorPart] {
        let (latent, image) = (preset.latentSize, preset.imageSize)
        let noisyLatents = randomTensor([2, preset.unet.inputChannels, latent, latent], seed: 2)
        let context = randomTensor([2, 1 + preset.text.contextLength, preset.unet.contextDimension], seed: 3)
        let diffusionLatent = randomTensor([1, preset.vae.latentChannels, latent, latent], seed: 4)
        let signedImage = randomTensor([1, 3, image, image], seed: 5)
        // BOS, a 12-token prompt, EOS, then EOS padding: the tower's cost does not depend on the ids.
        let prompt: [Int32] = [49406] + (0..<12).map { Int32(320 + 17 * $0) }
        let tokens = [prompt + [Int32](repeating: 49407, count: preset.text.contextLength - prompt.count)]
        return [
            GeneratorPart(key: "unet_step_batch2", label: "UNet step, batch 2, \(latent)×\(latent) latent", shortLabel: "UNet step",
                          runsPerImage: 49) { _ = unet(noisyLatents, timestep: 481, context: context) },
            GeneratorPart(key: "vae_decode", label: "VAE decode, \(latent)² → \(image)²", shortLabel: "VAE decode",
                          runsPerImage: 1) { _ = vaeDecoder(diffusionLatent) },
            GeneratorPart(key: "vae_encode", label: "VAE encode, \(image)² → \(latent)²", shortLabel: "VAE encode",
                          runsPerImage: 1) { _ = vaeEncoder(signedImage) },
            GeneratorPart(key: "clip_image", label: "CLIP image embed, \(image)² in (with resize)", shortLabel: "CLIP image",
                          runsPerImage: 1) { _ = vision.embed(signedImage: signedImage) },
            GeneratorPart(key: "clip_text", label: "CLIP text encode, 1 prompt", shortLabel: "CLIP text",
                          runsPerImage: 2) { _ = text(tokens) },
        ]
    }
}

/// Runs `body` once to warm up, then `repeats` times with the op-family profiler on; returns the fastest
/// run's wall time and its per-family totals.
private func bestProfiledTime(repeats: Int, _ body: () -> Void) -> (seconds: Double, families: [(family: String, seconds: Double, calls: Int)]) {
    body()
    var best = (seconds: Double.infinity, families: [(family: String, seconds: Double, calls: Int)]())
    for _ in 0..<max(repeats, 1) {
        Profiler.start()
        let start = ContinuousClock.now
        body()
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        let families = Profiler.stop()
        if seconds < best.seconds { best = (seconds, families) }
    }
    return best
}

/// The process's peak resident set size in bytes (`getrusage`'s `ru_maxrss`, which Linux gives in KiB).
private func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return usage.ru_maxrss * 1024
}
