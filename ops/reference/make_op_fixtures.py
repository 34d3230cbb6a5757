#!/usr/bin/env python3
"""Writes the Tensor op parity fixtures under Tests/Fixtures/ops/: for each case, its inputs, weights
and PyTorch's output as float32 .npy files, plus manifest.json (op, parameters, files, tolerance,
package versions). Run by hand, never by CI (pinned versions in requirements.txt):

    ../venv-ref/bin/python ops/reference/make_op_fixtures.py
"""
import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

ROOT = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "ops"
generator = torch.Generator().manual_seed(20261125)
cases = []


def rand(*shape, scale=1.0):
    return torch.randn(*shape, generator=generator, dtype=torch.float32) * scale


def case(name, op, tensors, params=None, tolerance=None):
    folder = ROOT / name
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for key, value in tensors.items():
        np.save(folder / f"{key}.npy", value.detach().contiguous().numpy().astype(np.float32))
        files[key] = f"{name}/{key}.npy"
    cases.append({"name": name, "op": op, "params": params or {}, "files": files,
                  "tolerance": tolerance or {"absolute": 1e-5, "relative": 1e-4}})


def main():
    torch.set_num_threads(1)
    # Linear, with and without bias; rows × in · (out × in)ᵀ.
    x, w, b = rand(2, 5, 7), rand(3, 7), rand(3)
    case("linear", "linear", {"x": x, "weight": w, "bias": b, "expected": F.linear(x, w, b)})
    x, w = rand(4, 33), rand(65, 33)
    case("linear_no_bias", "linear", {"x": x, "weight": w, "expected": F.linear(x, w)})

    # Convolutions: 3×3 stride 1 and 2 with symmetric padding, 1×1, and the VAE's right/bottom pad.
    x, w, b = rand(2, 5, 9, 7), rand(6, 5, 3, 3), rand(6)
    case("conv3x3_stride1_pad1", "conv2d", {"x": x, "weight": w, "bias": b,
         "expected": F.conv2d(x, w, b, stride=1, padding=1)}, {"stride": 1, "padding": [1, 1, 1, 1]})
    x, w, b = rand(1, 4, 9, 8), rand(3, 4, 3, 3), rand(3)
    case("conv3x3_stride2_pad1", "conv2d", {"x": x, "weight": w, "bias": b,
         "expected": F.conv2d(x, w, b, stride=2, padding=1)}, {"stride": 2, "padding": [1, 1, 1, 1]})
    x, w = rand(1, 4, 8, 10), rand(5, 4, 3, 3)
    case("conv3x3_stride2_vae_pad", "conv2d", {"x": x, "weight": w,
         "expected": F.conv2d(F.pad(x, (0, 1, 0, 1)), w, stride=2)}, {"stride": 2, "padding": [0, 0, 1, 1]})
    x, w, b = rand(2, 6, 5, 4), rand(4, 6, 1, 1), rand(4)
    case("conv1x1", "conv2d", {"x": x, "weight": w, "bias": b, "expected": F.conv2d(x, w, b)},
         {"stride": 1, "padding": [0, 0, 0, 0]})
    x, w, b = rand(1, 32, 12, 12), rand(16, 32, 3, 3), rand(16)
    case("conv3x3_wide", "conv2d", {"x": x, "weight": w, "bias": b,
         "expected": F.conv2d(x, w, b, padding=1)}, {"stride": 1, "padding": [1, 1, 1, 1]})

    # Normalisation.
    x, w, b = rand(2, 64, 5, 3, scale=3) + 2, rand(64), rand(64)
    case("group_norm_eps1e-5", "group_norm", {"x": x, "weight": w, "bias": b,
         "expected": F.group_norm(x, 32, w, b, eps=1e-5)}, {"groups": 32, "epsilon": 1e-5})
    x, w, b = rand(1, 32, 40, 40, scale=0.1) - 1, rand(32), rand(32)
    case("group_norm_eps1e-6", "group_norm", {"x": x, "weight": w, "bias": b,
         "expected": F.group_norm(x, 32, w, b, eps=1e-6)}, {"groups": 32, "epsilon": 1e-6})
    x, w, b = rand(2, 7, 24, scale=2) + 1, rand(24), rand(24)
    case("layer_norm", "layer_norm", {"x": x, "weight": w, "bias": b,
         "expected": F.layer_norm(x, (24,), w, b, eps=1e-5)}, {"epsilon": 1e-5})

    # Softmax and attention (cross, self with several chunks, causal).
    x = rand(3, 4, 37, scale=8)
    case("softmax", "softmax", {"x": x, "expected": torch.softmax(x, dim=-1)})

    def heads_split(t, h):
        b, n, c = t.shape
        return t.reshape(b, n, h, c // h).transpose(1, 2)

    def merged(t):
        b, h, n, d = t.shape
        return t.transpose(1, 2).reshape(b, n, h * d)

    for name, (nq, nk, c, h, causal) in {
        "attention_cross": (37, 19, 32, 4, False),
        "attention_self_chunked": (600, 600, 64, 2, False),
        "attention_causal": (13, 13, 16, 2, True),
    }.items():
        q, k, v = rand(2 if nq < 100 else 1, nq, c), None, None
        k, v = rand(q.shape[0], nk, c), rand(q.shape[0], nk, c)
        out = merged(F.scaled_dot_product_attention(heads_split(q, h), heads_split(k, h), heads_split(v, h), is_causal=causal))
        case(name, "attention", {"query": q, "key": k, "value": v, "expected": out}, {"heads": h, "causal": causal})

    # Activations, over ordinary and extreme values.
    x = torch.cat([rand(1000, scale=4), torch.linspace(-100, 100, 97)])
    case("gelu", "gelu", {"x": x, "expected": F.gelu(x)})
    case("quick_gelu", "quick_gelu", {"x": x, "expected": x * torch.sigmoid(1.702 * x)})
    case("silu", "silu", {"x": x, "expected": F.silu(x)})
    x = rand(2, 5, 16, scale=3)
    value, gate = x.chunk(2, dim=-1)
    case("geglu", "geglu", {"x": x, "expected": value * F.gelu(gate)})

    # Resizing.
    x = rand(1, 3, 4, 5)
    case("upsample_nearest2x", "upsample_nearest2x", {"x": x, "expected": F.interpolate(x, scale_factor=2.0, mode="nearest")})
    x = rand(2, 3, 20, 17)
    for (hh, ww) in [(9, 11), (31, 40), (20, 17)]:
        case(f"bilinear_{hh}x{ww}", "resize_bilinear", {"x": x, "expected":
             F.interpolate(x, size=(hh, ww), mode="bilinear", align_corners=False, antialias=False)}, {"height": hh, "width": ww})
        case(f"bicubic_{hh}x{ww}", "resize_bicubic", {"x": x, "expected":
             F.interpolate(x, size=(hh, ww), mode="bicubic", align_corners=True, antialias=False)}, {"height": hh, "width": ww})

    # Residual adds and concatenation.
    a, b = rand(2, 4, 3, 5), rand(2, 4, 3, 5)
    case("add", "add", {"a": a, "b": b, "expected": a + b})
    x, e = rand(2, 4, 3, 5), rand(2, 4)
    case("add_per_channel", "add_per_channel", {"x": x, "values": e, "expected": x + e[:, :, None, None]})
    a, b = rand(2, 3, 4, 4), rand(2, 5, 4, 4)
    case("concat_channels", "concatenate", {"a": a, "b": b, "expected": torch.cat([a, b], dim=1)}, {"axis": 1})
    a, b = rand(2, 1, 8), rand(2, 6, 8)
    case("concat_tokens", "concatenate", {"a": a, "b": b, "expected": torch.cat([a, b], dim=1)}, {"axis": 1})

    # Layout: transposing the last two axes, and adding one row to every token.
    x = rand(2, 37, 45)
    case("transpose_last_two", "transpose_last_two", {"x": x, "expected": x.transpose(1, 2)})
    x, row = rand(2, 9, 20), rand(2, 1, 20)
    case("add_to_every_token", "add_to_every_token", {"x": x, "row": row, "expected": x + row})
    x = rand(2, 78, 12)
    case("narrow_tokens", "narrow", {"x": x, "expected": x[:, 1:]}, {"axis": 1, "start": 1, "end": 78})
    x = rand(3, 8, 5, 4)
    case("narrow_channels", "narrow", {"x": x, "expected": x[:, 4:]}, {"axis": 1, "start": 4, "end": 8})

    manifest = {"generator": "ops/reference/make_op_fixtures.py", "seed": 20261125,
                "versions": {"torch": torch.__version__, "numpy": np.__version__}, "cases": cases}
    (ROOT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {ROOT}")


if __name__ == "__main__":
    main()
