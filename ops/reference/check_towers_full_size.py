#!/usr/bin/env python3
"""Opt-in, not CI: writes real-size tower fixtures outside the repository, in the layout of
Tests/Fixtures/towers (see make_tower_fixtures.py), for FullSizeTowerParityTests:

  VAE         AutoencoderKL at customNetV1 (128 × [1,2,4,4], 2 res blocks), encode at 256², decode 32²
  CLIP vision ViT-L/14 at 224 (input images 256², resized as CustomNet does)
  CLIP text   CLIP-L (768 wide, 12 layers, 12 heads), the empty prompt and a 12-token one

Random fp16-rounded weights (about 1 GB as fp16 safetensors); the reference runs in float64 on the
CPU and takes a few minutes. Then run the Swift side, in a release build:

    ../venv-ref/bin/python ops/reference/check_towers_full_size.py [folder, default /tmp/customnet-full-size]
    CUSTOMNET_FULL_SIZE_FIXTURES=/tmp/customnet-full-size swift test -c release --filter FullSizeTowerParityTests
"""
import pathlib
import sys
import time

from make_tower_fixtures import write_fixtures


def main():
    folder = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/customnet-full-size").resolve()
    repository = pathlib.Path(__file__).resolve().parents[2]
    assert repository not in folder.parents, f"{folder} is inside the repository; full-size fixtures stay outside it"
    start = time.time()
    write_fixtures(
        folder, vae_channels=(128, 256, 512, 512), vae_layers=2,
        vision=dict(image_size=224, patch_size=14, width=1024, layers=24, heads=16, output_dimension=768),
        text=dict(width=768, layers=12, heads=12),
        image_size=256, text_lengths=(0, 12))
    total = sum(path.stat().st_size for path in folder.iterdir())
    print(f"wrote {folder} ({total / 1e9:.2f} GB) in {time.time() - start:.0f} s; now run:\n"
          f"CUSTOMNET_FULL_SIZE_FIXTURES={folder} swift test -c release --filter FullSizeTowerParityTests")


if __name__ == "__main__":
    main()
