#!/usr/bin/env python3
"""Writes the Pillow resize parity fixtures under Tests/Fixtures/resize/: small RGB and RGBA source images
(gradients, noise, hard edges, saturated patches, alpha holes) and what Pillow / torchvision make of them,
all as PNG, plus manifest.json (each case: its source, the steps applied in order, the expected output).

Cases: Image.resize with NEAREST / BILINEAR / BICUBIC / LANCZOS, shrinking, enlarging and mixed, including
one-axis-only resizes; the CustomNet object step (any size -> 256x256 BICUBIC); the DINO recipe
(torchvision Resize(256, BICUBIC) then CenterCrop(224)); the CLIP recipe (Resize(224, BICUBIC) then
CenterCrop(224)); CenterCrop alone, with odd margins and with padding; Image.thumbnail with LANCZOS.

Made with Pillow 9.5.0, the version CustomNet pins; Pillow 10-12 give the same bytes. Pillow 13 does not:
it may run the vertical pass first when the height shrinks much more than the width (Pillow PR #9549),
and it passes `reducing_gap` on when it resizes RGBA through premultiplied RGBa (so RGBA thumbnails get
the `reduce` step), so the script refuses to run on it. torchvision's Resize / CenterCrop code for PIL
images is the same in 0.20.1 and 0.29.2.

Run by hand, never by CI (pinned versions in requirements.txt):

    ../venv-ref/bin/python ops/reference/make_resize_fixtures.py
"""
import json
import pathlib
import sys

import numpy as np
import PIL
import torchvision
from PIL import Image
from torchvision import transforms

ROOT = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "resize"
SEED = 20261125
FILTERS = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
           "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS}
generator = np.random.default_rng(SEED)
cases = []


def source_pixels(width, height, with_alpha):
    """Colour ramps with noise, a black/white checkerboard (ringing and clipping), a saturated bar, and
    for RGBA an alpha ramp with fully transparent holes over random colours and an opaque patch."""
    y, x = np.mgrid[0:height, 0:width]
    red = x * 255.0 / max(width - 1, 1)
    green = y * 255.0 / max(height - 1, 1)
    blue = 127.5 + 127.5 * np.sin(x * 0.37 + y * 0.21)
    rgb = np.stack([red, green, blue], axis=-1) + generator.uniform(-5, 5, (height, width, 3))
    checker = ((x // 3 + y // 3) % 2 == 0)
    board = (x < width // 3) & (y < height // 2)
    rgb[board] = np.where(checker[board, None], 255.0, 0.0)
    rgb[(x >= width * 2 // 3) & (y >= height // 2)] = (255.0, 0.0, 255.0)
    pixels = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    if not with_alpha:
        return pixels
    alpha = np.clip(np.rint(40 + 215 * x / max(width - 1, 1) + generator.uniform(-20, 20, (height, width))), 0, 255)
    hole = ((x - width // 2) ** 2 + (y - height // 2) ** 2) < (min(width, height) // 4) ** 2
    alpha[hole] = 0
    alpha[(y >= height * 3 // 4) & (x < width // 2)] = 255
    blocks = generator.integers(0, 256, (height // 4 + 1, width // 4 + 1, 3), dtype=np.uint8)
    pixels[hole] = blocks[y // 4, x // 4][hole]
    return np.concatenate([pixels, alpha.astype(np.uint8)[..., None]], axis=-1)


def save(image, name):
    image.save(ROOT / name, optimize=True)
    return name


def case(source_name, steps, expected):
    name = f"{pathlib.Path(source_name).stem}__" + "__".join(describe(step) for step in steps)
    cases.append({"name": name, "source": source_name, "steps": steps,
                  "expected": save(expected, f"{name}.png")})


def describe(step):
    values = [str(value) for key, value in step.items() if key != "op"]
    return "_".join([step["op"], *values])


def thumbnail(image, width, height):
    """Image.thumbnail works in place; this returns a thumbnail of a copy."""
    result = image.copy()
    result.thumbnail((width, height), Image.Resampling.LANCZOS)
    return result


def main():
    if int(PIL.__version__.split(".")[0]) >= 13:
        sys.exit(f"Pillow {PIL.__version__} resizes differently from CustomNet's 9.5.0; install requirements.txt")
    ROOT.mkdir(parents=True, exist_ok=True)
    for old in ROOT.glob("*.png"):
        old.unlink()
    sources = {}
    for mode, width, height in [("RGB", 37, 23), ("RGBA", 37, 23), ("RGB", 300, 217), ("RGBA", 300, 217),
                                ("RGB", 64, 64), ("RGBA", 45, 70)]:
        name = f"{mode.lower()}_{width}x{height}.png"
        sources[name] = Image.fromarray(source_pixels(width, height, mode == "RGBA"), mode)
        save(sources[name], name)

    sizes = {
        "rgb_37x23.png": [(100, 77), (11, 7), (37, 50)],
        "rgba_37x23.png": [(100, 77), (11, 7), (60, 23)],
        "rgb_300x217.png": [(97, 61), (150, 108), (301, 40)],
        "rgba_300x217.png": [(97, 61), (50, 230)],
        "rgb_64x64.png": [(23, 150), (64, 31), (97, 64), (1, 1)],
        "rgba_45x70.png": [(29, 111), (8, 13)],
    }
    for name, targets in sizes.items():
        for width, height in targets:
            for filter_name, resample in FILTERS.items():
                case(name, [{"op": "resize", "width": width, "height": height, "filter": filter_name}],
                     sources[name].resize((width, height), resample))

    # CustomNet: the object image, whatever its size, to 256x256 with Pillow's default BICUBIC.
    for name in ["rgb_37x23.png", "rgb_300x217.png", "rgba_300x217.png"]:
        case(name, [{"op": "resize", "width": 256, "height": 256, "filter": "bicubic"}],
             sources[name].resize((256, 256), Image.Resampling.BICUBIC))

    # DINO (Resize 256) and CLIP (Resize 224), both then CenterCrop 224, on PIL images.
    bicubic = transforms.InterpolationMode.BICUBIC
    for short_side, names in [(256, ["rgb_37x23.png", "rgb_300x217.png", "rgba_45x70.png"]),
                              (224, ["rgba_37x23.png", "rgb_300x217.png", "rgb_64x64.png"])]:
        recipe = transforms.Compose([transforms.Resize(short_side, interpolation=bicubic), transforms.CenterCrop(224)])
        for name in names:
            case(name, [{"op": "resize_shorter_side", "size": short_side, "filter": "bicubic"},
                        {"op": "centre_crop", "width": 224, "height": 224}], recipe(sources[name]))

    for name, image in sources.items():
        case(name, [{"op": "resize_shorter_side", "size": 50, "filter": "bilinear"}],
             transforms.Resize(50, interpolation=transforms.InterpolationMode.BILINEAR)(image))
        for width, height in [(200, 200), (70, 70), (50, 50), (30, 30), (200, 50)]:
            case(name, [{"op": "thumbnail", "width": width, "height": height, "filter": "lanczos"}],
                 thumbnail(image, width, height))

    for name, crops in {"rgb_37x23.png": [(34, 20), (40, 20), (36, 22)], "rgba_37x23.png": [(41, 27)],
                        "rgb_64x64.png": [(31, 30), (33, 33), (63, 64)], "rgb_300x217.png": [(224, 200)]}.items():
        for width, height in crops:
            case(name, [{"op": "centre_crop", "width": width, "height": height}],
                 transforms.CenterCrop((height, width))(sources[name]))

    manifest = {"generator": "ops/reference/make_resize_fixtures.py", "seed": SEED,
                "versions": {"pillow": PIL.__version__, "torchvision": torchvision.__version__, "numpy": np.__version__},
                "cases": cases}
    (ROOT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    total = sum(path.stat().st_size for path in ROOT.iterdir())
    print(f"wrote {len(cases)} cases to {ROOT} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
