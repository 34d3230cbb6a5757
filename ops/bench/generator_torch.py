#!/usr/bin/env python3
"""Times the parts of one full-size CustomNet render in PyTorch (fp32, CPU, inference mode, random
weights), the reference for `customnet bench generator`, and prints one JSON object
{"torch": version, "threads": n, "seconds": {part: best seconds}} with the Swift side's keys:

  unet_step_batch2  diffusers UNet2DConditionModel, SD-1.5 config with 8 input channels, to_k_text /
                    to_v_text and CustomNet's dual attn2 processor (make_unet_fixtures.build at full
                    size), batch 2, 8×32×32 input, (2, 78, 768) context, t = 481
  vae_decode        AutoencoderKL (SD VAE config) decode, (1, 4, 32, 32) -> (1, 3, 256, 256)
  vae_encode        AutoencoderKL encode + latent_dist.mode(), (1, 3, 256, 256) -> (1, 4, 32, 32)
  clip_image        CustomNet's bicubic resize 256 -> 224 and normalisation, then
                    CLIPVisionModelWithProjection (ViT-L/14) image_embeds
  clip_text         CLIPTextModel (CLIP-L) last_hidden_state of one 77-token row
  per_image         49 × unet_step_batch2 + vae_encode + clip_image + 2 × clip_text + vae_decode

The CLIP towers use transformers' default attention (SDPA), the fastest it has on the CPU. One model is
in memory at a time (the UNet alone is 3.5 GB). Run by ops/bench/generator; needs torch, diffusers and
transformers (ops/reference/requirements.txt), never run by CI.
"""
import argparse
import json
import pathlib
import sys
import time

import torch
from transformers import CLIPTextConfig, CLIPTextModel, CLIPVisionConfig, CLIPVisionModelWithProjection

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "reference"))
from make_tower_fixtures import BOS, EOS, build_vae, customnet_clip_preprocess, randomize  # noqa: E402
from make_unet_fixtures import build as build_unet  # noqa: E402

# customNetV1 (customnet-spec §2.3, §2.6, §2.8, §2.9).
UNET = dict(blocks=(320, 640, 1280, 1280), layers_per_block=2, attention_levels={0, 1, 2}, context=768, sample_size=32)
VAE_CHANNELS, VAE_LAYERS = (128, 256, 512, 512), 2
IMAGE, LATENT, CLIP_IMAGE = 256, 32, 224
RUNS_PER_IMAGE = {"unet_step_batch2": 49, "vae_encode": 1, "clip_image": 1, "clip_text": 2, "vae_decode": 1}


def best_of(fn, repeats):
    """One warm-up call, then the fastest of `repeats` timed calls, in seconds, all in inference mode
    (the models are built outside it)."""
    with torch.inference_mode():
        fn()
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
    return best


def log(message):
    print(message, file=sys.stderr, flush=True)


def time_unet(generator, repeats):
    unet = build_unet(**UNET)
    x = torch.randn(2, 8, LATENT, LATENT, generator=generator)
    context = torch.randn(2, 78, UNET["context"], generator=generator)
    timesteps = torch.tensor([481, 481])
    return best_of(lambda: unet(x, timesteps, encoder_hidden_states=context).sample, repeats)


def time_vae(generator, repeats):
    vae = build_vae(VAE_CHANNELS, VAE_LAYERS, seed=1)
    latent = torch.randn(1, 4, LATENT, LATENT, generator=generator)
    image = torch.rand(1, 3, IMAGE, IMAGE, generator=generator) * 2 - 1
    return {"vae_decode": best_of(lambda: vae.decode(latent).sample, repeats),
            "vae_encode": best_of(lambda: vae.encode(image).latent_dist.mode(), repeats)}


def time_clip_image(generator, repeats):
    config = CLIPVisionConfig(image_size=CLIP_IMAGE, patch_size=14, hidden_size=1024, intermediate_size=4096,
                              num_hidden_layers=24, num_attention_heads=16, projection_dim=768,
                              hidden_act="quick_gelu", layer_norm_eps=1e-5, num_channels=3)
    model = randomize(CLIPVisionModelWithProjection._from_config(config), seed=2)
    image = torch.rand(1, 3, IMAGE, IMAGE, generator=generator) * 2 - 1
    return best_of(lambda: model(pixel_values=customnet_clip_preprocess(image, CLIP_IMAGE)).image_embeds, repeats)


def time_clip_text(repeats):
    config = CLIPTextConfig(vocab_size=49408, max_position_embeddings=77, hidden_size=768, intermediate_size=3072,
                            num_hidden_layers=12, num_attention_heads=12, hidden_act="quick_gelu", layer_norm_eps=1e-5,
                            bos_token_id=BOS, eos_token_id=EOS, pad_token_id=EOS)
    model = randomize(CLIPTextModel._from_config(config), seed=3)
    prompt = [BOS] + [320 + 17 * i for i in range(12)]  # the same row as the Swift side
    tokens = torch.tensor([prompt + [EOS] * (77 - len(prompt))])
    return best_of(lambda: model(input_ids=tokens).last_hidden_state, repeats)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(0)
    seconds = {}
    log("torch: UNet step ...")
    seconds["unet_step_batch2"] = time_unet(generator, args.repeats)
    log("torch: VAE ...")
    seconds.update(time_vae(generator, args.repeats))
    log("torch: CLIP image ...")
    seconds["clip_image"] = time_clip_image(generator, args.repeats)
    log("torch: CLIP text ...")
    seconds["clip_text"] = time_clip_text(args.repeats)
    seconds["per_image"] = sum(runs * seconds[key] for key, runs in RUNS_PER_IMAGE.items())
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "seconds": seconds}))


if __name__ == "__main__":
    main()
