#!/usr/bin/env python3
"""Times the UNet/VAE-shaped ops of `customnet bench ops` in PyTorch (fp32, CPU) and prints one JSON
object {op name: best seconds}. Thread count from --threads (default 2). Run by ops/bench/ops; needs
torch (ops/reference/requirements.txt), never run by CI."""
import argparse
import json
import time

import torch
import torch.nn.functional as F


def best_of(fn, repeats):
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    g = torch.Generator().manual_seed(0)
    r = lambda *s: torch.randn(*s, generator=g)
    results = {}
    with torch.inference_mode():
        for name, (b, c_in, c_out, h) in {
            "conv3x3 32x32x320": (2, 320, 320, 32), "conv3x3 16x16x640": (2, 640, 640, 16),
            "conv3x3 8x8x1280": (2, 1280, 1280, 8), "conv3x3 4x4x1280": (2, 1280, 1280, 4),
            "conv3x3 VAE 256x256x128": (1, 128, 128, 256),
        }.items():
            x, w, bias = r(b, c_in, h, h), r(c_out, c_in, 3, 3), r(c_out)
            results[name] = best_of(lambda: F.conv2d(x, w, bias, padding=1), args.repeats)
        x, w, bias = r(2, 1024, 320), r(320, 320), r(320)
        results["linear 2x1024x320->320"] = best_of(lambda: F.linear(x, w, bias), args.repeats)
        w2, bias2 = r(2560, 320), r(2560)
        results["linear 2x1024x320->2560"] = best_of(lambda: F.linear(x, w2, bias2), args.repeats)

        def heads(t, n):
            return t.reshape(t.shape[0], t.shape[1], n, -1).transpose(1, 2)

        q, ctx = r(2, 1024, 320), r(2, 78, 320)
        results["attention self 2x1024x320 h8"] = best_of(
            lambda: F.scaled_dot_product_attention(heads(q, 8), heads(q, 8), heads(q, 8)).transpose(1, 2).reshape(2, 1024, 320), args.repeats)
        results["attention cross 2x1024x320 ctx78 h8"] = best_of(
            lambda: F.scaled_dot_product_attention(heads(q, 8), heads(ctx, 8), heads(ctx, 8)).transpose(1, 2).reshape(2, 1024, 320), args.repeats)
        x, gamma, beta = r(2, 320, 32, 32), r(320), r(320)
        results["group norm 2x320x32x32"] = best_of(lambda: F.group_norm(x, 32, gamma, beta), args.repeats)
        results["silu 2x320x32x32"] = best_of(lambda: F.silu(x), args.repeats)
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "seconds": results}))


if __name__ == "__main__":
    main()
