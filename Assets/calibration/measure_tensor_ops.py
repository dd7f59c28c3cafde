#!/usr/bin/env python3
"""Sweeps of the tensor ops convtop prices by its model alone (no catalog family): element-wise activations and
products, layer norm, softmax, permuted copies and fp32 attention, over shapes none of its rules was set from.

Runs on a CUDA machine with PyTorch:  python3 measure_tensor_ops.py OUT.jsonl
Each case is one op on one shape, fp32, run 20 times under the profiler after 3 warm-ups; the record holds the op, its
input shape and parameters, and every kernel of a median run (name, grid, block, registers, shared memory, duration
in µs) with the median total. `Assets/calibration/tensor_ops_check.py` simulates the same ops from graph files and
prints the error per family. Output: Assets/calibration/round6/tensor_ops.jsonl (H200).
"""
import json
import os
import statistics
import sys
import tempfile

import torch
import torch.nn.functional as F

DEV = "cuda"
REPS = 20


def cases():
    for shape in ([1, 64, 56, 56], [8, 96, 56, 56], [32, 144, 28, 28], [64, 256, 56, 56], [16, 40, 112, 112]):
        for op in ("silu", "gelu", "sigmoid", "mul"):
            yield {"op": op, "shape": shape}
        yield {"op": "transpose", "shape": shape, "perm": [0, 2, 3, 1]}
    for rows, cols in ((64, 768), (1024, 256), (4096, 128), (8192, 512), (16384, 1024), (65536, 64), (200000, 96)):
        yield {"op": "layernorm", "shape": [rows, cols]}
    for rows, cols in ((768, 49), (2304, 197), (8192, 256), (4096, 1024), (1024, 4096), (49152, 64)):
        yield {"op": "softmax", "shape": [rows, cols]}
    for b, s, h, d in ((2, 128, 4, 64), (8, 64, 8, 32)):
        yield {"op": "transpose", "shape": [b, s, h, d], "perm": [0, 2, 1, 3]}
    for b, h, s, d in ((1, 8, 256, 64), (4, 12, 197, 64), (16, 16, 128, 64), (8, 4, 1024, 64), (64, 3, 49, 32),
                       (2, 16, 512, 128), (32, 12, 197, 64)):
        yield {"op": "attention", "shape": [b, h, s, d]}


def runner(c):
    x = torch.randn(*c["shape"], device=DEV)
    op = c["op"]
    if op == "silu": return lambda: F.silu(x)
    if op == "gelu": return lambda: F.gelu(x)
    if op == "sigmoid": return lambda: torch.sigmoid(x)
    if op == "mul":
        y = torch.randn_like(x)
        return lambda: x * y
    if op == "transpose": return lambda: x.permute(*c["perm"]).contiguous()
    if op == "layernorm":
        ln = torch.nn.LayerNorm(c["shape"][-1]).to(DEV)
        return lambda: ln(x)
    if op == "softmax": return lambda: torch.softmax(x, dim=-1)
    if op == "attention": return lambda: F.scaled_dot_product_attention(x, x, x)
    raise ValueError(op)


def profile(fn):
    with torch.no_grad():
        for _ in range(3): fn()
        torch.cuda.synchronize()
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as p:
            for _ in range(REPS):
                fn(); torch.cuda.synchronize()
    path = os.path.join(tempfile.mkdtemp(), "t.json")
    p.export_chrome_trace(path)
    ks = [e for e in json.load(open(path))["traceEvents"] if e.get("cat") == "kernel"]
    per = max(1, len(ks) // REPS)
    runs = [ks[i * per:(i + 1) * per] for i in range(REPS)]
    totals = [sum(k["dur"] for k in r) for r in runs]
    mid = sorted(range(REPS), key=lambda i: totals[i])[REPS // 2]
    kernels = [{"name": k["name"][:200], "grid": k.get("args", {}).get("grid"), "block": k.get("args", {}).get("block"),
                "regs": k.get("args", {}).get("registers per thread"), "smem": k.get("args", {}).get("shared memory"),
                "us": k["dur"]} for k in runs[mid]]
    return statistics.median(totals), kernels


def main():
    out = open(sys.argv[1] if len(sys.argv) > 1 else "tensor_ops.jsonl", "w")
    prop = torch.cuda.get_device_properties(0)
    out.write(json.dumps({"kind": "device", "name": prop.name, "sms": prop.multi_processor_count, "torch": torch.__version__,
                          "cuda": torch.version.cuda}) + "\n")
    for c in cases():
        total, kernels = profile(runner(c))
        out.write(json.dumps(dict(c, kind="op", us=total, kernels=kernels)) + "\n"); out.flush()
        print(f"{c['op']:10s} {str(c['shape']):24s} {total:9.2f} us  {len(kernels)} kernel(s)", flush=True)
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
