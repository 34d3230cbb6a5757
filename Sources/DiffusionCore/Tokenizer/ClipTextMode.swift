/// Which reference tokenizer `ClipTokenizer.encode` reproduces: they clean text differently, spell the
/// special tokens differently and pad differently, and give the same ids on ordinary prompts.
public enum ClipTextMode: Sendable, CaseIterable {
    /// open_clip 3.3.0 `tokenize` (`SimpleTokenizer`, clean "lower"), as the DINO/CLIP-I/CLIP-T metrics use it:
    /// `ftfy.fix_text`, `html.unescape` twice, strip, whitespace runs to one space, lower case. The text
    /// `<start_of_text>` / `<end_of_text>` is the special token. Pads with 0.
    case openCLIP
    /// transformers 4.46 `CLIPTokenizer` (with ftfy installed) for openai/clip-vit-large-patch14, as
    /// CustomNet's text encoder gets it (padding "max_length", truncation on): `<|startoftext|>` /
    /// `<|endoftext|>` in the text are split off as special tokens first, then each piece between them
    /// goes through `ftfy.fix_text`, whitespace runs to one space, strip, lower case. Pads with
    /// `<|endoftext|>` (49407).
    case huggingFace

    /// How the text spells the start- and end-of-text tokens in this mode.
    var specialTokenSpellings: (startOfText: [Unicode.Scalar], endOfText: [Unicode.Scalar]) {
        switch self {
        case .openCLIP: (Array("<start_of_text>".unicodeScalars), Array("<end_of_text>".unicodeScalars))
        case .huggingFace: (Array("<|startoftext|>".unicodeScalars), Array("<|endoftext|>".unicodeScalars))
        }
    }
}

/// The text cleaning of each mode, on Unicode scalars.
enum ClipTextCleaner {
    /// open_clip's `_clean_lower`: `whitespace_clean(basic_clean(text)).lower()`.
    static func openCLIP(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let fixed = PythonHTML.unescape(PythonHTML.unescape(FtfyTextFixer.fixText(text)))
        return PythonText.lowercased(PythonText.joinWords(fixed))
    }

    /// `CLIPTokenizer._tokenize`'s cleaning of one piece: `whitespace_clean(ftfy.fix_text(text)).lower()`.
    static func huggingFace(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        PythonText.lowercased(PythonText.strip(PythonText.collapseWhitespaceRuns(FtfyTextFixer.fixText(text))))
    }
}
