#!/usr/bin/env python3
"""Writes Tests/Fixtures/sampling/: torch CPU-generator noise for several seeds and shapes, drawn with
PyTorch's default CPU kernels (ATEN_CPU_CAPABILITY=default: C library log/sin/cos) and with the vectorised
ones this machine picks (SLEEF), plus the first uniform float draws. Run by hand, never by CI:

    ../venv-ref/bin/python ops/reference/make_sampling_fixtures.py
"""
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "sampling"
SEEDS = [0, 1234, 42, 2**32 + 5]
SHAPES = [[1, 4, 32, 32], [1, 4, 5, 7]]


def draw():
    import numpy as np
    import torch
    out = {"capability": torch.backends.cpu.get_cpu_capability(), "torch": torch.__version__, "noise": []}
    for seed in SEEDS:
        for shape in SHAPES:
            g = torch.Generator().manual_seed(seed)
            name = f"randn_seed{seed}_{'x'.join(map(str, shape))}_{out['capability'].lower()}.npy"
            np.save(ROOT / name, torch.randn(shape, generator=g).numpy())
            out["noise"].append({"seed": seed, "shape": shape, "file": name})
        g = torch.Generator().manual_seed(seed)
        out.setdefault("uniform", []).append({"seed": seed, "values": torch.rand(8, generator=g).tolist()})
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--draw":
        draw()
        sys.exit(0)
    ROOT.mkdir(parents=True, exist_ok=True)
    runs = []
    for capability in ["default", None]:
        env = dict(os.environ)
        if capability:
            env["ATEN_CPU_CAPABILITY"] = capability
        result = subprocess.run([sys.executable, __file__, "--draw"], env=env, check=True, capture_output=True, text=True)
        runs.append(json.loads(result.stdout))
    (ROOT / "manifest.json").write_text(json.dumps({"generator": "ops/reference/make_sampling_fixtures.py", "runs": runs}, indent=1) + "\n")
    print("wrote", ROOT, [r["capability"] for r in runs])
