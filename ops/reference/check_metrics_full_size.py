#!/usr/bin/env python3
"""Opt-in, not CI: writes real-size metric fixtures outside the repository, in the layout of
Tests/Fixtures/metrics (see make_metric_fixtures.py), for FullSizeMetricParityTests:

  DINO  ViT-S/16 (224 px, 16 px patches, 384 wide, 12 layers, 6 heads, MLP 1536; the facebook/dino-vits16
        shapes, layer_norm_eps 1e-6 as in the DINO repository), as a Hugging Face folder and a torch-hub
        state dict; the metric input is 224 px, so no interpolation runs
  CLIP  ViT-B/32 (the openai/clip-vit-base-patch32 shapes: vision 768 wide, 12 layers, 12 heads, 32 px
        patches; text 512 wide, 12 layers, 8 heads; 512-d embeddings)

Random fp16-rounded weights (about 400 MB); the reference runs in float64 on the CPU in about a minute.
Then run the Swift side, in a release build (it prints the largest errors):

    ../venv-ref/bin/python ops/reference/check_metrics_full_size.py [folder, default /tmp/customnet-metrics-full-size]
    CUSTOMNET_FULL_SIZE_METRIC_FIXTURES=/tmp/customnet-metrics-full-size swift test -c release --filter FullSizeMetricParityTests
"""
import pathlib
import sys
import time

from make_metric_fixtures import write_fixtures

VITS16 = dict(image_size=224, patch_size=16, width=384, layers=12, heads=6, feed_forward_width=1536)
VITB32 = dict(projection_dim=512, vision=dict(image_size=224, patch_size=32, width=768, layers=12, heads=12),
              text=dict(width=512, layers=12, heads=8))


def main():
    folder = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/customnet-metrics-full-size").resolve()
    repository = pathlib.Path(__file__).resolve().parents[2]
    assert repository not in folder.parents, f"{folder} is inside the repository; full-size fixtures stay outside it"
    start = time.time()
    write_fixtures(folder, VITS16, VITB32)
    total = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    print(f"wrote {folder} ({total / 1e6:.0f} MB) in {time.time() - start:.0f} s; now run:\n"
          f"CUSTOMNET_FULL_SIZE_METRIC_FIXTURES={folder} swift test -c release --filter FullSizeMetricParityTests")


if __name__ == "__main__":
    main()
