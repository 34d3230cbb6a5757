#!/usr/bin/env python3
"""Writes Tests/Fixtures/towers/: tiny versions of CustomNet's VAE and CLIP towers built from the
reference implementations (diffusers AutoencoderKL, transformers CLIPVisionModelWithProjection and
CLIPTextModel), random weights converted into the official checkpoint layout (customnet-spec §3.4–3.6,
through the tables of §4.2–4.4: every key mapped, none left over), and inputs/outputs as .npy:

  vae.safetensors          first_stage_model.*                  (VAEConfig.tiny)
  clip_vision.safetensors  cond_stage_model.model.visual.*      (CLIPVisionConfig.tiny)
  clip_text.safetensors    text_encoder.transformer.text_model.* (width 16, 2 layers, 2 heads; with the
                           int64 embeddings.position_ids the official checkpoint holds)
  image                    (2,3,64,64) in [-1,1], the input of both image models
  vae_mean                 encode: latent_dist.mode() (2,4,8,8)
  vae_latent / vae_decoded decode: (2,4,8,8) -> (2,3,64,64)
  clip_pixels / clip_embeds
                           CustomNet's preprocessing of `image` (§2.8), then image_embeds
  text_tokens / text_hidden / text_pooled
                           (3,77) ids as float32 -> last_hidden_state, pooler_output

Weights are rounded to fp16 and stored as fp16 (the text tower's 49408-row token table alone would be
3.2 MB at width 32, hence width 16); the models run in float64 on the rounded weights, so the expected
outputs carry no float32 rounding of their own. The CLIP preprocessing alone runs in float32, as in
CustomNet: PyTorch computes the bicubic source coordinates in the input's type, which moves the pixels of
a noise image by up to ~1e-4 against exact arithmetic, and that is the behaviour to match. Run by hand,
never by CI:

    ../venv-ref/bin/python ops/reference/make_tower_fixtures.py
"""
import json
import math
import pathlib
import re

import diffusers
import numpy as np
import torch
import torch.nn.functional as F
import transformers
from diffusers import AutoencoderKL
from safetensors.torch import save_file
from transformers import CLIPTextConfig, CLIPTextModel, CLIPVisionConfig, CLIPVisionModelWithProjection

ROOT = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "towers"
VAE_PREFIX = "first_stage_model."
VISION_PREFIX = "cond_stage_model.model.visual."
TEXT_PREFIX = "text_encoder.transformer."
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
BOS, EOS = 49406, 49407


def randomize(model, seed):
    """Random fp16-representable weights: norm scales 1 + 0.1·N, other vectors 0.1·N, matrices and
    convolutions N / sqrt(fan-in), so every parameter matters and activations stay near unit scale."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=generator, dtype=torch.float32)
            if p.ndim == 1 and "norm" in name and name.endswith("weight"):
                value = 1 + 0.1 * noise
            elif p.ndim == 1:
                value = 0.1 * noise
            else:
                value = noise / math.sqrt(p[0].numel())
            p.copy_(value.half().float())
    return model.eval()


# ---------------------------------------------------------------------------------------------- VAE

def build_vae(block_out_channels, layers_per_block, seed):
    vae = AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=4,
        down_block_types=("DownEncoderBlock2D",) * len(block_out_channels),
        up_block_types=("UpDecoderBlock2D",) * len(block_out_channels),
        block_out_channels=block_out_channels, layers_per_block=layers_per_block,
        act_fn="silu", norm_num_groups=32, sample_size=256)
    return randomize(vae, seed)


LDM_VAE_KEY = re.compile(
    r"(encoder\.(conv_in|conv_out|norm_out|down\.\d+\.(block\.\d+\.(norm1|norm2|conv1|conv2|nin_shortcut)|downsample\.conv))"
    r"|decoder\.(conv_in|conv_out|norm_out|up\.\d+\.(block\.\d+\.(norm1|norm2|conv1|conv2|nin_shortcut)|upsample\.conv))"
    r"|(encoder|decoder)\.mid\.(block_[12]\.(norm1|norm2|conv1|conv2)|attn_1\.(norm|q|k|v|proj_out))"
    r"|quant_conv|post_quant_conv)\.(weight|bias)")


def vae_to_ldm(state_dict, levels):
    """diffusers AutoencoderKL keys -> LDM keys (customnet-spec §4.2, read right to left)."""
    attention = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out.0": "proj_out"}
    out = {}
    for key, value in state_dict.items():
        new = key
        new = re.sub(r"^encoder\.down_blocks\.(\d+)\.resnets\.", r"encoder.down.\1.block.", new)
        new = re.sub(r"^encoder\.down_blocks\.(\d+)\.downsamplers\.0\.conv\.", r"encoder.down.\1.downsample.conv.", new)
        new = re.sub(r"^decoder\.up_blocks\.(\d+)\.resnets\.", lambda m: f"decoder.up.{levels - 1 - int(m[1])}.block.", new)
        new = re.sub(r"^decoder\.up_blocks\.(\d+)\.upsamplers\.0\.conv\.", lambda m: f"decoder.up.{levels - 1 - int(m[1])}.upsample.conv.", new)
        new = re.sub(r"\.mid_block\.resnets\.([01])\.", lambda m: f".mid.block_{int(m[1]) + 1}.", new)
        match = re.match(r"^(encoder|decoder)\.mid_block\.attentions\.0\.(group_norm|to_q|to_k|to_v|to_out\.0)\.(weight|bias)$", new)
        if match:
            new = f"{match[1]}.mid.attn_1.{attention[match[2]]}.{match[3]}"
            if match[2] != "group_norm" and match[3] == "weight":
                value = value.reshape(*value.shape, 1, 1)  # Linear (C, C) -> 1×1 conv (C, C, 1, 1)
        new = new.replace(".conv_shortcut.", ".nin_shortcut.").replace("conv_norm_out.", "norm_out.")
        assert LDM_VAE_KEY.fullmatch(new), f"VAE key {key} mapped to {new}, which is not an LDM key"
        assert new not in out, f"two VAE keys map to {new}"
        out[new] = value
    return out


# ------------------------------------------------------------------------------------- CLIP vision

def build_vision(image_size, patch_size, width, layers, heads, output_dimension, seed):
    config = CLIPVisionConfig(
        image_size=image_size, patch_size=patch_size, hidden_size=width, intermediate_size=4 * width,
        num_hidden_layers=layers, num_attention_heads=heads, projection_dim=output_dimension,
        hidden_act="quick_gelu", layer_norm_eps=1e-5, num_channels=3)
    model = CLIPVisionModelWithProjection._from_config(config, attn_implementation="eager")
    return randomize(model, seed)


def vision_to_openai(state_dict):
    """HF CLIPVisionModelWithProjection keys -> OpenAI `visual.` keys (customnet-spec §4.3)."""
    sd = dict(state_dict)
    out = {
        "class_embedding": sd.pop("vision_model.embeddings.class_embedding"),
        "conv1.weight": sd.pop("vision_model.embeddings.patch_embedding.weight"),
        "positional_embedding": sd.pop("vision_model.embeddings.position_embedding.weight"),
        "proj": sd.pop("visual_projection.weight").t().contiguous(),
    }
    for hf, openai in (("pre_layrnorm", "ln_pre"), ("post_layernorm", "ln_post")):
        for kind in ("weight", "bias"):
            out[f"{openai}.{kind}"] = sd.pop(f"vision_model.{hf}.{kind}")
    layer = 0
    while f"vision_model.encoder.layers.{layer}.layer_norm1.weight" in sd:
        hf, openai = f"vision_model.encoder.layers.{layer}.", f"transformer.resblocks.{layer}."
        for kind in ("weight", "bias"):
            out[f"{openai}attn.in_proj_{kind}"] = torch.cat([sd.pop(f"{hf}self_attn.{p}_proj.{kind}") for p in "qkv"])
            for hf_name, openai_name in (("self_attn.out_proj", "attn.out_proj"), ("layer_norm1", "ln_1"), ("layer_norm2", "ln_2"),
                                         ("mlp.fc1", "mlp.c_fc"), ("mlp.fc2", "mlp.c_proj")):
                out[f"{openai}{openai_name}.{kind}"] = sd.pop(f"{hf}{hf_name}.{kind}")
        layer += 1
    assert not sd, f"vision keys left over: {sorted(sd)}"
    return out


def customnet_clip_preprocess(image, size):
    """customnet-spec §2.8: bicubic with corners aligned and no antialias, (x + 1) / 2, CLIP mean/std."""
    x = F.interpolate(image, size=(size, size), mode="bicubic", align_corners=True)
    x = (x + 1) / 2
    mean = torch.tensor(CLIP_MEAN, dtype=x.dtype).view(1, 3, 1, 1)
    std = torch.tensor(CLIP_STD, dtype=x.dtype).view(1, 3, 1, 1)
    return (x - mean) / std


# --------------------------------------------------------------------------------------- CLIP text

def build_text(width, layers, heads, seed):
    config = CLIPTextConfig(
        vocab_size=49408, max_position_embeddings=77, hidden_size=width, intermediate_size=4 * width,
        num_hidden_layers=layers, num_attention_heads=heads, hidden_act="quick_gelu", layer_norm_eps=1e-5,
        bos_token_id=BOS, eos_token_id=EOS, pad_token_id=EOS)
    model = CLIPTextModel._from_config(config, attn_implementation="eager")
    return randomize(model, seed)


def text_to_checkpoint(state_dict):
    """HF CLIPTextModel keys -> the checkpoint's (customnet-spec §4.4: the prefix only), plus the
    int64 `embeddings.position_ids` [1, 77] buffer that transformers 4.22 saved."""
    assert all(key.startswith("text_model.") for key in state_dict), sorted(state_dict)
    assert "text_model.embeddings.position_ids" not in state_dict
    out = dict(state_dict)
    out["text_model.embeddings.position_ids"] = torch.arange(77, dtype=torch.int64)[None]
    return out


def token_rows(generator, lengths):
    """One row per text length: BOS, random ids, EOS, padding with EOS to 77 (0 = the empty prompt)."""
    rows = []
    for length in lengths:
        ids = torch.randint(0, BOS, (length,), generator=generator).tolist()
        rows.append([BOS] + ids + [EOS] * (77 - 1 - length))
    return torch.tensor(rows, dtype=torch.int64)


# ---------------------------------------------------------------------------------------- writing

def save_weights(path, tensors):
    """Floating tensors as fp16 (they are fp16-exact), integer ones as they are."""
    save_file({k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in tensors.items()}, str(path))


def save_array(folder, name, tensor):
    np.save(folder / f"{name}.npy", tensor.detach().to(torch.float32).contiguous().numpy())


def write_fixtures(folder, vae_channels, vae_layers, vision, text, image_size, text_lengths):
    """Builds the three models, writes their weights and the reference inputs/outputs into `folder`,
    and returns the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    generator = torch.Generator().manual_seed(20261126)
    vae = build_vae(vae_channels, vae_layers, seed=1)
    save_weights(folder / "vae.safetensors", {VAE_PREFIX + k: v for k, v in vae_to_ldm(vae.state_dict(), len(vae_channels)).items()})
    vision_model = build_vision(**vision, seed=2)
    save_weights(folder / "clip_vision.safetensors", {VISION_PREFIX + k: v for k, v in vision_to_openai(vision_model.state_dict()).items()})
    text_model = build_text(**text, seed=3)
    save_weights(folder / "clip_text.safetensors", {TEXT_PREFIX + k: v for k, v in text_to_checkpoint(text_model.state_dict()).items()})

    factor = 2 ** (len(vae_channels) - 1)
    image = torch.rand(2, 3, image_size, image_size, generator=generator) * 2 - 1
    vae_latent = torch.randn(2, 4, image_size // factor, image_size // factor, generator=generator)
    tokens = token_rows(generator, text_lengths)
    # float64 throughout (the default dtype too: transformers builds its causal mask in it).
    torch.set_default_dtype(torch.float64)
    with torch.no_grad():
        vae, vision_model, text_model = vae.double(), vision_model.double(), text_model.double()
        save_array(folder, "image", image)
        save_array(folder, "vae_mean", vae.encode(image.double()).latent_dist.mode())
        save_array(folder, "vae_latent", vae_latent)
        save_array(folder, "vae_decoded", vae.decode(vae_latent.double()).sample)
        pixels = customnet_clip_preprocess(image, vision["image_size"]).double()
        save_array(folder, "clip_pixels", pixels)
        save_array(folder, "clip_embeds", vision_model(pixel_values=pixels).image_embeds)
        encoded = text_model(input_ids=tokens)
        save_array(folder, "text_tokens", tokens)
        save_array(folder, "text_hidden", encoded.last_hidden_state)
        save_array(folder, "text_pooled", encoded.pooler_output)
    torch.set_default_dtype(torch.float32)
    manifest = {
        "generator": "ops/reference/" + pathlib.Path(__file__).name,
        "torch": torch.__version__, "diffusers": diffusers.__version__, "transformers": transformers.__version__,
        "reference_dtype": "float64 on fp16-rounded weights; CLIP preprocessing in float32",
        "vae": {"block_out_channels": list(vae_channels), "layers_per_block": vae_layers, "image_size": image_size},
        "clip_vision": vision, "clip_text": text, "text_lengths": list(text_lengths),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main():
    write_fixtures(
        ROOT, vae_channels=(32, 32, 64, 64), vae_layers=1,
        vision=dict(image_size=32, patch_size=8, width=64, layers=2, heads=2, output_dimension=32),
        text=dict(width=16, layers=2, heads=2),
        image_size=64, text_lengths=(0, 5, 75))
    total = sum(path.stat().st_size for path in ROOT.iterdir())
    print(f"wrote {ROOT} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
