#!/usr/bin/env python3
"""Writes Tests/Fixtures/metrics/: tiny versions of the metric encoders (DINO ViT and CLIP) with random
weights in the layouts users download, a few images, and what the standard recipes compute from them.
Tiny sizes: DINO 64 px in 16 px patches (a 4 × 4 grid, interpolated to 14 × 14 at the recipe's 224 px),
64 wide, 2 layers, 2 heads; CLIP 32 px in 8 px patches, 64 wide, text 8 wide, 32-d embeddings.

  dino/                       a Hugging Face `facebook/dino-vits16`-style folder: config.json (ViTConfig,
                              as `to_json_file` writes it) + model.safetensors (ViTModel without pooler)
  dino_hub.pth                the same weights as a torch-hub `dino_vits16` state dict (torch.save zip:
                              cls_token, pos_embed, patch_embed.proj, blocks.N.attn.qkv, ..., norm)
  clip/                       an `openai/clip-vit-base-patch32`-style folder: config.json (CLIPConfig) +
                              pytorch_model.bin (torch.save zip, CLIPModel keys plus the int64
                              position_ids buffers older transformers saved)
  object.png                  reference object, RGBA with a transparent background (black under it)
  object_side.png             a second reference, RGB
  generated_*.png             three "generated" images: landscape, portrait, one flat grey
  dino_native_pixels / dino_native_embeds
                              (2,3,S,S) pixels at the model's own size S -> CLS embeddings (no interpolation)
  dino_pixel_rows             rows 110..113 of each image's DINO input (Resize 256 bicubic, CenterCrop 224,
                              ImageNet mean/std; RGBA composited onto white first)
  dino_embeds / dino_hub_embeds
                              each image's DINO embedding at 224 px: HF ViTModel (interpolate_pos_encoding,
                              size-based bicubic) and the DINO repository's VisionTransformer (scale_factor
                              (grid + 0.1) / old grid), transcribed below
  clip_pixels / clip_image_embeds
                              each image's CLIP input (clip.py `_transform`) and CLIPModel.get_image_features
  prompt_tokens / clip_text_embeds
                              open_clip.tokenize(prompts) and CLIPModel.get_text_features
  manifest.json               configs, file order, prompts, and the scores of `customnet score` with both
                              references and the first prompt: per image and the mean

Images are ordered: object.png, object_side.png, generated_landscape.png, generated_portrait.png,
generated_flat.png. Weights are fp16-rounded and stored as fp16; the models run in float64 on them, so the
expected embeddings carry no float32 rounding of their own. Preprocessing runs as the recipes do (PIL,
then float32 tensors). Run by hand, never by CI (about 2 MB):

    ../venv-ref/bin/python ops/reference/make_metric_fixtures.py
"""
import json
import math
import pathlib

import numpy as np
import open_clip
import PIL
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchvision.transforms as T
import transformers
from PIL import Image
from safetensors.torch import save_file
from transformers import CLIPConfig, CLIPModel, ViTConfig, ViTModel

from make_tower_fixtures import randomize

ROOT = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "metrics"
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
CLIP_MEAN, CLIP_STD = (0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)
REFERENCES = ["object.png", "object_side.png"]
GENERATED = ["generated_landscape.png", "generated_portrait.png", "generated_flat.png"]
PROMPTS = [
    "a photo of a sks toy on a wooden table",
    "",
    "A  Cube-Shaped  teapot!! &amp; café 🙂 " + "on a very long beach " * 20,
]
DINO_ROWS = slice(110, 114)


# ------------------------------------------------------------------------------------------- images

def make_images(folder):
    """Smooth synthetic pictures (small as PNG) with edges and colour, at sizes that exercise the
    shorter-side resize in both orientations."""
    def waves(width, height, phase):
        y, x = np.mgrid[0:height, 0:width].astype(np.float64)
        rgb = np.stack([np.sin(x / 17 + phase), np.cos(y / 23 - phase), np.sin((x + y) / 31 + 2 * phase)], axis=-1)
        return 127.5 + 120 * rgb

    def disc(image, cx, cy, radius, colour):
        height, width = image.shape[:2]
        y, x = np.mgrid[0:height, 0:width]
        image[(x - cx) ** 2 + (y - cy) ** 2 < radius ** 2] = colour
        return image

    def save(name, array, mode):
        Image.fromarray(np.clip(np.rint(array), 0, 255).astype(np.uint8), mode).save(folder / name, optimize=True)

    # The object: a striped blob with soft edges on a transparent background whose RGB is black.
    y, x = np.mgrid[0:80, 0:96].astype(np.float64)
    inside = 1 - np.clip((((x - 48) / 38) ** 2 + ((y - 40) / 30) ** 2 - 0.8) * 5, 0, 1)
    body = np.stack([200 + 50 * np.sin(x / 5), 90 + 60 * np.cos(y / 7), 40 + 30 * np.sin((x - y) / 9)], axis=-1)
    save("object.png", np.concatenate([body * inside[..., None], 255 * inside[..., None]], axis=-1), "RGBA")
    save("object_side.png", disc(waves(120, 100, 0.3), 60, 50, 30, (220, 120, 60)), "RGB")
    save("generated_landscape.png", disc(waves(300, 200, 1.1), 170, 90, 55, (210, 110, 50)), "RGB")
    save("generated_portrait.png", disc(waves(180, 260, 2.0), 80, 150, 45, (30, 200, 220)), "RGB")
    save("generated_flat.png", np.full((48, 48, 3), 128.0), "RGB")


def load_rgb(path):
    """The image as RGB; RGBA is composited onto white as RasterImage.compositedOnWhite does:
    round((c·a + 255·(255 − a)) / 255), halves up."""
    image = Image.open(path)
    if image.mode == "RGBA":
        array = np.asarray(image).astype(np.int64)
        rgb, alpha = array[..., :3], array[..., 3:]
        image = Image.fromarray(((rgb * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8), "RGB")
    return image.convert("RGB")


def dino_transform():
    """The DINO-I recipe (DreamVideo, MagicBrush): Resize(256, bicubic), CenterCrop(224), ImageNet mean/std."""
    return T.Compose([T.Resize(256, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(224),
                      T.ToTensor(), T.Normalize(IMAGENET_MEAN, IMAGENET_STD)])


def clip_transform(size):
    """openai/CLIP clip.py `_transform(n_px)`."""
    return T.Compose([T.Resize(size, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(size),
                      lambda image: image.convert("RGB"), T.ToTensor(), T.Normalize(CLIP_MEAN, CLIP_STD)])


# ------------------------------------------------------------------- DINO, as facebookresearch/dino has it

class DinoAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.num_heads, self.scale = heads, (dim // heads) ** -0.5
        self.qkv, self.proj = nn.Linear(dim, dim * 3), nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))


class DinoMlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class DinoBlock(nn.Module):
    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim, eps=1e-6), DinoAttention(dim, heads)
        self.norm2, self.mlp = nn.LayerNorm(dim, eps=1e-6), DinoMlp(dim, hidden)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class DinoPatchEmbed(nn.Module):
    def __init__(self, patch, dim):
        super().__init__()
        self.patch_size, self.proj = patch, nn.Conv2d(3, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class DinoVisionTransformer(nn.Module):
    """vision_transformer.VisionTransformer of facebookresearch/dino (drop paths, dropout and the
    identity head left out); forward gives the CLS token after the final norm, as the hub model does."""

    def __init__(self, image_size, patch, dim, depth, heads, hidden):
        super().__init__()
        self.patch_embed = DinoPatchEmbed(patch, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, (image_size // patch) ** 2 + 1, dim))
        self.blocks = nn.ModuleList([DinoBlock(dim, heads, hidden) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)

    def interpolate_pos_encoding(self, x, w, h):
        npatch = x.shape[1] - 1
        N = self.pos_embed.shape[1] - 1
        if npatch == N and w == h:
            return self.pos_embed
        class_pos_embed = self.pos_embed[:, 0]
        patch_pos_embed = self.pos_embed[:, 1:]
        dim = x.shape[-1]
        w0 = w // self.patch_embed.patch_size
        h0 = h // self.patch_embed.patch_size
        w0, h0 = w0 + 0.1, h0 + 0.1
        patch_pos_embed = F.interpolate(
            patch_pos_embed.reshape(1, int(math.sqrt(N)), int(math.sqrt(N)), dim).permute(0, 3, 1, 2),
            scale_factor=(w0 / math.sqrt(N), h0 / math.sqrt(N)), mode="bicubic")
        assert int(w0) == patch_pos_embed.shape[-2] and int(h0) == patch_pos_embed.shape[-1]
        patch_pos_embed = patch_pos_embed.permute(0, 2, 3, 1).view(1, -1, dim)
        return torch.cat((class_pos_embed.unsqueeze(0), patch_pos_embed), dim=1)

    def forward(self, x):
        B, nc, w, h = x.shape
        tokens = torch.cat((self.cls_token.expand(B, -1, -1), self.patch_embed(x)), dim=1)
        tokens = tokens + self.interpolate_pos_encoding(tokens, w, h)
        for block in self.blocks:
            tokens = block(tokens)
        return self.norm(tokens)[:, 0]


def vit_to_hub(state_dict):
    """HF ViTModel keys -> torch-hub DINO keys (the inverse of transformers' convert_dino_to_pytorch);
    query/key/value rows are stacked into qkv."""
    sd = dict(state_dict)
    out = {
        "cls_token": sd.pop("embeddings.cls_token"),
        "pos_embed": sd.pop("embeddings.position_embeddings"),
        "norm.weight": sd.pop("layernorm.weight"), "norm.bias": sd.pop("layernorm.bias"),
    }
    for kind in ("weight", "bias"):
        out[f"patch_embed.proj.{kind}"] = sd.pop(f"embeddings.patch_embeddings.projection.{kind}")
    layer = 0
    while f"encoder.layer.{layer}.layernorm_before.weight" in sd:
        hf, hub = f"encoder.layer.{layer}.", f"blocks.{layer}."
        for kind in ("weight", "bias"):
            out[f"{hub}attn.qkv.{kind}"] = torch.cat([sd.pop(f"{hf}attention.attention.{p}.{kind}") for p in ("query", "key", "value")])
            for hf_name, hub_name in (("layernorm_before", "norm1"), ("attention.output.dense", "attn.proj"),
                                      ("layernorm_after", "norm2"), ("intermediate.dense", "mlp.fc1"), ("output.dense", "mlp.fc2")):
                out[f"{hub}{hub_name}.{kind}"] = sd.pop(f"{hf}{hf_name}.{kind}")
        layer += 1
    assert not sd, f"ViT keys left over: {sorted(sd)}"
    return out


# ------------------------------------------------------------------------------------------ writing

def save_array(folder, name, tensor):
    np.save(folder / f"{name}.npy", torch.as_tensor(tensor).detach().to(torch.float32).contiguous().numpy())


def fp16(state_dict):
    return {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in state_dict.items()}


def build_dino(folder, dino, seed):
    """The HF folder, the hub state dict, and both reference models in float64."""
    config = ViTConfig(image_size=dino["image_size"], patch_size=dino["patch_size"], hidden_size=dino["width"],
                       num_hidden_layers=dino["layers"], num_attention_heads=dino["heads"],
                       intermediate_size=dino["feed_forward_width"], hidden_act="gelu", layer_norm_eps=1e-6,
                       qkv_bias=True, num_channels=3)
    model = randomize(ViTModel._from_config(config, add_pooling_layer=False, attn_implementation="eager"), seed)
    # randomize() scales by 1/sqrt(tokens × width): make the position and class embeddings matter, so that
    # interpolating the position embeddings is visible in the output.
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in (model.embeddings.position_embeddings, model.embeddings.cls_token):
            p.copy_((0.5 * torch.randn(p.shape, generator=generator)).half().float())
    (folder / "dino").mkdir(parents=True, exist_ok=True)
    config.to_json_file(folder / "dino" / "config.json")
    save_file(fp16(model.state_dict()), str(folder / "dino" / "model.safetensors"), metadata={"format": "pt"})
    hub_state = vit_to_hub(model.state_dict())
    torch.save(fp16(hub_state), folder / "dino_hub.pth")
    hub = DinoVisionTransformer(dino["image_size"], dino["patch_size"], dino["width"], dino["layers"], dino["heads"],
                                dino["feed_forward_width"])
    hub.load_state_dict(hub_state, strict=True)
    return model.double().eval(), hub.double().eval()


def build_clip(folder, clip, seed):
    vision, text = clip["vision"], clip["text"]
    config = CLIPConfig(
        projection_dim=clip["projection_dim"],
        text_config=dict(vocab_size=49408, max_position_embeddings=77, hidden_size=text["width"],
                         intermediate_size=4 * text["width"], num_hidden_layers=text["layers"],
                         num_attention_heads=text["heads"], hidden_act="quick_gelu", layer_norm_eps=1e-5,
                         bos_token_id=0, eos_token_id=2, pad_token_id=1),
        vision_config=dict(image_size=vision["image_size"], patch_size=vision["patch_size"], hidden_size=vision["width"],
                           intermediate_size=4 * vision["width"], num_hidden_layers=vision["layers"],
                           num_attention_heads=vision["heads"], hidden_act="quick_gelu", layer_norm_eps=1e-5))
    model = CLIPModel._from_config(config, attn_implementation="eager").eval()
    for index, part in enumerate((model.vision_model, model.text_model, model.visual_projection, model.text_projection)):
        randomize(part, seed + index)
    state = fp16(model.state_dict())
    state["text_model.embeddings.position_ids"] = torch.arange(77, dtype=torch.int64)[None]
    state["vision_model.embeddings.position_ids"] = torch.arange((vision["image_size"] // vision["patch_size"]) ** 2 + 1,
                                                                 dtype=torch.int64)[None]
    (folder / "clip").mkdir(parents=True, exist_ok=True)
    config.to_json_file(folder / "clip" / "config.json")
    torch.save(state, folder / "clip" / "pytorch_model.bin")
    return model.double()


def cosine(a, b):
    return float(F.normalize(a, dim=-1) @ F.normalize(b, dim=-1))


def write_fixtures(folder, dino, clip):
    """Writes everything into `folder` and returns the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    make_images(folder)
    dino_model, hub_model = build_dino(folder, dino, seed=11)
    clip_model = build_clip(folder, clip, seed=21)
    names = REFERENCES + GENERATED
    images = [load_rgb(folder / name) for name in names]
    generator = torch.Generator().manual_seed(20261127)
    torch.set_default_dtype(torch.float64)
    with torch.no_grad():
        native = torch.randn(2, 3, dino["image_size"], dino["image_size"], generator=generator, dtype=torch.float32)
        save_array(folder, "dino_native_pixels", native)
        native_embeds = dino_model(pixel_values=native.double()).last_hidden_state[:, 0]
        assert torch.allclose(native_embeds, hub_model(native.double()), rtol=1e-10, atol=1e-12), "hub and HF DINO disagree"
        save_array(folder, "dino_native_embeds", native_embeds)

        dino_pixels = torch.stack([dino_transform()(image) for image in images])
        save_array(folder, "dino_pixel_rows", dino_pixels[:, :, DINO_ROWS, :])
        dino_embeds = dino_model(pixel_values=dino_pixels.double(), interpolate_pos_encoding=True).last_hidden_state[:, 0]
        dino_hub_embeds = hub_model(dino_pixels.double())
        save_array(folder, "dino_embeds", dino_embeds)
        save_array(folder, "dino_hub_embeds", dino_hub_embeds)

        clip_pixels = torch.stack([clip_transform(clip["vision"]["image_size"])(image) for image in images])
        save_array(folder, "clip_pixels", clip_pixels)
        clip_image_embeds = clip_model.get_image_features(pixel_values=clip_pixels.double())
        save_array(folder, "clip_image_embeds", clip_image_embeds)
        tokens = open_clip.tokenize(PROMPTS)
        save_array(folder, "prompt_tokens", tokens)
        clip_text_embeds = clip_model.get_text_features(input_ids=tokens)
        save_array(folder, "clip_text_embeds", clip_text_embeds)
    torch.set_default_dtype(torch.float32)

    references = range(len(REFERENCES))
    scores = []
    for index, name in enumerate(GENERATED, start=len(REFERENCES)):
        scores.append({
            "path": name,
            "dino_i": sum(cosine(dino_embeds[index], dino_embeds[r]) for r in references) / len(REFERENCES),
            "clip_i": sum(cosine(clip_image_embeds[index], clip_image_embeds[r]) for r in references) / len(REFERENCES),
            "clip_t": cosine(clip_image_embeds[index], clip_text_embeds[0]),
        })
    mean = {key: sum(score[key] for score in scores) / len(scores) for key in ("dino_i", "clip_i", "clip_t")}
    manifest = {
        "generator": "ops/reference/" + pathlib.Path(__file__).name,
        "torch": torch.__version__, "torchvision": torchvision.__version__, "transformers": transformers.__version__,
        "open_clip": open_clip.__version__, "pillow": PIL.__version__,
        "reference_dtype": "float64 on fp16-rounded weights; preprocessing in float32 as the recipes run it",
        "dino": dino, "clip": clip, "images": names, "prompts": PROMPTS,
        "dino_pixel_rows": [DINO_ROWS.start, DINO_ROWS.stop],
        "score": {"references": REFERENCES, "prompt": PROMPTS[0], "images": scores, "mean": mean},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


TINY_DINO = dict(image_size=64, patch_size=16, width=64, layers=2, heads=2, feed_forward_width=256)
TINY_CLIP = dict(projection_dim=32, vision=dict(image_size=32, patch_size=8, width=64, layers=2, heads=2),
                 text=dict(width=8, layers=2, heads=2))


def main():
    write_fixtures(ROOT, TINY_DINO, TINY_CLIP)
    total = sum(path.stat().st_size for path in ROOT.rglob("*") if path.is_file())
    print(f"wrote {ROOT} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
