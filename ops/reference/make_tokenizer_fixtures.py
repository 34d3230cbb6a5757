# Re-run (from the repository root): HF_HUB_OFFLINE=1 ../venv-ref/bin/python ops/reference/make_tokenizer_fixtures.py
# (the venv is made from ops/reference/requirements.txt; see that file). Reads ~/.cache/customnet/clip/
# bpe_simple_vocab_16e6.txt.gz (ops/setup puts it there; it must equal the copy inside the open_clip wheel).
"""Writes what the DiffusionCore CLIP tokenizer tests compare against, and the Python text tables it uses.

* Tests/Fixtures/tokenizer/corpus.jsonl: one JSON object a line, {"text", "openclip", "hf"}: the ids of
  open_clip 3.3.0 `open_clip.tokenize(text)` and of transformers `CLIPTokenizer` (the slow one, with ftfy
  installed, built from the same merges, openai/clip-vit-large-patch14's tokenizer config, called with
  padding="max_length", truncation=True, max_length=77), each without its padding (BOS ... EOS, at most 77).
  "hf" is left out where it equals "openclip" (most lines), which keeps the file near 2 MB.
* Tests/Fixtures/tokenizer/small-hf/: vocab.json + merges.txt holding only the first SMALL_MERGES merges
  (the Hugging Face file layout), and expected.jsonl: {"text", "hf"} as CLIPTokenizer gives it from them.
* Tests/Fixtures/tokenizer/short-merges.txt.gz (a header and 3 merges) and malformed-merges.txt.gz (a
  line of three symbols): damaged vocabularies the loader must refuse.
* Sources/DiffusionCore/Tokenizer/PythonTextTables.swift: the tables the Swift port of ftfy.fix_text and
  html.unescape reads (HTML5 entities, ftfy's upper-case entities, width map, ligatures, C1 map, ...).

The corpus (about 16,000 strings): the DreamBench prompts, object x background x style prompts, snippets
of many scripts, emoji sequences, HTML entities, typography, control characters and whitespace inside
prompts, random strings over an alphabet of such pieces, a sample of every Unicode 14 character, long texts
cut at 77, the empty string and whitespace only.

Excluded from the corpus, on purpose: strings that ftfy's mojibake repair (`fix_encoding`, on by default)
would change. The Swift port does not reimplement it (heuristic, encoding-guessing code); such strings are
detected here by comparing fix_text with and without it, and dropped, and their count is printed. Also
avoided: characters assigned after Unicode 14 (Python 3.11's unicodedata, which fix_text's NFC and
str.lower use; the Swift standard library has newer tables) and lone surrogates (a Swift String has none).
"""
import gzip
import html
import html.entities
import json
import os
import random
import re
import sys
import tempfile
import unicodedata
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import ftfy
import ftfy.bad_codecs  # noqa: F401  registers the sloppy-windows-1252 codec
import ftfy.chardata
import open_clip
import open_clip.tokenizer
from transformers import CLIPTokenizer

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "Fixtures" / "tokenizer"
TABLES = ROOT / "Sources" / "DiffusionCore" / "Tokenizer" / "PythonTextTables.swift"
VOCAB = Path.home() / ".cache" / "customnet" / "clip" / "bpe_simple_vocab_16e6.txt.gz"
MERGE_COUNT = 49152 - 256 - 2  # the merges open_clip and CLIPTokenizer use (file lines 1 ... 48894)
SMALL_MERGES = 300
CONTEXT = 77
SPECIAL_TOKENS = re.compile(r"(<\|startoftext\|>|<\|endoftext\|>)")  # what CLIPTokenizer splits off first


# ---------------------------------------------------------------------------------------------------
# Reference tokenizers


def write_hf_vocabulary(folder: Path, merges: list[str]) -> None:
    """vocab.json + merges.txt in the CLIPTokenizer layout (as the hub repos carry them) for these merges."""
    byte_chars = list(open_clip.tokenizer.bytes_to_unicode().values())
    tokens = byte_chars + [c + "</w>" for c in byte_chars] + ["".join(m.split()) for m in merges]
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(tokens)}, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")


def load_hf_tokenizer(folder: Path) -> CLIPTokenizer:
    """CLIPTokenizer from the folder's vocab.json + merges.txt with openai/clip-vit-large-patch14's
    tokenizer_config.json (the hub cannot be reached; these are the published file's settings: specials
    `<|startoftext|>` / `<|endoftext|>`, pad `<|endoftext|>`, 77 tokens, and a `do_lower_case` that
    CLIPTokenizer does not read)."""
    special = lambda content: {"content": content, "single_word": False, "lstrip": False, "rstrip": False,
                               "normalized": True, "__type": "AddedToken"}
    config = {"unk_token": special("<|endoftext|>"), "bos_token": special("<|startoftext|>"),
              "eos_token": special("<|endoftext|>"), "pad_token": "<|endoftext|>", "add_prefix_space": False,
              "errors": "replace", "do_lower_case": True, "model_max_length": CONTEXT, "tokenizer_class": "CLIPTokenizer"}
    config_path = folder / "tokenizer_config.json"
    config_path.write_text(json.dumps(config))
    tokenizer = CLIPTokenizer.from_pretrained(str(folder), local_files_only=True)
    config_path.unlink()
    assert tokenizer.fix_text is ftfy.fix_text, "CLIPTokenizer must run ftfy (pip install ftfy)"
    return tokenizer


def hf_ids(tokenizer: CLIPTokenizer, text: str) -> list[int]:
    padded = tokenizer(text, padding="max_length", truncation=True, max_length=CONTEXT).input_ids
    unpadded = tokenizer(text, truncation=True, max_length=CONTEXT).input_ids
    assert padded == unpadded + [tokenizer.pad_token_id] * (CONTEXT - len(unpadded)), text
    return unpadded


def open_clip_ids(text: str) -> list[int]:
    padded = open_clip.tokenize(text)[0].tolist()
    length = min(len(open_clip.tokenizer._tokenizer.encode(text)) + 2, CONTEXT)
    assert padded[length:] == [0] * (CONTEXT - length), text
    return padded[:length]


def needs_mojibake_repair(text: str) -> bool:
    """True if ftfy's fix_encoding changes the result for the text or for a piece CLIPTokenizer cleans."""
    pieces = [text] + [p for p in SPECIAL_TOKENS.split(text) if p and not SPECIAL_TOKENS.fullmatch(p)]
    return any(ftfy.fix_text(p) != ftfy.fix_text(p, fix_encoding=False) for p in pieces)


def too_new(text: str) -> bool:
    """Characters Unicode 14 leaves unassigned (or surrogates)."""
    return any(unicodedata.category(c) in ("Cn", "Cs") for c in text)


# ---------------------------------------------------------------------------------------------------
# Corpus

DREAMBENCH_CLASSES = ["backpack", "stuffed animal", "bowl", "can", "candle", "cat", "clock", "sneaker", "dog",
                      "toy", "boot", "glasses", "cartoon", "teapot", "vase", "plushie", "rc car", "duck toy"]
DREAMBENCH_OBJECT_PROMPTS = [
    "a {0} {1} in the jungle", "a {0} {1} in the snow", "a {0} {1} on the beach", "a {0} {1} on a cobblestone street",
    "a {0} {1} on top of pink fabric", "a {0} {1} on top of a wooden floor", "a {0} {1} with a city in the background",
    "a {0} {1} with a mountain in the background", "a {0} {1} with a blue house in the background",
    "a {0} {1} on top of a purple rug in a forest", "a {0} {1} with a wheat field in the background",
    "a {0} {1} with a tree and autumn leaves in the background", "a {0} {1} with the Eiffel Tower in the background",
    "a {0} {1} floating on top of water", "a {0} {1} floating in an ocean of milk",
    "a {0} {1} on top of green grass with sunflowers around it", "a {0} {1} on top of a mirror",
    "a {0} {1} on top of the sidewalk in a crowded street", "a {0} {1} on top of a dirt road",
    "a {0} {1} on top of a white rug", "a red {0} {1}", "a purple {0} {1}", "a shiny {0} {1}", "a wet {0} {1}",
    "a cube shaped {0} {1}",
]
DREAMBENCH_LIVE_PROMPTS = [
    "a {0} {1} in a chef outfit", "a {0} {1} in a firefighter outfit", "a {0} {1} in a police outfit",
    "a {0} {1} in a purple wizard outfit", "a {0} {1} wearing a red hat", "a {0} {1} wearing a santa hat",
    "a {0} {1} wearing a rainbow scarf", "a {0} {1} wearing a black top hat and a monocle", "a {0} {1} in a jail",
    "a {0} {1} in a lab coat", "a {0} {1} wearing pink glasses", "a {0} {1} wearing a yellow shirt",
    "a {0} {1} in a doghouse", "a {0} {1} in a bucket", "a {0} {1} sleeping", "a {0} {1} swimming",
    "a {0} {1} with a red background", "a photo of {0} {1} on the beach", "a {0} {1} as a superhero",
]
OBJECTS = ["dog", "cat", "teddy bear", "red backpack", "ceramic vase", "wooden chair", "vintage camera", "sneaker",
           "toy robot", "glass bottle", "leather boot", "coffee mug", "teapot", "alarm clock", "rubber duck",
           "sunglasses", "guitar", "bicycle", "lamp", "candle", "plush sloth", "monster toy", "cowboy hat",
           "porcelain doll", "skateboard", "origami crane", "pineapple", "croissant", "bonsai tree", "motorcycle",
           "pocket watch", "violin", "snow globe", "typewriter", "hot air balloon", "lighthouse", "sailboat",
           "armchair", "headphones", "teacup", "umbrella", "treasure chest", "rocking horse", "fox", "owl",
           "corgi", "golden retriever", "tabby cat", "hamster", "parrot"]
BACKGROUNDS = ["on the beach", "in the snow", "in a dense jungle", "on a cobblestone street in Paris",
               "in front of the Eiffel Tower", "on the moon", "under the sea", "in a neon-lit Tokyo alley at night",
               "on a wooden table", "in a field of sunflowers", "at the top of a mountain", "in a cozy library",
               "on a kitchen counter", "in the desert at sunset", "in a misty forest", "on a snowy rooftop",
               "next to a waterfall", "in a busy New York subway", "inside a glass greenhouse", "on a spaceship",
               "in a medieval castle", "on a picnic blanket", "at a rainy bus stop", "in a minimalist white studio",
               "floating in outer space", "on a frozen lake", "in an autumn park", "on a pirate ship",
               "in a cyberpunk city", "under cherry blossoms", "on a red carpet", "in a bamboo forest",
               "at the bottom of a swimming pool", "in Times Square", "on a grassy hill", "in a candy land",
               "in a steampunk workshop", "on a marble pedestal", "in the Sahara", "beside a campfire"]
STYLES = ["", "oil painting", "watercolor", "pencil sketch", "3D render", "pixel art", "anime style",
          "photorealistic, 8k, highly detailed", "by Van Gogh", "in the style of Studio Ghibli", "low poly",
          "cinematic lighting", "isometric view", "vaporwave", "ukiyo-e woodblock print", "claymation",
          "studio photo, 50mm, f/1.8", "trending on artstation", "polaroid photo", "HDR, bokeh"]
SUBJECT_IDS = ["sks", "V*", "<new1>", "S*", "xjy", ""]

UNICODE_SNIPPETS = [
    # accents, precomposed and decomposed (NFC composes and reorders combining marks)
    "naïve café", "Crème brûlée", "São Paulo", "Ærøskøbing", "Łódź", "Ελληνικά", "Ørsted", "Mötley Crüe",
    "e\u0301le\u0300ve", "a\u0323\u0302", "o\u0302\u0323", "A\u030a", "\u212b", "\u1e9b\u0323", "n\u0303o",
    "Tiếng Việt", "phở bò", "İstanbul", "DIYARBAKIR ılık", "straße STRASSE ẞ", "ﬁre ﬂower ﬃ ﬄ ﬅ ﬆ", "Ĳsselmeer ĳs",
    "ǅemal Ǳ ǆ Ǉ ǈ ǉ Ǌ ǋ ǌ", "ŉ", "ΟΔΟΣ", "Σ", "ΣΑΣ Σ.", "ὈΔΥΣΣΕΎΣ", "ΑΣ΄Α", "Σ̈Α",
    # scripts
    "日本語のテキスト", "東京タワー", "中文字符测试", "한국어 텍스트", "\u1100\u1161\u11a8", "ﾃｽﾄ ｶﾀｶﾅ", "Ｕﾀｰﾝ",
    "العربية لغة جميلة", "مرحبا بالعالم", "עברית", "Русский текст", "Україна", "हिन्दी पाठ", "नमस्ते",
    "ภาษาไทย", "ქართული", "Հայերեն", "ᚠᚢᚦᚨᚱᚲ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𝓗𝓮𝓵𝓵𝓸", "ℌℑℜ", "Ⓐⓑⓒ", "ǂʼǃ",
    # emoji: ZWJ sequences, skin tones, flags, keycaps, variation selectors
    "😀", "a dog 🐶 on the beach 🏖️", "👨‍👩‍👧‍👦 family", "👍🏽👍🏿", "🏳️‍🌈", "🇫🇷🇯🇵", "1️⃣2️⃣", "❤️‍🔥",
    "🧑🏻‍🚀 astronaut", "☕️", "©️®️™️", "🐕‍🦺", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "👩🏾‍💻", "✨✨✨",
    # numbers
    "1234567890", "3.14159", "1,000,000", "½ ¼ ¾", "x² + y³", "Ⅻ Ⅳ ⅷ", "① ② ③", "٣٤٥", "४५६", "１２３",
    "2024-06-11", "50mm f/1.8", "#1 best", "100% cotton", "$9.99", "€5", "24/7", "3x3", "0.5x", "v1.5",
]
HTML_SNIPPETS = [
    "&amp;", "&lt;", "&gt;", "&#39;", "&quot;", "&#x27;", "&#X27;", "&nbsp;", "&copy;", "&eacute;", "&EACUTE;",
    "&NTILDE;", "&nTILDE;", "&SZLIG;", "&amp;amp;", "&amp;amp;amp;amp;", "&amp;lt;", "&lt;b&gt;", "&amp", "&amp ",
    "&copy2024", "&notit;", "&not", "&ampx", "&#128;", "&#150;", "&#0;", "&#13;", "&#x110000;", "&#xD800;",
    "&#x3b;", "&#59;", "&#65;", "&#x41", "&#65abc;", "&#1;", "&#11;", "&#xFFFF;", "&#12345678901234567890;",
    "&Jscr;", "&HilbertSpace;", "&checkmark;", "&NotEqualTilde;", "&fjlig;", "&hellip;", "&mdash;", "&rsquo;",
    "&ldquo;quoted&rdquo;", "&abcdefghijklmnopqrstuvwxyz;", "&CounterClockwiseContourIntegral;",
    "&;", "&#;", "&#x;", "& amp;", "&&amp;;", "&lt;|endoftext|&gt;", "&lt;start_of_text&gt;",
]
TYPOGRAPHY_SNIPPETS = [
    "\u2018single\u2019", "\u201cdouble\u201d", "\u201avalue\u201b", "\u201elow\u201f", "it\u2019s", "don\u02bct",
    "ＡＢＣ ｘｙｚ", "ＬＯＵＤ　ＮＯＩＳＥＳ", "！？＃＄％", "\uffe3", "\uffe0\uffe1", "\u3000",
    "\t", "\n", "\r\n", "\r", "\u2028", "\u2029", "\x0b", "\x0c", "\xa0", "\u2009", "\u200a", "\u202f", "\u205f",
    "\u1680", "\u200b", "\u200d", "\u2060", "\ufeff", "\x00", "\x07", "\x1b", "\x1b[31mred\x1b[0m", "\x1b[1;4;٣m",
    "\x7f", "\u206a", "\ufff9", "\ufffc", "\ufffd", "\u00ad", "\u200e\u200f", "\u202e", "\u0345", "!\u0345!", "\u03b1\u0345",
    "<|startoftext|>", "<|endoftext|>", "<|ENDOFTEXT|>", "<start_of_text>", "<end_of_text>", "<END_OF_TEXT>",
    "<|\u017ftartoftext|>", "<\u017ftart_of_text>", "'\u017f", "\ufb05", "'s", "'t", "'re", "'ve", "'m", "'ll",
    "'d", "'S", "'LL", "DON'T", "it's", "we're", "'''", "''s",
    "!!!", "???", "...", "--->", "(((", ")))", "[[", "]]", "{{}}", "***", "~~~", "@@@", "###", "|||", "<<>>",
    "...!?", "—", "–", "•", "·", "¡", "¿", "«", "»", "‹›", "„", "‚", "<", ">", "&", ";", "#", "_", "__init__",
]
WORDS = ("a photo of the dog cat car house tree sky beautiful render painting portrait landscape close-up "
         "detailed art vibrant colours golden hour bokeh macro wide angle shot high quality masterpiece studio "
         "lighting soft shadows red green blue yellow purple black white small big tiny giant old new").split()


def dreambench_prompts() -> list[str]:
    prompts = []
    for cls in DREAMBENCH_CLASSES:
        for identifier in ["sks", ""]:
            for template in DREAMBENCH_OBJECT_PROMPTS + DREAMBENCH_LIVE_PROMPTS:
                prompts.append(" ".join(template.format(identifier, cls).split()))
    return prompts


def combination_prompts(rng: random.Random, count: int) -> list[str]:
    prompts = []
    for _ in range(count):
        subject = rng.choice(SUBJECT_IDS)
        text = f"a photo of {subject} {rng.choice(OBJECTS)} {rng.choice(BACKGROUNDS)}".replace("  ", " ")
        style = rng.choice(STYLES)
        if style:
            text += rng.choice([", ", " ", "; ", " | "]) + style
        variant = rng.randrange(6)
        if variant == 1:
            text = text.upper()
        elif variant == 2:
            text = text.title()
        elif variant == 3:
            text = "  " + text.replace(" ", rng.choice(["  ", "\t", " \n "])) + " "
        prompts.append(text)
    return prompts


def snippet_prompts(rng: random.Random, count: int) -> list[str]:
    """Realistic prompts with unicode, HTML, typography and whitespace oddities mixed in."""
    pools = UNICODE_SNIPPETS + HTML_SNIPPETS + TYPOGRAPHY_SNIPPETS
    prompts = list(pools)
    for snippet in pools:
        prompts.append(f"a photo of {snippet} on the beach")
        prompts.append(f"{snippet}{snippet} {rng.choice(OBJECTS)}")
    for _ in range(count - len(prompts)):
        parts = [rng.choice(WORDS) for _ in range(rng.randrange(1, 6))]
        for _ in range(rng.randrange(1, 4)):
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(pools))
        joiner = rng.choice([" ", "", "  ", "\t", "\n", ", "])
        prompts.append(joiner.join(parts))
    return prompts


FUZZ_ALPHABET = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") * 3
    + list(" " * 20 + "\t\n\r" + ".,;:!?'\"-_()[]{}<>/\\|@#$%^&*+=~`")
    + list("éèêëàâäôöûüçñßøåæœ") + ["\u0301", "\u0300", "\u0308", "\u0323", "\u0327", "\u20dd"]
    + list("ΣσςαβγΔАБВабв") + list("日本語中文字한국어カタカナひらがな") + list("ابتثעבר") + list("हिन्दी")
    + ["😀", "🐶", "👍", "🏽", "\u200d", "\ufe0f", "🇫", "🇷", "⃣"] + list("½²٣①Ⅻ") + list("ﬁﬂﬅĳǅŉ") + list("ＡＢｃ１！ｶ")
    + list("‘’“”‚„′″") + ["\u3000", "\xa0", "\u2028", "\u2029", "\u200b", "\ufeff", "\x00", "\x1b", "\x7f", "\u00ad"]
    + ["&amp;", "&lt;", "&#39;", "&quot;", "&", "#", ";", "amp", "&#x", "<|endoftext|>", "<end_of_text>", "'s", "ſ", "İ"]
)


def fuzz_strings(rng: random.Random, count: int) -> list[str]:
    return ["".join(rng.choice(FUZZ_ALPHABET) for _ in range(rng.randrange(1, 40))) for _ in range(count)]


def code_point_sample() -> list[str]:
    """Every 37th character Unicode 14 assigns (below the supplementary private use planes), between letters
    and alone. (Checked once for all of them: the Swift port matched on all 302,324 such strings.)"""
    characters = [chr(c) for c in range(0, 0xF0000, 37) if unicodedata.category(chr(c)) not in ("Cn", "Cs")]
    return [f"A{c}b {c}" for c in characters]


def long_strings(rng: random.Random) -> list[str]:
    strings = ["word " * 100, "a " * 80, "a" * 500, "supercalifragilisticexpialidocious " * 10, "🐶" * 100,
               "1234567890" * 10, "!" * 300, "&amp; " * 90, "日本" * 60, ". " * 200, "x" * 75, "a " * 74 + "b",
               "a " * 75 + "b", "a " * 76 + "b", "<|endoftext|> " * 80, "<end_of_text> " * 80]
    for _ in range(300):
        strings.append(" ".join(rng.choice(WORDS + OBJECTS) for _ in range(rng.randrange(40, 120))))
    return strings


def corpus() -> list[str]:
    rng = random.Random(20240611)
    strings = ["", " ", "  ", "\t", "\n", " \t\n\r ", "\u3000", "\xa0", "\u2028\u2029", "\x00", "\ufeff"]
    strings += ["a photo of a dog", "a photo of a cat", "a sks dog", "a backpack in the jungle", "a red clock",
                "a cube shaped teapot", "A  Cube-Shaped  teapot!!", "a dog wearing a black top hat and a monocle",
                "Hello World", "naïve café 123", "a dog &amp; a cat"]
    strings += dreambench_prompts()
    strings += combination_prompts(rng, 4500)
    strings += snippet_prompts(rng, 3000)
    strings += fuzz_strings(rng, 2500)
    strings += code_point_sample()
    strings += long_strings(rng)
    unique, seen = [], set()
    for s in strings:
        if s not in seen:
            seen.add(s)
            unique.append(s)
    return unique


# ---------------------------------------------------------------------------------------------------
# Tables for the Swift port


def hex_scalars(text: str) -> str:
    return ".".join(f"{ord(c):X}" for c in text)


def swift_table(name: str, doc: str, lines: list[str]) -> str:
    body = "\n".join("        " + line for line in lines)
    return f'    /// {doc}\n    static let {name} = """\n{body}\n        """\n'


def write_tables() -> None:
    html5 = html.entities.html5
    ftfy_upper = {k[1:]: v for k, v in ftfy.chardata.HTML_ENTITIES.items() if k[1:] not in html5}
    c1 = {b: bytes([b]).decode("sloppy-windows-1252") for b in range(0x80, 0xA0)}
    parts = [
        swift_table("html5Entities", "`html.entities.html5`: name (with or without its `;`) and replacement.",
                    [f"{name} {hex_scalars(value)}" for name, value in html5.items()]),
        swift_table("ftfyUpperCaseEntities", "ftfy's all-caps entities (`&EACUTE;`) that html5 lacks, and their replacement.",
                    [f"{name} {hex_scalars(value)}" for name, value in ftfy_upper.items()]),
        swift_table("htmlInvalidCharacterReferences", "`html._invalid_charrefs`: numeric references html.unescape replaces.",
                    [f"{code:X} {hex_scalars(value)}" for code, value in html._invalid_charrefs.items()]),
        swift_table("htmlInvalidCodePoints", "`html._invalid_codepoints`: numeric references html.unescape drops.",
                    [f"{code:X}" for code in sorted(html._invalid_codepoints)]),
        swift_table("ftfyWidthMap", "ftfy's `WIDTH_MAP`: full- and half-width forms and their NFKC (Unicode 14) form.",
                    [f"{code:X} {hex_scalars(value)}" for code, value in ftfy.chardata.WIDTH_MAP.items()]),
        swift_table("ftfyLigatures", "ftfy's `LIGATURES`: Latin ligatures and the letters they stand for.",
                    [f"{code:X} {hex_scalars(value)}" for code, value in ftfy.chardata.LIGATURES.items()]),
        swift_table("ftfyC1Controls", "ftfy's `fix_c1_controls`: U+0080...U+009F read as sloppy Windows-1252.",
                    [f"{code:X} {hex_scalars(value)}" for code, value in c1.items()]),
        swift_table("ftfyControlCharacters", "ftfy's `CONTROL_CHARS`: what `remove_control_chars` deletes.",
                    [f"{code:X}" for code in sorted(ftfy.chardata.CONTROL_CHARS)]),
    ]
    header = ("// Generated by ops/reference/make_tokenizer_fixtures.py from Python "
              f"{'.'.join(map(str, sys.version_info[:3]))} and ftfy {ftfy.__version__}; do not edit.\n"
              "// One entry a line: a key, then the replacement as hexadecimal code points joined by \".\".\n\n"
              "/// The data tables of Python's `html` module and of ftfy that `PythonHTML` and `FtfyTextFixer` follow.\n"
              "enum PythonTextTables {\n")
    TABLES.write_text(header + "\n".join(parts) + "}\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------------


def main() -> None:
    gz_bytes = VOCAB.read_bytes()
    assert gz_bytes == Path(open_clip.tokenizer.default_bpe()).read_bytes(), "the cached vocabulary differs from open_clip's"
    header, *lines = gzip.decompress(gz_bytes).decode("utf-8").split("\n")
    merges = lines[:MERGE_COUNT]
    assert len(merges) == MERGE_COUNT

    with tempfile.TemporaryDirectory() as scratch:  # the full vocab.json + merges.txt (1.5 MB) stay out of the fixtures
        write_hf_vocabulary(Path(scratch), merges)
        hf = load_hf_tokenizer(Path(scratch))
    assert hf.vocab_size == 49408 and hf.bos_token_id == 49406 and hf.eos_token_id == 49407 and hf.pad_token_id == 49407

    kept, mojibake, too_new_count = [], [], 0
    for text in corpus():
        if too_new(text):
            too_new_count += 1
        elif needs_mojibake_repair(text):
            mojibake.append(text)
        else:
            kept.append(text)
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "corpus.jsonl", "w", encoding="utf-8") as f:
        for text in kept:
            entry = {"text": text, "openclip": open_clip_ids(text)}
            if (hf_result := hf_ids(hf, text)) != entry["openclip"]:
                entry["hf"] = hf_result
            f.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")

    small = OUT / "small-hf"
    write_hf_vocabulary(small, merges[:SMALL_MERGES])
    small_hf = load_hf_tokenizer(small)
    small_texts = [t for t in kept if len(t) < 60][::40] + ["", "in the", "<|endoftext|>", "this is the end"]
    with open(small / "expected.jsonl", "w", encoding="utf-8") as f:
        for text in small_texts:
            f.write(json.dumps({"text": text, "hf": hf_ids(small_hf, text)}, ensure_ascii=False, separators=(",", ":")) + "\n")

    (OUT / "short-merges.txt.gz").write_bytes(gzip.compress(f"{header}\ni n\nt h\na n\n".encode(), mtime=0))
    (OUT / "malformed-merges.txt.gz").write_bytes(gzip.compress(f"{header}\ni n\ni n g\n".encode(), mtime=0))

    write_tables()
    print(f"corpus: {len(kept)} strings kept; dropped {len(mojibake)} that need mojibake repair, "
          f"{too_new_count} with characters newer than Unicode 14")
    for text in mojibake[:20]:
        print("  mojibake:", ascii(text), "->", ascii(ftfy.fix_text(text)))
    print(f"small-hf: {len(small_texts)} strings, {SMALL_MERGES} merges")


if __name__ == "__main__":
    main()
