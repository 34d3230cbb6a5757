import ArgumentParser
import DiffusionCore
import Farm
import Foundation
import ImageIO
import Tensor

/// `customnet doctor`: checks, for real, that this node can do a worker's job — BLAS gives right
/// answers at a sane speed, PNG and JPEG round-trip through files, ZeroMQ talks over TCP loopback with
/// CURVE available, and the CLIP vocabulary is in place.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that this machine has everything a worker needs, and exercise each library once.")

    @Option(help: "Folder for the files the checks write (a test pattern as PNG and JPEG).")
    var out = "out/doctor"

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let checks: [(String, () throws -> Outcome)] = [
            ("OpenBLAS sgemm", checkBLAS),
            ("PNG (libpng)", { try checkPNG(folder: out) }),
            ("JPEG (TurboJPEG)", { try checkJPEG(folder: out) }),
            ("ZeroMQ", checkZeroMQ),
            ("CLIP vocabulary", { Outcome(try ClipVocabularyFile.locate()) }),
        ]
        var failures = 0
        for (name, check) in checks {
            do {
                let outcome = try check()
                let label = name.padding(toLength: 18, withPad: " ", startingAt: 0)
                print("ok    \(label) \(outcome.detail)")
                if let advice = outcome.advice { print("WARN  \(label) \(advice)") }
            } catch {
                failures += 1
                print("FAIL  \(name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(error)")
            }
        }
        if failures > 0 {
            print("\(failures) of \(checks.count) checks failed")
            throw ExitCode.failure
        }
        print("all \(checks.count) checks passed; files written to \(out)/")
    }
}

/// What a passing check found, and advice when it works but not as well as it should.
private struct Outcome {
    let detail: String
    var advice: String? = nil

    init(_ detail: String, advice: String? = nil) {
        self.detail = detail
        self.advice = advice
    }
}

private struct CheckFailure: Error, CustomStringConvertible {
    let description: String
}

private func checkBLAS() throws -> Outcome {
    let size = 512
    var generator = SystemRandomNumberGenerator()
    let a = (0..<size * size).map { _ in Float.random(in: -1...1, using: &generator) }
    let b = (0..<size * size).map { _ in Float.random(in: -1...1, using: &generator) }
    var c = [Float](repeating: 0, count: size * size)
    let multiply = {
        BLAS.sgemm(.none, .none, m: size, n: size, k: size, a: a, lda: size, b: b, ldb: size, c: &c, ldc: size)
    }
    multiply()
    for (row, column) in [(0, 0), (17, 300), (511, 511), (256, 3)] {
        var expected: Double = 0
        for i in 0..<size { expected += Double(a[row * size + i]) * Double(b[i * size + column]) }
        guard abs(Double(c[row * size + column]) - expected) < 1e-3 else {
            throw CheckFailure(description: "C[\(row),\(column)] = \(c[row * size + column]), expected \(expected)")
        }
    }
    let repeats = 20
    let start = ContinuousClock.now
    for _ in 0..<repeats { multiply() }
    let seconds = (ContinuousClock.now - start) / .seconds(1)
    let gflops = 2 * Double(size * size * size) * Double(repeats) / seconds / 1e9
    let detail = String(format: "correct; %.0f GFLOP/s at 512³ with %d threads, kernel %@", gflops, BLAS.threadCount, BLAS.coreName)
    return Outcome(detail, advice: kernelAdvice(coreName: BLAS.coreName))
}

/// Says so when OpenBLAS still runs its generic kernel although the CPU has a better one (start-up
/// re-executes with the right kernel unless told not to: see `BLASKernelChoice`).
private func kernelAdvice(coreName: String) -> String? {
    guard let better = BLASKernelChoice.better(than: coreName) else { return nil }
    return "OpenBLAS runs its generic Prescott kernel; OPENBLAS_CORETYPE=\(better) would be several times faster on this CPU"
}

private func testPattern() -> RasterImage {
    var image = RasterImage(width: 96, height: 64, layout: .rgb, filledWith: 0)
    for y in 0..<64 {
        for x in 0..<96 {
            image[x, y, 0] = UInt8(x * 255 / 95)
            image[x, y, 1] = UInt8(y * 255 / 63)
            image[x, y, 2] = UInt8((x + y) * 255 / 158)
        }
    }
    return image
}

private func checkPNG(folder: String) throws -> Outcome {
    let path = folder + "/pattern.png"
    let image = testPattern()
    try PNG.write(image, to: path)
    guard try ImageFile.read(path: path) == image else { throw CheckFailure(description: "\(path) read back different pixels") }
    return Outcome("wrote and re-read \(path) (\(image.width)×\(image.height) RGB), identical")
}

private func checkJPEG(folder: String) throws -> Outcome {
    let path = folder + "/pattern.jpg"
    let image = testPattern()
    try Data(JPEG.encode(image, quality: 95)).write(to: URL(fileURLWithPath: path))
    let decoded = try ImageFile.read(path: path)
    guard decoded.width == image.width, decoded.height == image.height else {
        throw CheckFailure(description: "\(path) decoded as \(decoded.width)×\(decoded.height), expected \(image.width)×\(image.height)")
    }
    let errors = zip(image.pixels, decoded.pixels).map { abs(Int($0) - Int($1)) }
    let mean = Double(errors.reduce(0, +)) / Double(errors.count)
    guard mean < 2 else { throw CheckFailure(description: "\(path) decoded with mean pixel error \(mean)") }
    return Outcome(String(format: "wrote and re-read %@, mean pixel error %.2f at quality 95", path, mean))
}

private func checkZeroMQ() throws -> Outcome {
    let context = try ZMQContext()
    let router = try ZMQSocket(.router, context: context)
    let endpoint = try router.bind("tcp://127.0.0.1:*")
    let dealer = try ZMQSocket(.dealer, context: context)
    try dealer.connect(endpoint)
    let payload: [[UInt8]] = [Array("doctor".utf8), [0, 1, 2, 255]]
    try dealer.send(payload)
    guard let request = try router.receive(timeoutMilliseconds: 5000), request.count == 3, Array(request[1...]) == payload else {
        throw CheckFailure(description: "ROUTER did not receive the DEALER's message on \(endpoint)")
    }
    try router.send(request)
    guard try dealer.receive(timeoutMilliseconds: 5000) == payload else {
        throw CheckFailure(description: "DEALER did not receive the echo on \(endpoint)")
    }
    let curve = ZeroMQ.has("curve")
    guard curve else { throw CheckFailure(description: "libzmq \(ZeroMQ.version) lacks CURVE security") }
    return Outcome("libzmq \(ZeroMQ.version), ROUTER/DEALER echo over \(endpoint), CURVE available")
}
