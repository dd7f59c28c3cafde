#!/usr/bin/env python3
"""Does having used PyTorch's profiler in a process change how fast the GPU runs concurrent work afterwards?

Run on a CUDA machine with PyTorch and torchvision:  python3 measure_profiler_effect.py OUT.jsonl
Round 3's front-end benchmark (measure_frontend.py profiles each grid size before timing it) measured a front end
seven times slower than rounds 4 and 5 (measure_device_side.py, which never profiles), and round 7 reproduced the
slow one on a lease whose driver is round 5's. Here one process times the same cases twice, CUDA events around
CUDA Graph replays as in every round: first before anything has used the profiler, then after one short profiled
run of a single kernel. Cases: the front-end benchmark's chains (512 in-place adds of 1-528 blocks as 1-16 chains),
four chains of two small convolutions against one stream (measure_round2.py's grid), and GoogLeNet and
Inception-v3 at batch 1, serial and with the branch rule on 8 streams. Output: one JSON line per case and phase
(Assets/calibration/round8/profiler_effect.jsonl; H200, PyTorch 2.11, CUDA 13.0; about 40 s).
"""
import json
import os
import sys

import torch
import torch.fx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
OUTFILE = sys.argv[1] if len(sys.argv) > 1 else "profiler_effect.jsonl"
sys.argv = [sys.argv[0], os.path.dirname(os.path.abspath(OUTFILE)) or "."]  # measure_round2 reads OUT from argv
import measure_round2 as r2  # noqa: E402
from cuda_timing import before_and_after_profiler, capture, timed, timed_device  # noqa: E402
from measure_frontend import KERNELS, chains  # noqa: E402

FRONT = [(b, s) for b in (1, 33, 264, 528) for s in (1, 2, 4, 8, 16)]
CHAINS = [(1, 32, 7, 1), (8, 32, 14, 3), (1, 128, 28, 3), (8, 256, 7, 1)]
NETS = ["googlenet", "inception_v3"]


def emit(rec):
    with open(OUTFILE, "a") as f: f.write(json.dumps(rec) + "\n")
    print(json.dumps(rec), flush=True)


def measure(phase):
    for b, s in FRONT:
        g = capture(chains(b, s))
        dev_ms, _ = timed_device(g.replay, reps=20)
        emit({"phase": phase, "kind": "frontend", "blocks": b, "streams": s, "kernels": KERNELS,
              "graph_ms": timed(g.replay, reps=30, warm=5), "graph_device_ms": dev_ms})
        del g
    with torch.no_grad():
        for batch, c, hw, k in CHAINS:
            _, serial, parallel = r2.chains_setup(batch, c, hw, k)
            a, p = capture(serial(4)), capture(parallel(4))
            emit({"phase": phase, "kind": "conv_chains", "batch": batch, "channels": c, "map": hw, "kernel": k,
                  "serial4_ms": timed(a.replay), "streams4_ms": timed(p.replay)})
        for name in NETS:
            torch.manual_seed(0)
            gm = torch.fx.symbolic_trace(r2.build(name).to(r2.dev).eval())
            x = r2.rand(1, 3, r2.size_of(name), r2.size_of(name))
            br = r2.Branchy(gm)
            emit({"phase": phase, "kind": "network", "model": name, "batch": 1,
                  "serial_graph_ms": timed(capture(lambda: gm(x)).replay, reps=30),
                  "branch_graph_ms": timed(capture(lambda: br(x)).replay, reps=30)})
    torch.cuda.empty_cache()


def main():
    open(OUTFILE, "w").close()
    before_and_after_profiler(measure)


if __name__ == "__main__":
    main()
