#!/usr/bin/env python3
"""Writes Tests/Fixtures/pipeline/: a whole tiny CustomNet (the `tiny` preset) and one image made by an
independent PyTorch reference of the official pipeline (customnet-spec §1.13).

The reference is assembled from diffusers / transformers modules (UNet with the dual cross-attention
processor, AutoencoderKL, CLIPVisionModelWithProjection, CLIPTextModel) with random fp16-exact weights,
converted into the official key layout and saved as a real torch.save zip (`customnet_tiny.pt`). It runs
the official procedure step by step: PIL bicubic resize of the object, bilinear placement into the box on
a white canvas, VAE posterior mean (unscaled), CLIP image embedding + pose through cc_projection, CLIP
text embedding, x_T from torch.randn with a seeded CPU generator, 49 DDIM steps with two separate
batch-1 UNet passes and guidance 3, decode of x/0.18215, truncating uint8 conversion. Every step's
latent and the final image are saved. Run by hand, never by CI:

    ../venv-ref/bin/python ops/reference/make_pipeline_fixtures.py
"""
import json
import math
import pathlib
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import make_tower_fixtures as towers  # noqa: E402
import make_unet_fixtures as unets  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "pipeline"
IMAGE, LATENT, CONTEXT = 64, 8, 32
BOX = (6, 10, 58, 60)  # x0, y0, x1, y1 in pixels of the 64-pixel frame
POLAR, AZIMUTH = 15.0, -30.0
PROMPT = "a photo of a toy robot on the beach at sunset"
SEED, STEPS, GUIDANCE = 1234, 50, 3.0
BOS, EOS = 49406, 49407


def schedule_buffers():
    """LDM DDPM.register_schedule for the 'linear' schedule, v_posterior 0, in float64, saved as float32."""
    betas = np.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=np.float64) ** 2
    alphas = 1.0 - betas
    cumprod = np.cumprod(alphas, axis=0)
    prev = np.append(1.0, cumprod[:-1])
    variance = betas * (1.0 - prev) / (1.0 - cumprod)
    table = {
        "betas": betas, "alphas_cumprod": cumprod, "alphas_cumprod_prev": prev,
        "sqrt_alphas_cumprod": np.sqrt(cumprod), "sqrt_one_minus_alphas_cumprod": np.sqrt(1.0 - cumprod),
        "log_one_minus_alphas_cumprod": np.log(1.0 - cumprod), "sqrt_recip_alphas_cumprod": np.sqrt(1.0 / cumprod),
        "sqrt_recipm1_alphas_cumprod": np.sqrt(1.0 / cumprod - 1), "posterior_variance": variance,
        "posterior_log_variance_clipped": np.log(np.maximum(variance, 1e-20)),
        "posterior_mean_coef1": betas * np.sqrt(prev) / (1.0 - cumprod),
        "posterior_mean_coef2": (1.0 - prev) * np.sqrt(alphas) / (1.0 - cumprod),
    }
    return {k: torch.tensor(v, dtype=torch.float32) for k, v in table.items()}


def tokens(text):
    from open_clip.tokenizer import SimpleTokenizer
    ids = SimpleTokenizer().encode(text)[:75]
    return torch.tensor([[BOS] + ids + [EOS] + [EOS] * (75 - len(ids))], dtype=torch.int64)


def object_image():
    """An 80×72 RGB test object on white: a gradient disc, a dark bar, and some texture."""
    y, x = np.mgrid[0:72, 0:80].astype(np.float32)
    image = np.full((72, 80, 3), 255, np.float32)
    disc = (x - 38) ** 2 + (y - 34) ** 2 < 26 ** 2
    image[disc] = np.stack([x * 3, 200 - y * 2, 90 + (x + y)], -1)[disc]
    image[50:58, 14:66] = [30, 40, 60]
    image += 12 * np.sin(x * 0.9)[..., None] * disc[..., None]
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8), "RGB")


def main():
    ROOT.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    unet = unets.build()
    vae = towers.build_vae((32, 32, 64, 64), 1, seed=11)
    vision = towers.build_vision(image_size=32, patch_size=8, width=64, layers=2, heads=2, output_dimension=CONTEXT, seed=12)
    text = towers.build_text(CONTEXT, 2, 2, seed=13)
    projection = torch.nn.Linear(CONTEXT + 4, CONTEXT)
    towers.randomize(projection, 14)

    checkpoint = {}
    checkpoint.update(unets.ldm_state_dict(unet))
    checkpoint.update({towers.VAE_PREFIX + k: v for k, v in towers.vae_to_ldm(vae.state_dict(), 4).items()})
    checkpoint.update({towers.VISION_PREFIX + k: v for k, v in towers.vision_to_openai(vision.state_dict()).items()})
    g = torch.Generator().manual_seed(15)
    leftovers = {  # OpenAI CLIP's text side, kept in the official file though its transformer is gone
        "positional_embedding": torch.randn(77, CONTEXT, generator=g).half().float(),
        "text_projection": torch.randn(CONTEXT, CONTEXT, generator=g).half().float(),
        "logit_scale": torch.tensor(4.6052),
        "token_embedding.weight": None,  # added below as a stride-0 view: the same row 49408 times
        "ln_final.weight": torch.ones(CONTEXT), "ln_final.bias": torch.zeros(CONTEXT),
    }
    checkpoint.update({"cond_stage_model.model." + k: v for k, v in leftovers.items() if v is not None})
    checkpoint.update({"cc_projection." + k: v for k, v in projection.state_dict().items()})
    checkpoint.update({towers.TEXT_PREFIX + k: v for k, v in towers.text_to_checkpoint(text.state_dict()).items()})
    stored = {k: (v.half() if v.is_floating_point() else v) for k, v in checkpoint.items()}
    stored["cond_stage_model.model.token_embedding.weight"] = torch.randn(1, CONTEXT, generator=g).half().expand(49408, CONTEXT)
    stored.update(schedule_buffers())
    torch.save(stored, ROOT / "customnet_tiny.pt")
    alphas = stored["alphas_cumprod"]

    # The official procedure, batch 1, fp32.
    source = object_image()
    source.save(ROOT / "object.png")
    with torch.no_grad():
        resized = source.resize((IMAGE, IMAGE), Image.BICUBIC)
        obj = torch.from_numpy(np.asarray(resized).astype(np.float32) / 255 * 2 - 1).permute(2, 0, 1)[None]
        x0, y0, x1, y1 = BOX
        location = torch.ones(1, 3, IMAGE, IMAGE)
        location[:, :, y0:y1, x0:x1] = F.interpolate(obj, size=(y1 - y0, x1 - x0), mode="bilinear", align_corners=False)
        c_concat = vae.encode(location).latent_dist.mode()
        e_img = vision(pixel_values=towers.customnet_clip_preprocess(obj, 32)).image_embeds
        pose = torch.tensor([[math.radians(POLAR), math.sin(math.radians(AZIMUTH)), math.cos(math.radians(AZIMUTH)), 0.0]])
        c_img = projection(torch.cat([e_img, pose], dim=-1))[:, None]
        e_txt = text(input_ids=tokens(PROMPT)).last_hidden_state
        e_empty = text(input_ids=tokens("")).last_hidden_state
        context_c = torch.cat([c_img, e_txt], dim=1)
        context_u = torch.cat([torch.zeros_like(c_img), e_empty], dim=1)
        x = torch.randn((1, 4, LATENT, LATENT), generator=torch.Generator().manual_seed(SEED))
        x_T = x.clone()
        latents = []
        for k in range(STEPS - 2, -1, -1):
            t = 20 * k + 1
            a, a_prev = alphas[t], alphas[t - 20] if k > 0 else alphas[0]
            timestep = torch.tensor([t])
            e_c = unet(torch.cat([x, c_concat], 1), timestep, encoder_hidden_states=context_c).sample
            e_u = unet(torch.cat([x, torch.zeros_like(c_concat)], 1), timestep, encoder_hidden_states=context_u).sample
            e = e_u + GUIDANCE * (e_c - e_u)
            pred_x0 = (x - (1 - a).sqrt() * e) / a.sqrt()
            x = a_prev.sqrt() * pred_x0 + (1 - a_prev).sqrt() * e
            latents.append(x)
        decoded = vae.decode(x / 0.18215).sample
        pixels = (torch.clamp((decoded + 1) / 2, 0, 1) * 255).permute(0, 2, 3, 1)[0].numpy().astype(np.uint8)
    Image.fromarray(pixels, "RGB").save(ROOT / "expected.png")
    for name, value in {"x_T": x_T, "latents": torch.stack(latents), "decoded": decoded, "c_concat": c_concat,
                        "object_embedding": e_img, "text_embedding": e_txt, "object_tensor": obj}.items():
        np.save(ROOT / f"{name}.npy", value.float().numpy())
    manifest = {"generator": "ops/reference/make_pipeline_fixtures.py", "torch": torch.__version__, "box": BOX,
                "polar": POLAR, "azimuth": AZIMUTH, "prompt": PROMPT, "seed": SEED, "steps": STEPS, "guidance": GUIDANCE,
                "timesteps": [20 * k + 1 for k in range(STEPS - 2, -1, -1)]}
    (ROOT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print("wrote", ROOT)


if __name__ == "__main__":
    main()
