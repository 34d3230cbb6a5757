import DiffusionCore
import Foundation
import Logging

extension GeneratorExecutor {
    /// Loads what `customnet render` and `customnet score` load, for `customnet worker`: the checkpoint
    /// with the CLIP tokenizer from `ClipVocabularyFile.locate()`, and, when both are given, the metric
    /// encoders (the CLIP folder's own vocabulary when it has one, as `customnet score` does).
    /// - Parameters:
    ///   - checkpoint: a torch zip or safetensors file in the official layout.
    ///   - preset: the architecture's name (`customnet-v1`, `tiny`); nil infers it from the checkpoint.
    ///   - modelDigest: lowercase hex SHA-256 of the checkpoint file, computed by the caller.
    ///   - dino: DINO ViT model folder or torch-hub state dict; with `clip`, or neither.
    ///   - clip: CLIP model folder (Hugging Face layout); with `dino`, or neither.
    /// - Throws: `ExecutorSetupError` for an unknown preset, one encoder without the other or a CLIP
    ///   model whose vocabulary is too small; the engine's file errors (each naming its file) otherwise.
    public static func load(checkpoint: String, preset: String?, modelDigest: String, dino: String?, clip: String?,
                            cacheLimits: CacheLimits = CacheLimits(),
                            logger: Logger = Logger(label: "customnet.render")) throws -> GeneratorExecutor {
        if let dino, clip == nil {
            throw ExecutorSetupError("DINO model \(dino) given without a CLIP model: the metrics need both (DINO-I, CLIP-I and CLIP-T are scored together)")
        }
        if let clip, dino == nil {
            throw ExecutorSetupError("CLIP model \(clip) given without a DINO model: the metrics need both (DINO-I, CLIP-I and CLIP-T are scored together)")
        }
        let architecture = try preset.map { name throws(ExecutorSetupError) in
            guard let found = CustomNetPreset.named(name) else {
                throw ExecutorSetupError("unknown preset '\(name)'; known: \(CustomNetPreset.all.map(\.name).joined(separator: ", "))")
            }
            return found
        }
        let tokenizer = try ClipTokenizer(openCLIPMergesFileAt: ClipVocabularyFile.locate())
        let generator = try CustomNetGenerator(checkpoint: WeightStore(path: checkpoint), preset: architecture, tokenizer: tokenizer)
        return GeneratorExecutor(generator: generator, modelDigest: modelDigest, scorer: try metricScorer(dino: dino, clip: clip),
                                 cacheLimits: cacheLimits, logger: logger)
    }

    /// The scorer for both encoders, nil for neither (`load` has refused one alone).
    private static func metricScorer(dino: String?, clip: String?) throws -> MetricScorer? {
        guard let dino, let clip else { return nil }
        let tokenizer = try metricTokenizer(clipFolder: clip)
        let clipModel = try CLIPMetricModel.load(folder: clip)
        guard clipModel.config.text.vocabularySize >= tokenizer.vocabularySize else {
            throw ExecutorSetupError("\(clip): the CLIP text tower has \(clipModel.config.text.vocabularySize) token ids, "
                                     + "fewer than the tokenizer's \(tokenizer.vocabularySize)")
        }
        return MetricScorer(dino: try DINOViT.load(from: dino), clip: clipModel, tokenizer: tokenizer)
    }

    /// The CLIP folder's own vocabulary (vocab.json + merges.txt) when it has one, else the cached merges file.
    private static func metricTokenizer(clipFolder: String) throws -> ClipTokenizer {
        let vocabulary = clipFolder + "/vocab.json", merges = clipFolder + "/merges.txt"
        if FileManager.default.fileExists(atPath: vocabulary) && FileManager.default.fileExists(atPath: merges) {
            return try ClipTokenizer(vocabularyJSONAt: vocabulary, mergesTextAt: merges)
        }
        return try ClipTokenizer(openCLIPMergesFileAt: ClipVocabularyFile.locate())
    }
}

/// Why a `GeneratorExecutor` could not be set up, in words naming the file or setting.
public struct ExecutorSetupError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
