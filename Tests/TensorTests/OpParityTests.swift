import Foundation
import Testing
@testable import Tensor

/// Every op against PyTorch on the fixtures of `ops/reference/make_op_fixtures.py`.
/// An element passes when its absolute error is ≤ the case's absolute tolerance (1e-5) or its relative
/// error is ≤ the relative tolerance (1e-4).
struct OpParityTests {
    struct Case: Decodable, CustomTestStringConvertible, Sendable {
        struct Tolerance: Decodable, Sendable { let absolute: Double, relative: Double }
        struct Parameters: Decodable, Sendable {
            var stride: Int?, padding: [Int]?, groups: Int?, epsilon: Float?, heads: Int?, causal: Bool?
            var height: Int?, width: Int?, axis: Int?, start: Int?, end: Int?
        }
        let name: String, op: String
        let params: Parameters
        let files: [String: String]
        let tolerance: Tolerance
        var testDescription: String { name }
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/ops").standardized.path

    static let cases: [Case] = {
        struct Manifest: Decodable { let cases: [Case] }
        guard let data = FileManager.default.contents(atPath: fixtures + "/manifest.json"),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else { return [] }
        return manifest.cases
    }()

    @Test func manifestIsPresent() {
        #expect(Self.cases.count >= 33, "fixtures missing at \(Self.fixtures)")
    }

    @Test(arguments: cases)
    func matchesPyTorch(_ c: Case) throws {
        func load(_ key: String) throws -> Tensor { try NumPyFile.read(path: Self.fixtures + "/" + c.files[key]!) }
        let p = c.params
        let result: Tensor
        switch c.op {
        case "linear":
            result = Ops.linear(try load("x"), weight: try load("weight"), bias: c.files["bias"] == nil ? nil : try load("bias"))
        case "conv2d":
            let pad = p.padding!
            result = Ops.conv2d(try load("x"), weight: try load("weight"), bias: c.files["bias"] == nil ? nil : try load("bias"),
                                stride: p.stride!, padding: Padding(top: pad[0], left: pad[1], bottom: pad[2], right: pad[3]))
        case "group_norm":
            result = Ops.groupNorm(try load("x"), groups: p.groups!, weight: try load("weight"), bias: try load("bias"), epsilon: p.epsilon!)
        case "layer_norm":
            result = Ops.layerNorm(try load("x"), weight: try load("weight"), bias: try load("bias"), epsilon: p.epsilon!)
        case "softmax": result = Ops.softmax(try load("x"))
        case "attention":
            result = Ops.attention(query: try load("query"), key: try load("key"), value: try load("value"),
                                   heads: p.heads!, causal: p.causal!)
        case "gelu": result = Ops.gelu(try load("x"))
        case "quick_gelu": result = Ops.quickGELU(try load("x"))
        case "silu": result = Ops.silu(try load("x"))
        case "geglu": result = Ops.geglu(try load("x"))
        case "upsample_nearest2x": result = Ops.upsampleNearest2x(try load("x"))
        case "resize_bilinear": result = Ops.resizeBilinear(try load("x"), height: p.height!, width: p.width!)
        case "resize_bicubic": result = Ops.resizeBicubic(try load("x"), height: p.height!, width: p.width!)
        case "add": result = Ops.add(try load("a"), try load("b"))
        case "add_per_channel": result = Ops.addPerChannel(try load("x"), try load("values"))
        case "concatenate": result = Ops.concatenate([try load("a"), try load("b")], axis: p.axis!)
        case "transpose_last_two": result = Ops.transposeLastTwo(try load("x"))
        case "add_to_every_token": result = Ops.addToEveryToken(try load("x"), try load("row"))
        case "narrow": result = Ops.narrow(try load("x"), axis: p.axis!, range: p.start!..<p.end!)
        default:
            Issue.record("unknown op \(c.op) in the manifest")
            return
        }
        let expected = try load("expected")
        try #require(result.shape == expected.shape, "shape \(result.shape), expected \(expected.shape)")
        let report = compare(result, expected, tolerance: c.tolerance)
        #expect(report.failures == 0, "\(report.failures) of \(expected.count) elements off; max abs \(report.maxAbsolute), max rel \(report.maxRelative)")
    }

    func compare(_ actual: Tensor, _ expected: Tensor, tolerance: Case.Tolerance) -> (failures: Int, maxAbsolute: Double, maxRelative: Double) {
        var failures = 0
        var maxAbsolute = 0.0, maxRelative = 0.0
        for (a, e) in zip(actual.scalars, expected.scalars) {
            let absolute = abs(Double(a) - Double(e))
            let relative = absolute / max(abs(Double(e)), 1e-30)
            maxAbsolute = max(maxAbsolute, absolute)
            if absolute > tolerance.absolute {
                maxRelative = max(maxRelative, relative)
                if relative > tolerance.relative || !a.isFinite { failures += 1 }
            }
        }
        return (failures, maxAbsolute, maxRelative)
    }
}
