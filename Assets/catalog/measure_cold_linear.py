"""Times linear layers as a network runs them, with their weights out of the L2, beside the catalog's warm repeats.

    python3 measure_cold_linear.py MANIFEST [MANIFEST ...] OUT.jsonl [--max-rows 2048] [--every 2] [--budget SECONDS]

The catalog times each op in repeats, so a linear layer's weights stay in the L2 from one repeat to the next. In a
network they do not: a replay touches every other layer's weights and activations before it comes back, and a
network whose weights exceed the L2 (60 MB on the H200) finds each layer's weights in DRAM. Session 15 measured
the difference on ViT-B's four layers (Assets/calibration/measure_cold_weights.py): 1.04-1.34x at 50-400 rows,
none from 1,576 rows up.

For every forward linear op of the manifests (`convtop calibrate`'s format) with at most --max-rows rows (every
--every-th row count of each shape's grid), cold and warm as cold_timing.py times them: the input is the hot
tensor, rewritten after the flush (the layer before would have left it in the L2), the weights stay cold.
Writes one JSON object per op: key, rows, in, out, bias, warm_us and cold_us (the op's kernels summed), and the
kernels of each (name, grid, duration). fp32 tensors, FP32 matrix products (PyTorch's defaults).
"""
import argparse, gzip, json, os, sys, time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cold_timing import measure  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("paths", nargs="+")
ap.add_argument("--max-rows", type=int, default=2048)
ap.add_argument("--every", type=int, default=2)
ap.add_argument("--budget", type=float, default=420.0)
ap.add_argument("--reps", type=int, default=5)
ap.add_argument("--chunk", type=int, default=48)
A = ap.parse_args()
*manifests, OUT = A.paths
T0 = time.time()
torch.backends.cuda.matmul.allow_tf32 = False
dev = torch.device("cuda")


def ops():
    """Forward linear entries of the manifests, every --every-th row count of each (in, out, bias) shape."""
    chosen = []
    for path in manifests:
        entries = [json.loads(l) for l in gzip.open(path, "rt")]
        entries = [e for e in entries if e["family"] == "linear" and e["pass"] == "forward" and e["params"]["x"][0] <= A.max_rows]
        shapes = {}
        for e in entries:
            p = e["params"]
            shapes.setdefault((p["x"][1], p["out"][0], p["bias"][0]), []).append(e)
        for group in shapes.values():
            group.sort(key=lambda e: e["params"]["x"][0])
            chosen += group[::A.every] if len(group) > 6 else group
    return chosen


def build(e):
    p = e["params"]
    rows, i = p["x"]; o = p["out"][0]
    x = torch.randn(rows, i, device=dev); w = torch.randn(o, i, device=dev)
    b = torch.randn(o, device=dev) if p["bias"][0] else None
    return x, lambda: F.linear(x, w, b)


def describe(e):
    p = e["params"]
    return dict(key=e["key"], rows=p["x"][0], **{"in": p["x"][1]}, out=p["out"][0], bias=p["bias"][0])


todo = ops()
print(f"{len(todo)} ops", flush=True)
measure(todo, build, describe, OUT, A.reps, A.chunk, A.budget, T0)
