# Re-run (from the repository root): ../venv-ref/bin/python ops/reference/make_weight_fixtures.py
# (the venv is made from ops/reference/requirements.txt; see that file). Output: Tests/Fixtures/weights/.
"""Writes the small weight files the DiffusionCore weight-reader tests load, and a manifest of every value.

* torch_{fp32,fp16,bf16}.pt: `torch.save` of one small state dict (an OrderedDict carrying `_metadata`,
  as `nn.Module.state_dict()` returns it) in each float dtype. Besides contiguous weights it holds the
  layouts a reader must honour: a transpose (non-contiguous), an int64 `position_ids` of shape [1, 77]
  with stride (0, 1) as older torch saves HF CLIP's expanded buffer, a stride-0 broadcast whose rows
  repeat, a 0-dim scalar, two views with storage offsets into one shared storage, and an
  `nn.Parameter` (pickled through `_rebuild_parameter`). `rounding.cases` holds f32 values whose
  f16/bf16 roundings are ties or near-ties, so the fp16/bf16 files pin down torch's round-to-nearest-even.
  torch.save also writes a random `.data/serialization_id`, so each run changes the .pt bytes (not their tensors).
* torch_fp32_zip64.pt: torch_fp32.pt with its central directory rewritten in ZIP64 form (sizes and
  offsets 0xFFFFFFFF, the real values in the ZIP64 extra field, ZIP64 end records), as torch writes for
  files over 4 GiB; `torch.load` reads it back identically.
* torch_wrapped.pt: `{"state_dict": <state dict>, "epoch": 3}`, the wrapper common in the wild.
* mixed.safetensors: written by the `safetensors` package, with F32, F16, BF16 and I64 tensors.
* manifest.json: for each file, its tensors in file order with dtype, shape and every value as float32
  (exact: the f16/bf16/int64 values are converted to float32 by torch).
"""
import collections
import json
import re
import struct
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

OUT = Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "weights"

DTYPE_NAMES = {torch.float32: "f32", torch.float16: "f16", torch.bfloat16: "bf16", torch.int64: "i64"}

# Ties and near-ties for f16 (10 mantissa bits) and bf16 (7), plus f16 subnormals and its largest finite value.
ROUNDING_CASES = [
    1 + 2**-11, 1 + 3 * 2**-11, 1 + 2**-11 + 2**-20,       # f16: tie to even (down), tie to even (up), just above a tie
    1 + 2**-8, 1 + 3 * 2**-8, -(1 + 2**-8 + 2**-16),       # bf16: the same three
    2**-25, 3 * 2**-25, 6e-8, -1e-7, 2**-14 - 2**-25,     # f16 subnormal range and the edge to normals
    65504.0, 65519.0, -0.0, 0.1, 1 / 3,                    # f16 max, just below the overflow tie, signed zero
]


def make_state_dict(dtype: torch.dtype) -> collections.OrderedDict:
    """The fixture state dict in `dtype` (int64 buffers stay int64), with views made after the cast."""
    torch.manual_seed(20240611)
    module = torch.nn.Sequential(collections.OrderedDict(linear=torch.nn.Linear(3, 4), norm=torch.nn.LayerNorm(4)))
    with torch.no_grad():
        module.norm.weight.uniform_(0.5, 1.5)
        module.norm.bias.uniform_(-0.1, 0.1)
    state = module.to(dtype).state_dict()  # an OrderedDict with a `_metadata` attribute
    generator = torch.Generator().manual_seed(7)
    projection = torch.randn(3, 5, generator=generator).to(dtype)
    shared = torch.randn(4, 6, generator=generator).to(dtype)
    state["proj.weight_t"] = projection.t()                                    # shape [5, 3], stride (1, 5)
    # HF's `arange(77).expand((1, -1))` gives stride (77, 1) in torch 2.5, (0, 1) in older ones: pin the latter.
    state["text.position_ids"] = torch.arange(77).as_strided((1, 77), (0, 1))  # int64, stride (0, 1)
    state["bias.broadcast"] = torch.tensor([0.25, -1.5, 3.0]).to(dtype).expand(2, 3)  # stride (0, 1): rows repeat
    state["logit_scale"] = torch.tensor(4.6052, dtype=torch.float32).to(dtype)  # 0-dim
    state["shared.base"] = shared                                               # storage of 24 elements
    state["shared.row2"] = shared[2]                                            # offset 12, contiguous
    state["shared.block"] = shared[1:3, 2:5]                                    # offset 8, stride (6, 1)
    state["rounding.cases"] = torch.tensor(ROUNDING_CASES, dtype=torch.float32).to(dtype)
    state["extra.gain"] = torch.nn.Parameter(torch.tensor([1.5, -2.0]).to(dtype), requires_grad=False)  # _rebuild_parameter
    assert state["text.position_ids"].stride() == (0, 1) and state["bias.broadcast"].stride() == (0, 1)
    assert state["shared.row2"].untyped_storage().data_ptr() == shared.untyped_storage().data_ptr()
    return state


def describe(tensors) -> list:
    """Name, dtype, shape and float32 values (row-major) of each tensor, in the given order."""
    return [
        {"name": name, "dtype": DTYPE_NAMES[tensor.dtype], "shape": list(tensor.shape),
         "values": tensor.to(torch.float32).reshape(-1).tolist()}
        for name, tensor in tensors
    ]


def rewrite_as_zip64(source: bytes) -> bytes:
    """The same archive with every central-directory size and offset moved into a ZIP64 extra field
    and ZIP64 end-of-central-directory records. Local headers and data are kept byte for byte."""
    eocd = source.rindex(b"PK\x05\x06")
    count, cd_size, cd_offset = struct.unpack_from("<HII", source, eocd + 10)
    records, position = [], cd_offset
    for _ in range(count):
        fields = list(struct.unpack_from("<IHHHHHHIIIHHHHHII", source, position))
        name_length, extra_length, comment_length = fields[10], fields[11], fields[12]
        name = source[position + 46: position + 46 + name_length]
        extra = source[position + 46 + name_length: position + 46 + name_length + extra_length]
        comment = source[position + 46 + name_length + extra_length: position + 46 + name_length + extra_length + comment_length]
        compressed, uncompressed, local_offset = fields[8], fields[9], fields[16]
        zip64 = struct.pack("<HHQQQ", 0x0001, 24, uncompressed, compressed, local_offset)
        fields[8] = fields[9] = fields[16] = 0xFFFFFFFF
        fields[11] = len(zip64) + len(extra)
        records.append(struct.pack("<IHHHHHHIIIHHHHHII", *fields) + name + zip64 + extra + comment)
        position += 46 + name_length + extra_length + comment_length
    directory = b"".join(records)
    zip64_eocd_offset = cd_offset + len(directory)
    zip64_eocd = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, len(directory), cd_offset)
    locator = struct.pack("<IIQI", 0x07064B50, 0, zip64_eocd_offset, 1)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return source[:cd_offset] + directory + zip64_eocd + locator + end


def assert_same(loaded: dict, expected: dict) -> None:
    assert list(loaded) == list(expected), (list(loaded), list(expected))
    for name, tensor in expected.items():
        assert loaded[name].dtype == tensor.dtype and torch.equal(loaded[name], tensor), name


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {}

    for dtype, label in [(torch.float32, "fp32"), (torch.float16, "fp16"), (torch.bfloat16, "bf16")]:
        state = make_state_dict(dtype)
        path = OUT / f"torch_{label}.pt"
        torch.save(state, path)
        assert_same(torch.load(path, weights_only=True), state)
        manifest[path.name] = {"format": "torch", "tensors": describe(state.items())}

    zip64_path = OUT / "torch_fp32_zip64.pt"
    zip64_path.write_bytes(rewrite_as_zip64((OUT / "torch_fp32.pt").read_bytes()))
    assert_same(torch.load(zip64_path, weights_only=True), make_state_dict(torch.float32))
    manifest[zip64_path.name] = manifest["torch_fp32.pt"]

    wrapped = {"state_dict": make_state_dict(torch.float32), "epoch": 3}
    wrapped_path = OUT / "torch_wrapped.pt"
    torch.save(wrapped, wrapped_path)
    assert_same(torch.load(wrapped_path, weights_only=True)["state_dict"], wrapped["state_dict"])
    manifest[wrapped_path.name] = manifest["torch_fp32.pt"]

    generator = torch.Generator().manual_seed(11)
    tensors = {
        "encoder.weight": torch.randn(4, 3, generator=generator),
        "encoder.bias": torch.randn(4, generator=generator).half(),
        "decoder.weight": torch.randn(2, 2, 2, generator=generator).to(torch.bfloat16),
        "position_ids": torch.arange(5).reshape(1, 5),
        "scale": torch.tensor(0.5),
    }
    safetensors_path = OUT / "mixed.safetensors"
    save_file(tensors, safetensors_path, metadata={"format": "pt"})
    loaded = load_file(safetensors_path)
    assert all(loaded[name].dtype == tensor.dtype and torch.equal(loaded[name], tensor) for name, tensor in tensors.items())
    manifest[safetensors_path.name] = {"format": "safetensors", "tensors": describe(sorted(tensors.items()))}

    text = json.dumps(manifest, indent=1)
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda match: "[" + " ".join(match.group(1).split()) + "]", text)  # one line per list
    (OUT / "manifest.json").write_text(text + "\n")
    for path in sorted(OUT.iterdir()):
        print(f"{path.stat().st_size:8d}  {path.relative_to(OUT.parents[2])}")


if __name__ == "__main__":
    main()
