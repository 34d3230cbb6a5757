import ArgumentParser
import DiffusionCore
import Foundation
import Tensor

/// `customnet score`: DINO-I, CLIP-I and CLIP-T of generated images against an object's reference images
/// and a prompt, as a table or as the JSON scripts and the farm share (`ScoreReport`).
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score generated images: DINO-I and CLIP-I against the reference image(s), CLIP-T against the prompt.",
        discussion: """
            DINO-I / CLIP-I: cosine similarity of L2-normalised DINO ViT CLS / CLIP image embeddings, averaged over \
            the references. CLIP-T: cosine between the CLIP image and prompt embeddings (not torchmetrics' 100×, \
            clipped CLIPScore). Preprocessing: DINO Resize(256, bicubic) → CenterCrop(224) → ImageNet mean/std; CLIP \
            Resize(n, bicubic) → CenterCrop(n) → CLIP mean/std. RGBA images are composited onto white.
            """)

    @Option(help: "DINO model: a Hugging Face folder (facebook/dino-vits16 layout) or a torch-hub state dict (.pth).")
    var dino: String

    @Option(help: "CLIP model: a Hugging Face folder (openai/clip-vit-base-patch32 layout).")
    var clip: String

    @Option(help: "Reference image of the object (repeat for several; scores are averaged over them).")
    var reference: [String] = []

    @Option(help: "Prompt the images were generated with; CLIP-T is scored only when given.")
    var prompt: String?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Threads for the tensor ops and OpenBLAS (default: all cores).")
    var threads: Int?

    @Argument(help: "Generated images (PNG or JPEG).")
    var images: [String] = []

    func validate() throws {
        guard !reference.isEmpty else { throw ValidationError("give at least one --reference image") }
        guard !images.isEmpty else { throw ValidationError("give at least one generated image to score") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        if let threads { Compute.threadCount = threads }
        let tokenizer = try clipTokenizer()
        let scorer = MetricScorer(dino: try DINOViT.load(from: dino), clip: try CLIPMetricModel.load(folder: clip), tokenizer: tokenizer)
        let report = ScoreReport(images: try images.map { path in
            ScoreReport.Image(path: path, scores: try scorer.scores(ofImageAt: path, references: reference, prompt: prompt))
        })
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            printTable(report)
        }
    }

    /// The CLIP folder's own vocabulary (vocab.json + merges.txt) when it has one, else the cached merges
    /// file `ops/setup` fetches.
    private func clipTokenizer() throws -> ClipTokenizer {
        let vocabulary = clip + "/vocab.json", merges = clip + "/merges.txt"
        if FileManager.default.fileExists(atPath: vocabulary) && FileManager.default.fileExists(atPath: merges) {
            return try ClipTokenizer(vocabularyJSONAt: vocabulary, mergesTextAt: merges)
        }
        return try ClipTokenizer(openCLIPMergesFileAt: ClipVocabularyFile.locate())
    }

    /// One row per image, then the mean and the (population) standard deviation of each column.
    private func printTable(_ report: ScoreReport) {
        let summary = MetricSummary(report.images.map(\.scores))!
        let hasPrompt = summary.clipT != nil
        let nameWidth = max(report.images.map(\.path.count).max() ?? 0, 5)
        func cell(_ value: Double?) -> String { value.map { String(format: "%8.4f", $0) } ?? "" }
        func row(_ name: String, _ values: [Double?]) {
            print(name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  " + values.map(cell).joined(separator: "  "))
        }
        let headers = ["  DINO-I", "  CLIP-I"] + (hasPrompt ? ["  CLIP-T"] : [])
        print("image".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  " + headers.joined(separator: "  "))
        for image in report.images {
            row(image.path, [image.scores.dinoI, image.scores.clipI] + (hasPrompt ? [image.scores.clipT] : []))
        }
        row("mean", [summary.dinoI.mean, summary.clipI.mean] + (hasPrompt ? [summary.clipT?.mean] : []))
        row("std", [summary.dinoI.standardDeviation, summary.clipI.standardDeviation] + (hasPrompt ? [summary.clipT?.standardDeviation] : []))
        print("\(report.images.count) image\(report.images.count == 1 ? "" : "s"), \(reference.count) reference\(reference.count == 1 ? "" : "s")"
              + (prompt.map { ", prompt \"\($0)\"" } ?? ", no prompt (no CLIP-T)"))
    }
}
