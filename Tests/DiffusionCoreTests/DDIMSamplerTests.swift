import Tensor
import Testing
@testable import DiffusionCore

struct DDIMSamplerTests {
    /// Reference ᾱ values from customnet-spec §1.9 (printed by the official code).
    @Test func scheduleMatchesTheReferenceValues() {
        let alphas = NoiseSchedule.scaledLinear().alphasCumulative
        #expect(alphas.count == 1000)
        for (t, value) in [(0, 0.99915), (1, 0.998296), (21, 0.980381), (481, 0.302296), (941, 0.00911731),
                           (961, 0.00728173), (981, 0.0057755), (999, 0.0046601)] {
            #expect(abs(Double(alphas[t]) - value) / value < 2e-5, "ᾱ[\(t)] = \(alphas[t]), expected \(value)")
        }
    }

    @Test func fiftyStepsRunFortyNineTimestepsEndingAtOne() {
        let sampler = DDIMSampler(schedule: .scaledLinear(), steps: 50)
        #expect(sampler.timesteps.count == 49)
        #expect(sampler.timesteps.first == 961 && sampler.timesteps.last == 1)
        #expect(zip(sampler.timesteps, sampler.timesteps.dropFirst()).allSatisfy { $0 - $1 == 20 })
    }

    /// The last step uses ᾱ[0] as its previous ᾱ; the first uses ᾱ[941].
    @Test func stepsFollowTheDDIMUpdateWithTheQuirkyFinalAlpha() {
        let schedule = NoiseSchedule.scaledLinear()
        let alphas = schedule.alphasCumulative.map(Double.init)
        let sampler = DDIMSampler(schedule: schedule, steps: 50)
        let x = Tensor(shape: [1, 2], scalars: [0.5, -1.25]), e = Tensor(shape: [1, 2], scalars: [0.1, 0.7])
        for (index, t, previous) in [(0, 961, 941), (48, 1, 0)] {
            let result = sampler.step(x, noise: e, index: index).scalars
            for i in 0..<2 {
                let xi = Double(x.scalars[i]), ei = Double(e.scalars[i]), a = alphas[t], p = alphas[previous]
                let expected = p.squareRoot() * (xi - (1 - a).squareRoot() * ei) / a.squareRoot() + (1 - p).squareRoot() * ei
                #expect(abs(Double(result[i]) - expected) < 1e-4 * max(1, abs(expected)), "step \(index) element \(i)")
            }
        }
    }

    @Test func guidanceExtrapolatesFromTheUnconditionalPrediction() {
        let c = Tensor(shape: [3], scalars: [1, 2, 3]), u = Tensor(shape: [3], scalars: [0, 2, 5])
        #expect(Guidance.combine(conditional: c, unconditional: u, scale: 3).scalars == [3, 2, -1])
    }
}
