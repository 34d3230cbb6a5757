import Foundation
import Tensor
import Testing
@testable import DiffusionCore

/// A real-size UNet fixture: the customNetV1 UNet in the official layout with random fp16-rounded weights,
/// and diffusers' ε for one input (ops/reference/check_unet_full_size.py; the reference ran in float64).
struct FullSizeUNetFixture: Sendable {
    let folder: String

    /// The folder `CUSTOMNET_FULL_SIZE_FIXTURES` names, when it holds the UNet fixture (the variable may
    /// name a folder of check_towers_full_size.py instead, or as well).
    static let fromEnvironment: FullSizeUNetFixture? = ProcessInfo.processInfo.environment["CUSTOMNET_FULL_SIZE_FIXTURES"]
        .map(FullSizeUNetFixture.init(folder:))
        .flatMap { FileManager.default.fileExists(atPath: $0.weightsPath) ? $0 : nil }

    var weightsPath: String { folder + "/unet.safetensors" }

    func array(_ name: String) throws -> Tensor { try NumPyFile.read(path: folder + "/\(name).npy") }
}

/// The whole UNet at the real size (customnet-spec §2.3: 878,701,764 parameters, batch 2, 8×32×32 input,
/// 78-token context, t = 481) against diffusers' UNet2DConditionModel with CustomNet's dual attn2.
/// Opt-in: `ops/reference/check_unet_full_size.py` writes the folder and `CUSTOMNET_FULL_SIZE_FIXTURES=<folder>`
/// runs it, in a release build (the weights take 3.5 GB as fp32; about 25 s on 2 cores). An element passes
/// when |ours − reference| ≤ 1e-5 + 1e-4·|reference|, as for the tiny UNet and the full-size towers; the
/// worst differences are printed either way (max abs 2.1e-6 at first, 3.0e-6 since the narrow product,
/// 3.4e-6 on fixtures drawn again on 2026-12-07 and 3.9e-6 once 16² products went to the narrow product,
/// with |ε| up to 1.9).
@Suite(.enabled(if: FullSizeUNetFixture.fromEnvironment != nil,
                "CUSTOMNET_FULL_SIZE_FIXTURES names no folder with unet.safetensors from check_unet_full_size.py"),
       .serialized)
struct FullSizeUNetParityTests {
    @Test func wholeUNetMatchesDiffusersAtBatch2() throws {
        let fixture = FullSizeUNetFixture.fromEnvironment!
        let source = ParameterSource(store: try WeightStore(path: fixture.weightsPath))
        let unet = UNet(source.scoped("model").scoped("diffusion_model"), config: .customNetV1)
        try source.checkComplete(ownedPrefixes: ["model.diffusion_model."])
        #expect(source.requested.reduce(0) { $0 + $1.shape.reduce(1, *) } == 878_701_764)

        let epsilon = unet(try fixture.array("x"), timestep: 481, context: try fixture.array("context"))
        let expected = try fixture.array("eps_t481")
        print(differenceSummary(epsilon, expected, "full-size UNet ε at t=481 (\(fixture.folder))"))
        expectClose(epsilon, expected, "full-size UNet ε at t=481 (\(fixture.folder))")
    }

    /// `--keep-winograd-filters` gives the same ε bit for bit at the real size, where the filters are
    /// transformed in blocks and chunks that the tiny preset never reaches: the first pass with the
    /// switch on fills every layer's kept filters, the second reads them.
    @Test func keptWinogradFiltersGiveTheSameBits() throws {
        let fixture = FullSizeUNetFixture.fromEnvironment!
        let source = ParameterSource(store: try WeightStore(path: fixture.weightsPath))
        let unet = UNet(source.scoped("model").scoped("diffusion_model"), config: .customNetV1)
        let x = try fixture.array("x"), context = try fixture.array("context")
        let before = Compute.keepsWinogradFilters
        defer { Compute.keepsWinogradFilters = before }
        Compute.keepsWinogradFilters = false
        let perCall = unet(x, timestep: 481, context: context).scalars.map(\.bitPattern)
        Compute.keepsWinogradFilters = true
        let filling = unet(x, timestep: 481, context: context).scalars.map(\.bitPattern)
        let kept = unet(x, timestep: 481, context: context).scalars.map(\.bitPattern)
        #expect(filling == perCall, "the pass that fills the kept filters")
        #expect(kept == perCall, "the pass that reads them")
    }
}

/// The largest absolute difference, the largest relative one (|a − e| / |e|, elements with |e| < 1e-3
/// left out, as their relative error says nothing) and the largest absolute difference over the largest
/// |e|, as one line.
private func differenceSummary(_ actual: Tensor, _ expected: Tensor, _ what: String) -> String {
    var worstAbsolute = 0.0, worstRelative = 0.0, largest = 0.0
    for (a, e) in zip(actual.scalars, expected.scalars) {
        let difference = abs(Double(a) - Double(e))
        worstAbsolute = max(worstAbsolute, difference)
        largest = max(largest, abs(Double(e)))
        if abs(Double(e)) >= 1e-3 { worstRelative = max(worstRelative, difference / abs(Double(e))) }
    }
    return "\(what): max abs \(worstAbsolute), max rel \(worstRelative) (|e| ≥ 1e-3), max abs / max |e| \(worstAbsolute / largest)"
}
