#!/usr/bin/env python3
"""Does the order of the same kernels change a serial replay's time? Pairs of ops, alternating against grouped.

Runs on a CUDA machine with PyTorch:  python3 measure_kernel_order.py OUT.jsonl

Why: round 14's node-by-node replays (measure_prefix_replays.py) found batch norms 0.25-0.8 µs and convolutions about
0.2 µs longer inside a network than convtop prices them, while ReLUs and pools are right; in the eager profile cuDNN's
batch-norm kernel took 0.48 µs more in the network than the catalog measured alone. Inside a network a batch norm
follows a convolution; in the catalog it follows itself. Here two ops A and B, each on its own tensors (no data
dependence between them), run N times each in one CUDA Graph on one stream, in two orders with the same kernels:
grouped (A N times, then B N times: one switch) and alternating (A B A B ...: 2N - 1 switches). Both are replayed
behind a spin kernel (cuda_timing.timed_device: the device alone), medians of REPS, several rounds in turn. The
difference over the extra switches is what a switch between the two kernels costs. Ops: a 3x3 and a 1x1 convolution
(cuDNN, TF32, shared memory), batch norm in inference (cuDNN), an in-place ReLU, a max pool and an fp32 linear layer
(cuBLAS), at batch 1 and 4. Six pairs also run chained, each op reading what the one before it wrote (as in a network,
with weights of its own): against the independent alternating order, what a dependence costs.
Output: Assets/calibration/round14/kernel_order.jsonl (H200, PyTorch 2.11, CUDA 13.0).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from cuda_timing import capture, timed_device  # noqa: E402

torch.backends.cudnn.benchmark = False
torch.backends.cudnn.allow_tf32 = True
torch.backends.cuda.matmul.allow_tf32 = False
DEV = torch.device("cuda")
N, REPS, ROUNDS = 40, 40, 3
PAIRS = [("conv3", "bn"), ("conv3", "relu"), ("bn", "relu"), ("conv1", "bn"), ("conv3", "conv1"), ("relu", "pool"),
         ("linear", "relu"), ("conv3", "pool")]
# Pairs also run dependent (each op reads what the one before it wrote, as in a network): "chained".
CHAINED = {("conv3", "bn"), ("conv3", "relu"), ("bn", "relu"), ("conv1", "bn"), ("conv3", "conv1"), ("linear", "relu")}


def op(kind, b):
    """A closure running one op of `kind` at batch b on tensors of its own (a 128-channel 28x28 map)."""
    x = torch.randn(b, 128, 28, 28, device=DEV)
    if kind == "conv3":
        w = torch.randn(128, 128, 3, 3, device=DEV)
        return lambda: F.conv2d(x, w, padding=1)
    if kind == "conv1":
        w = torch.randn(128, 128, 1, 1, device=DEV)
        return lambda: F.conv2d(x, w)
    if kind == "bn":
        m = torch.nn.BatchNorm2d(128).to(DEV).eval()
        return lambda: m(x)
    if kind == "relu":
        return lambda: F.relu_(x)
    if kind == "pool":
        return lambda: F.max_pool2d(x, 3, 2, ceil_mode=True)
    if kind == "linear":
        a = torch.randn(b * 196, 512, device=DEV)
        w = torch.randn(512, 512, device=DEV)
        return lambda: F.linear(a, w)
    raise ValueError(kind)


def layer(kind, b):
    """A function of one tensor for the chained order: the same op with its own weights (scaled to keep values near 1)."""
    if kind in ("conv3", "conv1"):
        k = 3 if kind == "conv3" else 1
        w = torch.randn(128, 128, k, k, device=DEV) / (128 * k * k) ** 0.5
        return lambda y: F.conv2d(y, w, padding=k // 2)
    if kind == "bn":
        m = torch.nn.BatchNorm2d(128).to(DEV).eval()
        return lambda y: m(y)
    if kind == "relu":
        return lambda y: F.relu(y)
    if kind == "linear":
        w = torch.randn(512, 512, device=DEV) / 512 ** 0.5
        return lambda y: F.linear(y, w)
    raise ValueError(kind)


def chained(a, bb, b):
    """A B A B ... each reading the previous output (the linear pair on a (b*196, 512) matrix, the rest on maps)."""
    la, lb = layer(a, b), layer(bb, b)
    x = torch.randn(b * 196, 512, device=DEV) if a == "linear" else torch.randn(b, 128, 28, 28, device=DEV)

    def run():
        y = x
        for _ in range(N):
            y = lb(la(y))
        return y
    return run, x


def sequence(fa, fb, order):
    def run():
        if order == "grouped":
            for _ in range(N): fa()
            for _ in range(N): fb()
        else:
            for _ in range(N):
                fa(); fb()
    return run


def main(path):
    out = open(path, "w")
    with torch.no_grad():
        cases = []
        for b in (1, 4):
            for a, bb in PAIRS:
                fa, fb = op(a, b), op(bb, b)
                graphs = {o: capture(sequence(fa, fb, o), warm=2) for o in ("grouped", "alternating")}
                keep = [fa, fb]
                if (a, bb) in CHAINED:
                    run, x = chained(a, bb, b)
                    graphs["chained"] = capture(run, warm=2)
                    keep += [run, x]
                alone = {k: capture(sequence(f, lambda: None, "grouped"), warm=2) for k, f in ((a, fa), (bb, fb))}
                cases.append((b, a, bb, graphs, alone, keep))  # the closures hold the graphs' tensors alive
        for r in range(ROUNDS):
            for b, a, bb, graphs, alone, _ in cases:
                t = {o: timed_device(g.replay, reps=REPS)[0] * 1000 for o, g in graphs.items()}
                t1 = {k: timed_device(g.replay, reps=REPS)[0] * 1000 for k, g in alone.items()}
                rec = {"round": r, "batch": b, "a": a, "b": bb, "n": N, "grouped_us": t["grouped"],
                       "alternating_us": t["alternating"], "a_alone_us": t1[a], "b_alone_us": t1[bb],
                       "per_switch_us": (t["alternating"] - t["grouped"]) / (2 * N - 2),
                       "chained_us": t.get("chained"),
                       "per_dependence_us": (t["chained"] - t["alternating"]) / (2 * N - 1) if "chained" in t else None}
                out.write(json.dumps(rec) + "\n"); out.flush()
                print(f"r{r} b{b} {a:6s} {bb:6s} grouped {t['grouped']:8.1f} alternating {t['alternating']:8.1f} "
                      f"per switch {rec['per_switch_us']:+.3f} us  ({a} x{N} {t1[a]:.1f}, {bb} x{N} {t1[bb]:.1f})"
                      + (f" chained {t['chained']:8.1f} per dependence {rec['per_dependence_us']:+.3f} us" if "chained" in t else ""), flush=True)
    out.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "kernel_order.jsonl")
