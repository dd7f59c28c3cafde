"""Times backward ops as a training step runs them, with what they saved in the forward pass out of the L2.

    python3 measure_cold_backward.py MANIFEST OUT.jsonl [--budget SECONDS] [--every F=N ...]

The catalog times each op in repeats, so everything a backward op reads stays in the L2 from one repeat to the next.
In a training step it does not: a batch-norm backward reads the input its forward saved, a weight gradient the
convolution's input, a ReLU backward its output, a max-pool backward its input, and a data gradient the weights; in
a step whose activations exceed the L2 (60 MB on the H200) those come from DRAM (and a dropout backward its mask,
a linear layer's gradients its input or weights), while the incoming gradient was just
written by the kernel before. Batch-norm backward kernels of one block per channel are latency-bound, and DRAM's
latency is longer than the L2's.

For every --every-th manifest entry of each measured family and pass (`convtop calibrate`'s manifest; defaults:
every batch-norm, ReLU, pooling and dropout backward and linear gradient, every third convolution gradient), cold
and warm as cold_timing.py times them: the incoming gradient is the hot tensor, rewritten after the flush; the
saved tensors and the weights stay cold. Writes one JSON object per op: key, family, pass, params, warm_us and
cold_us (the op's kernels summed), and the kernels of each (name, grid, duration). fp32 tensors, TF32 convolutions,
cudnn.benchmark off (PyTorch's defaults, as the catalog). Asked for with --every conv.forward=N, convolutions'
forward passes are timed the same way, the input hot and the weights cold (a network whose weights exceed the L2).
"""
import argparse, gzip, json, os, sys, time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cold_timing import measure  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("manifest"); ap.add_argument("out")
ap.add_argument("--budget", type=float, default=420.0)
ap.add_argument("--reps", type=int, default=5)
ap.add_argument("--chunk", type=int, default=48)
ap.add_argument("--every", nargs="*", default=[])
A = ap.parse_args()
T0 = time.time()
torch.backends.cudnn.benchmark = False
torch.backends.cudnn.allow_tf32 = True
torch.backends.cuda.matmul.allow_tf32 = False
dev = torch.device("cuda")
EVERY = {("batchnorm", "backward"): 1, ("relu", "backward"): 1, ("pool", "backward"): 1, ("dropout", "backward"): 1,
         ("linear", "wgrad"): 1, ("linear", "dgrad"): 1, ("conv", "wgrad"): 3, ("conv", "dgrad"): 3}
for spec in A.every:
    name, n = spec.split("=")
    fam, pas = name.split(".")
    EVERY[(fam, pas)] = int(n)


def rand(shape, grad=False):
    return torch.randn(*shape, device=dev).requires_grad_(grad)


def backward(y, ins):
    """(incoming gradient, closure running the backward of y for ins alone)."""
    gy = torch.randn_like(y)
    return gy, lambda: torch.autograd.grad(y, ins, gy, retain_graph=True)


def build(e):
    f, pas, p = e["family"], e["pass"], e["params"]
    if f == "conv":
        c, g = p["x"][1], p["g"][0]
        x = rand(p["x"], pas == "dgrad")
        if p.get("cl", [0])[0]:
            x = x.detach().contiguous(memory_format=torch.channels_last).requires_grad_(pas == "dgrad")
        wt = rand([p["cout"][0], c // g, *p["k"]], pas == "wgrad")
        b = rand([p["cout"][0]], pas == "wgrad") if p["bias"][0] else None
        if pas == "forward":  # the input just written, the weights cold
            return x, lambda: F.conv2d(x, wt, b, stride=tuple(p["s"]), padding=tuple(p["p"]), dilation=tuple(p["d"]), groups=g)
        y = F.conv2d(x, wt, b, stride=tuple(p["s"]), padding=tuple(p["p"]), dilation=tuple(p["d"]), groups=g)
        return backward(y, [x] if pas == "dgrad" else [t for t in (wt, b) if t is not None])
    if f == "batchnorm":
        m = torch.nn.BatchNorm2d(p["x"][1]).to(dev).train(True)
        x = rand(p["x"], True)
        return backward(m(x), [x, m.weight, m.bias])
    if f == "linear":
        rows, i = p["x"]; o = p["out"][0]
        x = rand([rows, i], pas == "dgrad"); w = rand([o, i], pas == "wgrad")
        b = rand([o], pas == "wgrad") if p["bias"][0] else None
        return backward(F.linear(x, w, b), [x] if pas == "dgrad" else [t for t in (w, b) if t is not None])
    x = rand(p["x"], True)
    if f == "dropout":
        return backward(F.dropout(x, 0.5, True), [x])
    if f == "relu":
        return backward(F.relu6(x) if p["six"][0] else F.relu(x), [x])
    if f == "pool":
        k, s, pad, ceil = p["k"][0], p["s"][0], p["p"][0], bool(p["ceil"][0])
        y = F.max_pool2d(x, k, s, pad, ceil_mode=ceil) if p["max"][0] else F.avg_pool2d(x, k, s, pad, ceil_mode=ceil)
        return backward(y, [x])
    raise ValueError("unmeasured family " + f)


def ops():
    entries = [json.loads(l) for l in gzip.open(A.manifest, "rt")]
    chosen = []
    for (fam, pas), n in EVERY.items():
        group = [e for e in entries if e["family"] == fam and e["pass"] == pas and e["params"].get("train", [1])[0]]
        chosen += group[::n]
    return chosen


todo = ops()
print(f"{len(todo)} ops", flush=True)
measure(todo, build, lambda e: dict(key=e["key"], family=e["family"], **{"pass": e["pass"]}, params=e["params"]),
        A.out, A.reps, A.chunk, A.budget, T0)
