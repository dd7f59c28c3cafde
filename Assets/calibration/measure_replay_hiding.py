#!/usr/bin/env python3
"""Which graphs hide the host's per-node replay cost of a profiled process, and which make the device wait for it?

Runs on a CUDA machine with PyTorch:  python3 measure_replay_hiding.py OUT.jsonl

Round 12 found that once PyTorch's profiler has run, a replay's host call grows about 0.22 µs a node; graphs of tiny
adds wait for all of it, while torchvision networks hide anywhere from none (DenseNet-121 at batch 1) to 85% of it
(measure_network_replay.py). This times single-stream graphs that differ in one thing at a time, in a process that has
not profiled and again after one profiler run, each three ways (host call, replay from an idle GPU, device alone;
medians of 30, three interleaved rounds):
  - "adds": N one-block adds, N = 256, 1024, 2048 (does the cost stay exposed as the graph grows?);
  - "mm": 256 small matrix products (64 x 64, cuBLAS), "conv": 256 small convolutions (16 channels, 14 x 14, 3 x 3,
    cuDNN), "big_adds": 256 adds on 4M floats (each ~5 µs of DRAM traffic), "mixed": 128 convolutions and 128 adds
    alternating (does the kind or length of a node change the cost or how much of it is hidden?);
  - "spin_last": 256 adds then a 200 µs spin (the mirror of round 12's spin-first graphs).
Output: Assets/calibration/round12/replay_hiding.jsonl.
"""
import json
import sys

import torch
import torch.nn.functional as F

from cuda_timing import capture, cycles_per_us, profile_once, replay_costs

DEV = "cuda"
ROUNDS = 3


def graph(kind, n):
    x = torch.zeros(1024, device=DEV)
    big = torch.zeros(4 << 20, device=DEV)
    a = torch.randn(64, 64, device=DEV)
    img = torch.randn(1, 16, 14, 14, device=DEV)
    w = torch.randn(16, 16, 3, 3, device=DEV)
    spin = int(200 * cycles_per_us())

    def fn():
        if kind == "adds":
            for _ in range(n): x.add_(1.0)
        elif kind == "big_adds":
            for _ in range(n): big.add_(1.0)
        elif kind == "mm":
            y = a
            for _ in range(n): y = torch.mm(y, a)
        elif kind == "conv":
            y = img
            for _ in range(n): y = F.conv2d(y, w, padding=1)
        elif kind == "mixed":
            y = img
            for _ in range(n // 2):
                y = F.conv2d(y, w, padding=1); x.add_(1.0)
        elif kind == "spin_last":
            for _ in range(n): x.add_(1.0)
            torch.cuda._sleep(spin)
    return capture(fn)


def main():
    torch.backends.cudnn.benchmark = False
    torch.backends.cuda.matmul.allow_tf32 = False
    out = open(sys.argv[1] if len(sys.argv) > 1 else "replay_hiding.jsonl", "w")
    prop = torch.cuda.get_device_properties(0)
    out.write(json.dumps({"kind": "device", "name": prop.name, "torch": torch.__version__, "cuda": torch.version.cuda}) + "\n")
    torch.cuda._sleep(1000); torch.cuda.synchronize()
    cases = [("adds", 256), ("adds", 1024), ("adds", 2048), ("mm", 256), ("conv", 256), ("big_adds", 256),
             ("mixed", 256), ("spin_last", 256)]
    with torch.no_grad():
        graphs = {c: graph(*c) for c in cases}

        def measure(state):
            for r in range(ROUNDS):
                for c, g in graphs.items():
                    rec = {"kind": c[0], "nodes": c[1], "state": state, "round": r, **replay_costs(g)}
                    out.write(json.dumps(rec) + "\n"); out.flush()
                    if r == 0:
                        print(f"{state:8s} {c[0]:9s} n={c[1]:4d}: host {rec['host_call_us']:7.1f} us, replay "
                              f"{rec['replay_ms'] * 1000:8.1f} us, device {rec['device_ms'] * 1000:8.1f} us", flush=True)

        measure("clean")
        profile_once()
        measure("profiled")


if __name__ == "__main__":
    main()
