import Testing
@testable import Tensor

/// Results must not depend on the thread count: every op, run with 1 and with 2 threads, gives the
/// same bits. Shapes are big enough that both the Swift loops and OpenBLAS really split the work.
@Suite(.serialized)
struct DeterminismTests {
    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SplitMix64(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.nextFloat() * 2 })
    }

    static func workloads() -> [(String, () -> Tensor)] {
        let image = random([2, 64, 24, 24], seed: 1), tokens = random([2, 300, 64], seed: 2)
        let convWeight = random([96, 64, 3, 3], seed: 3), bias = random([96], seed: 4)
        let channels = random([64], seed: 5), linearWeight = random([160, 64], seed: 6)
        let context = random([2, 77, 64], seed: 7)
        return [
            ("conv3x3", { Ops.conv2d(image, weight: convWeight, bias: bias, padding: .all(1)) }),
            ("conv3x3 stride 2 VAE pad", { Ops.conv2d(image, weight: convWeight, stride: 2, padding: .bottomRight) }),
            ("linear", { Ops.linear(tokens, weight: linearWeight, bias: random([160], seed: 8)) }),
            ("group norm", { Ops.groupNorm(image, groups: 32, weight: channels, bias: channels) }),
            ("layer norm", { Ops.layerNorm(tokens, weight: channels, bias: channels) }),
            ("self attention", { Ops.attention(query: tokens, key: tokens, value: tokens, heads: 8) }),
            ("cross attention", { Ops.attention(query: tokens, key: context, value: context, heads: 4) }),
            ("silu", { Ops.silu(image) }),
            ("gelu", { Ops.gelu(image) }),
            ("softmax", { Ops.softmax(tokens) }),
            ("bicubic", { Ops.resizeBicubic(image, height: 37, width: 41) }),
        ]
    }

    @Test func everyOpGivesIdenticalBitsWithOneAndTwoThreads() {
        let before = Compute.threadCount
        defer { Compute.threadCount = before }
        for (name, workload) in Self.workloads() {
            Compute.threadCount = 1
            let single = workload().scalars.map(\.bitPattern)
            Compute.threadCount = 2
            let double = workload().scalars.map(\.bitPattern)
            let differing = zip(single, double).filter { $0 != $1 }.count
            #expect(differing == 0, "\(name): \(differing) of \(single.count) values differ between 1 and 2 threads")
        }
    }
}
