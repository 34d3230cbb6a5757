import Foundation
import ImageIO
import Testing
@testable import Farm

/// The written page in a real browser: headless Chromium takes a screenshot and dumps the DOM after
/// the page's scripts ran. `ops/setup` installs Chromium; without it this test fails and says so.
///
/// Set `CUSTOMNET_REPORT_SCREENSHOT=FILE` to keep the screenshot (docs/report-screenshot.png is made so).
@Suite struct ReportBrowserTests {
    @Test func chromiumShowsThePageWithoutErrorsOrBrokenImages() throws {
        let chromium = try #require(Self.chromium(), "no chromium or chromium-browser on PATH: run ops/setup (it installs the Debian package chromium)")
        try StoreFixtures.withTemporaryFolder { folder in
            var job = try ReportJob(in: folder, polars: [0, 15])
            try job.runWithOneFailure()
            let files = try ReportWriter().refresh(job: "report-demo", in: job.store, now: job.now)
            let url = URL(fileURLWithPath: files.index).absoluteString
            let screenshot = folder.path + "/screenshot.png"

            let shot = try Self.run(chromium, ["--screenshot=\(screenshot)", "--window-size=1400,2000", url], profile: folder.path + "/profile-1")
            #expect(shot.status == 0, "chromium --screenshot: \(shot.errors)")
            let picture = try PNG.read(path: screenshot)
            #expect(picture.width == 1400 && picture.height == 2000)
            var colours = Set<Int>()
            for offset in stride(from: 0, to: picture.pixels.count, by: picture.layout.channelCount * 97) {
                let red = Int(picture.pixels[offset]), green = Int(picture.pixels[offset + 1]), blue = Int(picture.pixels[offset + 2])
                colours.insert(red << 16 | green << 8 | blue)
            }
            #expect(colours.count > 100, "the screenshot looks blank (\(colours.count) colours)")
            if let keep = ProcessInfo.processInfo.environment["CUSTOMNET_REPORT_SCREENSHOT"] {
                try? FileManager.default.removeItem(atPath: keep)
                try FileManager.default.copyItem(atPath: screenshot, toPath: keep)
            }

            let dump = try Self.run(chromium, ["--dump-dom", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", url],
                                    profile: folder.path + "/profile-2")
            #expect(dump.status == 0, "chromium --dump-dom: \(dump.errors)")
            #expect(dump.output.contains("data-broken-images=\"0\""), "images failed to load, or the page's script did not run")
            #expect(dump.output.contains("aria-label=\"mean DINO-I vs polar (degrees)\""))
            let console = dump.errors.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }
            #expect(console.isEmpty, "console messages: \(console)")
        }
    }

    /// The first of `chromium`, `chromium-browser` on PATH.
    static func chromium() -> String? {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        for name in ["chromium", "chromium-browser"] {
            for folder in folders where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") { return "\(folder)/\(name)" }
        }
        return nil
    }

    /// Runs headless Chromium with its own profile folder, its output and errors going to files beside
    /// it; killed after 90 s.
    static func run(_ chromium: String, _ arguments: [String], profile: String) throws -> (status: Int32, output: String, errors: String) {
        let outputPath = profile + ".stdout", errorsPath = profile + ".stderr"
        for path in [outputPath, errorsPath] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--user-data-dir=\(profile)"] + arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorsPath))
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 90, execute: watchdog)
        process.waitUntilExit()
        watchdog.cancel()
        return (process.terminationStatus, try String(contentsOfFile: outputPath, encoding: .utf8), try String(contentsOfFile: errorsPath, encoding: .utf8))
    }
}
