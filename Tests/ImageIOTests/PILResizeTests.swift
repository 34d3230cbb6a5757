import Foundation
import Testing
@testable import ImageIO

/// Resizing, centre cropping and thumbnails against Pillow 9.5.0 / torchvision on the fixtures of
/// `ops/reference/make_resize_fixtures.py`: every output must be byte-identical.
struct PILResizeTests {
    struct Step: Decodable, Sendable {
        let op: String
        var width: Int?, height: Int?, size: Int?, filter: String?
    }

    struct Case: Decodable, CustomTestStringConvertible, Sendable {
        let name: String, source: String, expected: String
        let steps: [Step]
        var testDescription: String { name }
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/resize").standardized.path

    static let cases: [Case] = {
        struct Manifest: Decodable { let cases: [Case] }
        guard let data = FileManager.default.contents(atPath: fixtures + "/manifest.json"),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else { return [] }
        return manifest.cases
    }()

    @Test func manifestIsPresent() {
        #expect(Self.cases.count >= 100, "fixtures missing at \(Self.fixtures)")
    }

    @Test(arguments: cases)
    func matchesPillow(_ c: Case) throws {
        var image = try PNG.read(path: Self.fixtures + "/" + c.source)
        for step in c.steps { image = try apply(step, to: image) }
        let expected = try PNG.read(path: Self.fixtures + "/" + c.expected)
        try #require(image.width == expected.width && image.height == expected.height && image.layout == expected.layout,
                     "got \(image.width)×\(image.height) \(image.layout), expected \(expected.width)×\(expected.height) \(expected.layout)")
        let differences = zip(image.pixels, expected.pixels).map { abs(Int($0) - Int($1)) }.filter { $0 != 0 }
        #expect(differences.isEmpty, "\(differences.count) of \(expected.pixels.count) bytes differ, by at most \(differences.max() ?? 0)")
    }

    func apply(_ step: Step, to image: RasterImage) throws -> RasterImage {
        let filter = try step.filter.map { name in try #require(ResamplingFilter(rawValue: name), "unknown filter \(name)") }
        switch step.op {
        case "resize": return image.resized(width: step.width!, height: step.height!, filter: filter!)
        case "resize_shorter_side": return image.resizedShorterSide(to: step.size!, filter: filter!)
        case "centre_crop": return image.centreCropped(width: step.width!, height: step.height!)
        case "thumbnail": return image.thumbnail(fitting: (step.width!, step.height!), filter: filter!)
        default:
            Issue.record("unknown op \(step.op) in the manifest")
            return image
        }
    }
}

extension PILResizeTests {
    /// Properties of the resize helpers that the fixtures show only indirectly.
    struct Behaviour {
        @Test(arguments: ResamplingFilter.allCases)
        func sameSizeIsUnchanged(_ filter: ResamplingFilter) {
            let image = gradient(width: 9, height: 5, layout: .rgba)
            #expect(image.resized(width: 9, height: 5, filter: filter) == image)
        }

        @Test func thumbnailNeverEnlarges() {
            let image = gradient(width: 30, height: 20, layout: .rgb)
            #expect(image.thumbnail(fitting: (200, 200), filter: .lanczos) == image)
            let shrunk = image.thumbnail(fitting: (200, 10), filter: .lanczos)
            #expect(shrunk.width == 15 && shrunk.height == 10)
        }

        @Test func shorterSideDecidesTheScale() {
            let wide = gradient(width: 300, height: 217, layout: .rgb).resizedShorterSide(to: 224, filter: .bicubic)
            #expect(wide.width == 309 && wide.height == 224)  // int(224 · 300 / 217) = int(309.67)
            let tall = gradient(width: 45, height: 70, layout: .rgb).resizedShorterSide(to: 224, filter: .bicubic)
            #expect(tall.width == 224 && tall.height == 348)  // int(224 · 70 / 45) = int(348.44)
        }

        @Test func centreCropRoundsHalfOffsetsToEven() {
            // (64 − 31) / 2 = 16.5 rounds to 16 and (37 − 34) / 2 = 1.5 to 2, as Python's round does.
            let image = gradient(width: 64, height: 37, layout: .rgb)
            let crop = image.centreCropped(width: 31, height: 34)
            #expect(crop[0, 0, 0] == image[16, 2, 0] && crop[0, 0, 1] == image[16, 2, 1])
        }

        @Test func badSizesStopTheProgram() async {
            await #expect(processExitsWith: .failure) {
                _ = RasterImage(width: 4, height: 4, layout: .rgb, filledWith: 0).resized(width: 0, height: 4, filter: .bicubic)
            }
            await #expect(processExitsWith: .failure) {
                _ = RasterImage(width: 4, height: 4, layout: .rgb, filledWith: 0).centreCropped(width: 3, height: -1)
            }
            await #expect(processExitsWith: .failure) {
                _ = RasterImage(width: 4, height: 4, layout: .rgb, filledWith: 0).resizedShorterSide(to: 0, filter: .bilinear)
            }
            await #expect(processExitsWith: .failure) {
                _ = RasterImage(width: 4, height: 4, layout: .rgb, filledWith: 0).thumbnail(fitting: (0, 200), filter: .lanczos)
            }
        }
    }
}
