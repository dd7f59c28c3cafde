#!/usr/bin/env python3
"""Where a small-batch serial replay spends its time, batch by batch: profiled CUDA Graph replays of torchvision
networks at batch 1, 2, 4 and 8, every GPU activity with its start and duration.

Runs on a CUDA machine with PyTorch and torchvision:  python3 measure_batch_profiles.py OUT.jsonl.gz

Why: convtop's serial times of GoogLeNet, MobileNet-v2, NASNet, RandWire and DenseNet-121 come out 2-4% short at batch 1
(outputs freed) but 7-11% short at batch 2 (round 13's zoo runs), while the catalog holds every op at both batches
and the kernels' summed times agree. Each network (the traced module, which frees each output after its last use)
is captured serially, its replay timed with CUDA events from an idle GPU before the profiler first runs (`ms`), and
after all timings one replay of each is profiled: kernels and memsets with name, grid, start and duration.
Output: Assets/calibration/round13/batch_profiles.jsonl.gz (H200, PyTorch 2.11, CUDA 13.0).
"""
import gzip
import json
import sys

import torch
import torch.fx

import measure_round2 as r2
from cuda_timing import capture, timed
from measure_graph_gaps import activities

NETWORKS = ["googlenet", "mobilenet_v2", "densenet121", "resnet50", "inception_v3"]
BATCHES = [1, 2, 4, 8]


def main(path):
    out = gzip.open(path, "wt")
    graphs = []
    with torch.no_grad():
        for name in NETWORKS:
            torch.manual_seed(0)
            model = r2.build(name).to(r2.dev).eval()
            for b in BATCHES:
                x = r2.rand(b, 3, r2.size_of(name), r2.size_of(name))
                g = capture(lambda: model(x), warm=2)
                ms = timed(g.replay, reps=30)
                out.write(json.dumps({"kind": "replay", "model": name, "batch": b, "ms": ms}) + "\n")
                print(name, b, ms, flush=True)
                graphs.append((name, b, g, model, x))
        for name, b, g, _, _ in graphs:
            for a in activities(g):
                out.write(json.dumps({"kind": "activity", "model": name, "batch": b, "name": a["name"][:90], "cat": a.get("cat"),
                                      "grid": a.get("args", {}).get("grid"), "ts": a["ts"], "dur": a["dur"]}) + "\n")
    out.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "batch_profiles.jsonl.gz")
