#!/usr/bin/env python3
"""Two cuDNN convolutions side by side: how much each slows beside the other.

Runs on a CUDA machine with PyTorch:  python3 measure_conv_pairs.py OUT.jsonl

Why: the chain grid (round 2) gives the speedup of identical chains side by side, which hides which side pays.
Round 25's probes showed that convtop protects slow catalog kernels from co-resident blocks and over-charges light
ones, two errors that cancel in networks. Here every ordered pair of the interference set's eight shapes (the chain
grid's shapes convtop gets most wrong, and some it gets right), the same shape with itself included: the first
convolution, captured back to back in one CUDA Graph for about 2 ms, replays on one stream while the second's graph,
about three times as long, replays on another (started first), so that the first runs wholly beside the second.
Per pair: the first's µs per convolution alone and beside the second, medians of three rounds (TF32,
cudnn.benchmark off, clean process).
Output: Assets/calibration/round25/conv_pairs.jsonl (H200, PyTorch 2.11, CUDA 13.0).
"""
import json
import statistics
import sys

import torch

from measure_interference import SHAPES

FOREGROUND_US = 2000.0


def graph_of(shape, total_us, stream):
    """One convolution of `shape` captured back to back for about `total_us` µs, the count, and the module and input
    the graph reads (kept alive with it: a replay of freed tensors faults)."""
    b, c, m, k = shape
    conv = torch.nn.Conv2d(c, c, k, padding=k // 2, bias=False).cuda().eval()
    x = torch.randn(b, c, m, m, device="cuda")
    with torch.no_grad(), torch.cuda.stream(stream):
        for _ in range(3):
            conv(x)
        torch.cuda.synchronize()
        a, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record(); conv(x); e.record(); e.synchronize()
        reps = max(20, min(4000, int(total_us / max(a.elapsed_time(e) * 1000, 1))))
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g, stream=stream):
            for _ in range(reps):
                conv(x)
    torch.cuda.synchronize()
    return g, reps, conv, x


def main():
    out = sys.argv[1]
    torch.backends.cudnn.benchmark = False
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    front, back = torch.cuda.Stream(), torch.cuda.Stream()
    fg = {s: graph_of(s, FOREGROUND_US, front) for s in SHAPES}
    bg = {s: graph_of(s, 3 * FOREGROUND_US, back) for s in SHAPES}

    def timed(g, reps, stream, beside=None):
        a, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        if beside is not None:
            with torch.cuda.stream(back):
                beside.replay()
        with torch.cuda.stream(stream):
            a.record(); g.replay(); e.record()
        torch.cuda.synchronize()
        return a.elapsed_time(e) * 1000 / reps

    with open(out, "w") as f:
        for s in SHAPES:
            g, reps = fg[s][0], fg[s][1]
            for _ in range(2):
                timed(g, reps, front)
            alone = statistics.median([timed(g, reps, front) for _ in range(3)])
            for t in SHAPES:
                beside = statistics.median([timed(g, reps, front, bg[t][0]) for _ in range(3)])
                row = {"first": list(s), "second": list(t), "first_us": alone, "first_beside_us": beside, "first_count": reps,
                       "second_count": bg[t][1]}
                f.write(json.dumps(row) + "\n")
                print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
