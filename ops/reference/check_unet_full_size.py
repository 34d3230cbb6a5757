#!/usr/bin/env python3
"""Opt-in, not CI: writes a real-size UNet fixture outside the repository for FullSizeUNetParityTests:
the customNetV1 UNet (SD-1.5 with 8 input channels and dual cross-attention, 878,701,764 parameters)
built with diffusers' UNet2DConditionModel and CustomNet's attn2 processor (make_unet_fixtures.build at
full size), random fp16-rounded weights converted into the official LDM layout (every key mapped, none
left over):

  unet.safetensors   model.diffusion_model.* as fp16 (1.8 GB)
  x                  (2, 8, 32, 32): the noisy latent and the concat conditioning
  context            (2, 78, 768): the object token, then 77 text tokens
  eps_t481           ε at t = 481, (2, 4, 32, 32)

The arrays are float32 .npy. The reference runs in float64 on the rounded weights (9.4 GB of memory at
peak, about a minute on 2 cores), so the expected ε carries no float32 rounding of its own; only the timestep
sinusoid is float32, as diffusers (and CustomNet) compute it. Then run the Swift side, in a release
build, with no other large process running:

    ../venv-ref/bin/python ops/reference/check_unet_full_size.py [folder, default /tmp/customnet-full-size-unet]
    CUSTOMNET_FULL_SIZE_FIXTURES=/tmp/customnet-full-size-unet swift test -c release --filter FullSizeUNetParityTests
"""
import json
import pathlib
import sys
import time

import diffusers
import numpy as np
import torch
from safetensors.torch import save_file

from make_unet_fixtures import build, ldm_state_dict

# customNetV1 (customnet-spec §2.3 and §4.1).
CONFIG = dict(blocks=(320, 640, 1280, 1280), layers_per_block=2, attention_levels={0, 1, 2})
CONTEXT, SAMPLE_SIZE, TIMESTEP = 768, 32, 481
PARAMETERS = 878_701_764


def main():
    folder = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/customnet-full-size-unet").resolve()
    repository = pathlib.Path(__file__).resolve().parents[2]
    assert repository not in folder.parents, f"{folder} is inside the repository; full-size fixtures stay outside it"
    folder.mkdir(parents=True, exist_ok=True)
    start = time.time()
    unet = build(**CONFIG, context=CONTEXT, sample_size=SAMPLE_SIZE)
    weights = ldm_state_dict(unet, **CONFIG)
    parameters = sum(v.numel() for v in weights.values())
    assert parameters == PARAMETERS, f"{parameters} parameters, customnet-spec §2.3 says {PARAMETERS}"
    save_file({k: v.half() for k, v in weights.items()}, str(folder / "unet.safetensors"))
    del weights

    generator = torch.Generator().manual_seed(8)
    x = torch.randn(2, 8, SAMPLE_SIZE, SAMPLE_SIZE, generator=generator)
    context = torch.randn(2, 78, CONTEXT, generator=generator)
    unet = unet.double()
    with torch.inference_mode():
        eps = unet(x.double(), torch.tensor([TIMESTEP, TIMESTEP]), encoder_hidden_states=context.double()).sample
    for name, value in {"x": x, "context": context, f"eps_t{TIMESTEP}": eps}.items():
        np.save(folder / f"{name}.npy", value.float().numpy())
    manifest = {"generator": "ops/reference/" + pathlib.Path(__file__).name, "torch": torch.__version__,
                "diffusers": diffusers.__version__, "reference_dtype": "float64 on fp16-rounded weights",
                "parameters": parameters, "timestep": TIMESTEP, "blocks": list(CONFIG["blocks"]),
                "layers_per_block": CONFIG["layers_per_block"], "attention_levels": sorted(CONFIG["attention_levels"]),
                "context": CONTEXT}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    total = sum(path.stat().st_size for path in folder.iterdir())
    print(f"wrote {folder} ({total / 1e9:.2f} GB) in {time.time() - start:.0f} s; now run:\n"
          f"CUSTOMNET_FULL_SIZE_FIXTURES={folder} swift test -c release --filter FullSizeUNetParityTests")


if __name__ == "__main__":
    main()
