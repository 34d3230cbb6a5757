#!/usr/bin/env python3
"""Writes Tests/Fixtures/unet/: a tiny CustomNet UNet (the `tiny` preset of UNetConfig) built from
diffusers' UNet2DConditionModel with CustomNet's dual cross-attention added as an attention processor,
random weights converted into the official LDM key layout (every key mapped, none left over), and
inputs/outputs of the timestep embedding, one ResBlock, one SpatialTransformer and the whole UNet.
Weights are rounded to fp16 and stored as fp16 safetensors; the reference runs in fp32 on the rounded
weights. Run by hand, never by CI:

    ../venv-ref/bin/python ops/reference/make_unet_fixtures.py
"""
import json
import math
import pathlib

import numpy as np
import torch
import torch.nn.functional as F
from diffusers import UNet2DConditionModel
from diffusers.models.attention_processor import AttnProcessor2_0
from safetensors.torch import save_file

ROOT = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "unet"
BLOCKS = (32, 64, 64)
LAYERS_PER_BLOCK = 1
ATTENTION_LEVELS = {0, 1}
CONTEXT = 32


class DualCrossAttention:
    """CustomNet's attn2: token 0 through to_k/to_v, tokens 1.. through to_k_text/to_v_text, outputs summed."""

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, temb=None, **kwargs):
        b, n, _ = hidden_states.shape

        def heads(t):
            return t.view(t.shape[0], t.shape[1], attn.heads, -1).transpose(1, 2)

        q = heads(attn.to_q(hidden_states))
        obj, text = encoder_hidden_states[:, :1], encoder_hidden_states[:, 1:]
        out = F.scaled_dot_product_attention(q, heads(attn.to_k(obj)), heads(attn.to_v(obj)))
        out = out + F.scaled_dot_product_attention(q, heads(attn.to_k_text(text)), heads(attn.to_v_text(text)))
        out = out.transpose(1, 2).reshape(b, n, -1)
        return attn.to_out[1](attn.to_out[0](out))


def build(blocks=BLOCKS, layers_per_block=LAYERS_PER_BLOCK, attention_levels=ATTENTION_LEVELS, context=CONTEXT, sample_size=8):
    """A diffusers UNet with CustomNet's dual attn2 (8 heads, 8 input channels) and random fp16-rounded
    weights; the defaults are the tiny fixture, check_unet_full_size.py passes customNetV1's sizes."""
    unet = UNet2DConditionModel(
        sample_size=sample_size, in_channels=8, out_channels=4, block_out_channels=blocks, layers_per_block=layers_per_block,
        down_block_types=tuple("CrossAttnDownBlock2D" if i in attention_levels else "DownBlock2D" for i in range(len(blocks))),
        up_block_types=tuple("CrossAttnUpBlock2D" if (len(blocks) - 1 - i) in attention_levels else "UpBlock2D" for i in range(len(blocks))),
        attention_head_dim=8, cross_attention_dim=context, norm_num_groups=32, norm_eps=1e-5,
        flip_sin_to_cos=True, freq_shift=0, downsample_padding=1, use_linear_projection=False)
    processors = {}
    for name in unet.attn_processors:
        if name.endswith("attn2.processor"):
            module = unet.get_submodule(name[: -len(".processor")])
            module.to_k_text = torch.nn.Linear(context, module.inner_dim, bias=False)
            module.to_v_text = torch.nn.Linear(context, module.inner_dim, bias=False)
            processors[name] = DualCrossAttention()
        else:
            processors[name] = AttnProcessor2_0()
    unet.set_attn_processor(processors)
    generator = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for name, p in unet.named_parameters():
            if p.ndim == 1 and ("norm" in name):
                value = 1 + 0.1 * torch.randn(p.shape, generator=generator) if name.endswith("weight") else 0.1 * torch.randn(p.shape, generator=generator)
            elif p.ndim == 1:
                value = 0.1 * torch.randn(p.shape, generator=generator)
            else:
                value = torch.randn(p.shape, generator=generator) / math.sqrt(p[0].numel())
            p.copy_(value.half().float())
    return unet.eval()


def ldm_state_dict(unet, blocks=BLOCKS, layers_per_block=LAYERS_PER_BLOCK, attention_levels=ATTENTION_LEVELS):
    """The UNet's weights in the official LDM layout (customnet-spec §4.1, read right to left), under
    `model.diffusion_model.`; `blocks`, `layers_per_block` and `attention_levels` are those it was built with."""
    sd = {k: v.detach().clone() for k, v in unet.state_dict().items()}
    out = {}

    def move(ldm, diffusers):
        keys = [k for k in sd if k.startswith(diffusers + ".")]
        assert keys, f"nothing under {diffusers}"
        for k in keys:
            out[ldm + k[len(diffusers):]] = sd.pop(k)

    def resnet(ldm, diffusers):
        for a, b in [("in_layers.0", "norm1"), ("in_layers.2", "conv1"), ("emb_layers.1", "time_emb_proj"),
                     ("out_layers.0", "norm2"), ("out_layers.3", "conv2")]:
            move(f"{ldm}.{a}", f"{diffusers}.{b}")
        if any(k.startswith(f"{diffusers}.conv_shortcut.") for k in sd):
            move(f"{ldm}.skip_connection", f"{diffusers}.conv_shortcut")

    move("time_embed.0", "time_embedding.linear_1")
    move("time_embed.2", "time_embedding.linear_2")
    move("input_blocks.0.0", "conv_in")
    index, levels = 1, len(blocks)
    for level in range(levels):
        for j in range(layers_per_block):
            resnet(f"input_blocks.{index}.0", f"down_blocks.{level}.resnets.{j}")
            if level in attention_levels:
                move(f"input_blocks.{index}.1", f"down_blocks.{level}.attentions.{j}")
            index += 1
        if level != levels - 1:
            move(f"input_blocks.{index}.0.op", f"down_blocks.{level}.downsamplers.0.conv")
            index += 1
    resnet("middle_block.0", "mid_block.resnets.0")
    move("middle_block.1", "mid_block.attentions.0")
    resnet("middle_block.2", "mid_block.resnets.1")
    index = 0
    for up in range(levels):
        level = levels - 1 - up
        for j in range(layers_per_block + 1):
            resnet(f"output_blocks.{index}.0", f"up_blocks.{up}.resnets.{j}")
            position = 1
            if level in attention_levels:
                move(f"output_blocks.{index}.1", f"up_blocks.{up}.attentions.{j}")
                position = 2
            if level != 0 and j == layers_per_block:
                move(f"output_blocks.{index}.{position}.conv", f"up_blocks.{up}.upsamplers.0.conv")
            index += 1
    move("out.0", "conv_norm_out")
    move("out.2", "conv_out")
    assert not sd, f"unmapped diffusers keys: {sorted(sd)}"
    return {"model.diffusion_model." + k: v.contiguous() for k, v in out.items()}


def main():
    ROOT.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    unet = build()
    weights = ldm_state_dict(unet)
    save_file({k: v.half() for k, v in weights.items()}, ROOT / "unet_tiny.safetensors")
    g = torch.Generator().manual_seed(8)
    x = torch.randn(2, 8, 8, 8, generator=g)
    context = torch.randn(2, 78, CONTEXT, generator=g)
    files = {"x": x, "context": context}
    with torch.no_grad():
        for t in (1, 481, 961):
            files[f"eps_t{t}"] = unet(x, torch.tensor([t, t]), encoder_hidden_states=context).sample
        files["time_embedding_t481"] = unet.time_proj(torch.tensor([481]))
        emb = unet.time_embedding(files["time_embedding_t481"].expand(2, -1).contiguous())
        h = torch.randn(2, 32, 8, 8, generator=g)
        files["block_input"], files["block_embedding"] = h, emb
        files["resblock"] = unet.down_blocks[0].resnets[0](h, emb)
        files["transformer"] = unet.down_blocks[0].attentions[0](h, encoder_hidden_states=context).sample
    for name, value in files.items():
        np.save(ROOT / f"{name}.npy", value.float().numpy())
    manifest = {"generator": "ops/reference/make_unet_fixtures.py", "torch": torch.__version__,
                "parameters": int(sum(v.numel() for v in weights.values())), "timesteps": [1, 481, 961],
                "resblock": "input_blocks.1.0", "transformer": "input_blocks.1.1"}
    (ROOT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print("wrote", ROOT, manifest["parameters"], "parameters")


if __name__ == "__main__":
    main()
