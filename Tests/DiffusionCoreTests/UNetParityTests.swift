import Foundation
import Tensor
import Testing
@testable import DiffusionCore

/// The UNet and its parts against diffusers' UNet2DConditionModel with CustomNet's dual cross-attention
/// (ops/reference/make_unet_fixtures.py), tiny preset, random fp16-rounded weights in the official layout.
struct UNetParityTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/unet").standardized.path

    static func load(_ name: String) throws -> Tensor { try NumPyFile.read(path: folder + "/\(name).npy") }

    static func model() throws -> (UNet, ParameterSource) {
        let source = ParameterSource(store: try WeightStore(path: folder + "/unet_tiny.safetensors"))
        let unet = UNet(source.scoped("model").scoped("diffusion_model"), config: .tiny)
        try source.checkComplete(ownedPrefixes: ["model.diffusion_model."])
        return (unet, source)
    }

    @Test func timestepEmbeddingMatches() throws {
        let ours = UNet.timestepEmbedding(481, channels: 32, batch: 1)
        expectClose(ours, try Self.load("time_embedding_t481"), relative: 1e-5, absolute: 2e-5, "timestep embedding")
    }

    @Test func resBlockAndSpatialTransformerMatch() throws {
        let source = ParameterSource(store: try WeightStore(path: Self.folder + "/unet_tiny.safetensors"))
        let block = source.scoped("model").scoped("diffusion_model").scoped("input_blocks").scoped(1)
        let input = try Self.load("block_input"), embedding = try Self.load("block_embedding"), context = try Self.load("context")
        let res = ResBlock(block.scoped(0), input: 32, output: 32, embedding: 128)
        expectClose(res(input, embedding: embedding), try Self.load("resblock"), "ResBlock")
        let transformer = SpatialTransformer(block.scoped(1), channels: 32, heads: 8, context: 32)
        expectClose(transformer(input, context: context), try Self.load("transformer"), "SpatialTransformer")
    }

    @Test(arguments: [1, 481, 961])
    func wholeUNetMatches(timestep: Int) throws {
        let (unet, _) = try Self.model()
        let eps = unet(try Self.load("x"), timestep: timestep, context: try Self.load("context"))
        expectClose(eps, try Self.load("eps_t\(timestep)"), "UNet at t=\(timestep)")
    }

    @Test func loaderNamesEveryProblemAtOnce() throws {
        let source = ParameterSource(store: try WeightStore(path: Self.folder + "/unet_tiny.safetensors"))
        var wrong = UNetConfig.tiny
        wrong.contextDimension = 48
        _ = UNet(source.scoped("model").scoped("diffusion_model"), config: wrong)
        let error = #expect(throws: WeightFileError.self) { try source.checkComplete(ownedPrefixes: ["model.diffusion_model."]) }
        let text = error?.description ?? ""
        #expect(text.hasPrefix(Self.folder + "/unet_tiny.safetensors: "))
        #expect(text.contains("model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k_text.weight: expected [32, 48], found [32, 32]"))
    }
}

/// Elementwise |a − e| ≤ absolute + relative·|e|, reporting the worst errors.
func expectClose(_ actual: Tensor, _ expected: Tensor, relative: Double = 1e-4, absolute: Double = 1e-5, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.shape == expected.shape else {
        Issue.record("\(what): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    var failures = 0, worstAbsolute = 0.0, worstRelative = 0.0
    for (a, e) in zip(actual.scalars, expected.scalars) {
        let difference = abs(Double(a) - Double(e))
        worstAbsolute = max(worstAbsolute, difference)
        worstRelative = max(worstRelative, difference / max(abs(Double(e)), 1e-6))
        if !(difference <= absolute + relative * abs(Double(e))) { failures += 1 }
    }
    #expect(failures == 0, "\(what): \(failures) of \(expected.count) values off; max abs \(worstAbsolute), max rel \(worstRelative)",
            sourceLocation: sourceLocation)
}
