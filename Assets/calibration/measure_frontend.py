#!/usr/bin/env python3
"""How fast the GPU's front end starts independent grids, and what a grid's block count costs it.

Runs on a CUDA machine with PyTorch:  python3 measure_frontend.py OUT.jsonl

Each case is one CUDA Graph of 512 element-wise kernels (in-place add on a float tensor of 1024 x B elements:
PyTorch's vectorised kernel gives it B thread blocks of 128 threads, almost no work per block; the profiled grid is
recorded) spread over S streams as S independent chains of 512/S kernels. Replayed 30 times after 5 warm-ups; the
median replay time (CUDA events) is recorded with the time of an empty replay, so per-kernel figures can subtract
the graph-launch floor. S = 1 gives the cost of a dependent step; S > 1 how fast grids start when nothing makes
them wait, and how that grows with B. A profiled eager run gives each B's standalone kernel duration (median of
50) and its grid. Output: Assets/calibration/round3/frontend.jsonl (H200, PyTorch 2.11, CUDA 13.0; 20 s).
"""
import json
import os
import tempfile
import statistics
import sys

import torch

from cuda_timing import capture, timed

DEV = "cuda"
KERNELS = 512
BLOCKS = [1, 8, 33, 66, 132, 264, 528, 1056, 2112, 4224]
STREAMS = [1, 2, 4, 8, 16]


def chains(blocks, streams):
    xs = [torch.zeros(1024 * blocks, device=DEV) for _ in range(streams)]
    ss = [torch.cuda.Stream() for _ in range(streams)]
    per = KERNELS // streams

    def fn():
        main = torch.cuda.current_stream()
        for s in ss: s.wait_stream(main)
        for _ in range(per):
            for x, s in zip(xs, ss):
                with torch.cuda.stream(s): x.add_(1.0)
        for s in ss: main.wait_stream(s)
    return fn


def kernel_info(blocks):
    """Median standalone duration (µs) and grid of the add kernel on 1024 x blocks elements."""
    x = torch.zeros(1024 * blocks, device=DEV)
    for _ in range(5): x.add_(1.0)
    torch.cuda.synchronize()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as p:
        for _ in range(50):
            x.add_(1.0); torch.cuda.synchronize()
    path = os.path.join(tempfile.mkdtemp(), "trace.json")
    p.export_chrome_trace(path)
    ks = [e for e in json.load(open(path))["traceEvents"] if e.get("cat") == "kernel"]
    durs = [k["dur"] for k in ks]
    grid = ks[0].get("args", {}).get("grid") if ks else None
    return (statistics.median(durs) if durs else None), grid


def main():
    out = open(sys.argv[1] if len(sys.argv) > 1 else "frontend.jsonl", "w")
    empty = capture(lambda: None)
    floor = timed(lambda: empty.replay(), reps=30, warm=5)
    prop = torch.cuda.get_device_properties(0)
    out.write(json.dumps({"kind": "device", "name": prop.name, "sms": prop.multi_processor_count,
                          "torch": torch.__version__, "cuda": torch.version.cuda, "empty_graph_ms": floor}) + "\n")
    for b in BLOCKS:
        dur, grid = kernel_info(b)
        for s in STREAMS:
            g = capture(chains(b, s))
            ms = timed(lambda: g.replay(), reps=30, warm=5)
            rec = {"kind": "frontend", "blocks": b, "threads": 128, "streams": s, "kernels": KERNELS, "graph_ms": ms, "grid": grid,
                   "empty_graph_ms": floor, "kernel_us": dur,
                   "per_kernel_us": (ms - floor) * 1000 / KERNELS}
            out.write(json.dumps(rec) + "\n"); out.flush()
            print(f"blocks {b:5d} grid {grid} streams {s:2d}: {rec['per_kernel_us']:.3f} us/kernel (standalone {dur} us)", flush=True)
            del g
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
