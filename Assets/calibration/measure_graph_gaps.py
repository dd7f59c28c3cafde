#!/usr/bin/env python3
"""Where a serial CUDA Graph replay of a real network spends the time between its kernels.

Runs on a CUDA machine with PyTorch and torchvision:  python3 measure_graph_gaps.py OUT.jsonl.gz

For each network (batch 1: ResNet-50, GoogLeNet, DenseNet-121, MobileNet-v2 inference; MobileNet-v2 and SqueezeNet
training steps with SGD momentum, foreach) the serial iteration is captured as one CUDA Graph, replayed 20 times for
its time (CUDA events), then 3 replays are profiled. Every GPU activity of the last profiled replay is written in
order (name, category, grid, block, start, duration), with a summary line per network: replay time, sum of
durations, and the gaps between consecutive activities. Compared with the standalone kernel times of the catalog this
says whether the time a network spends beyond its kernels is launch gaps, non-kernel nodes (memsets, copies), or
kernels that run longer inside the network. Output: Assets/calibration/round3/graph_gaps.jsonl.gz.
"""
import gzip
import json
import os
import statistics
import sys
import tempfile

import torch
import torchvision

from cuda_timing import capture, timed

torch.backends.cudnn.benchmark = False
torch.backends.cudnn.allow_tf32 = True
torch.backends.cuda.matmul.allow_tf32 = False
DEV = "cuda"


def activities(g):
    """GPU activities of the last of three profiled replays, in start order."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as p:
        for _ in range(3):
            g.replay(); torch.cuda.synchronize()
    path = os.path.join(tempfile.mkdtemp(), "trace.json")
    p.export_chrome_trace(path)
    ev = [e for e in json.load(open(path))["traceEvents"] if e.get("cat") in ("kernel", "gpu_memset", "gpu_memcpy")]
    ev.sort(key=lambda e: e["ts"])
    n = len(ev) // 3
    return ev[-n:] if n else []


def network(name, mode):
    torch.manual_seed(0)
    if name == "googlenet":
        model = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False).to(DEV)
    else:
        model = getattr(torchvision.models, name)(weights=None).to(DEV)
    x = torch.randn(1, 3, 224, 224, device=DEV)
    if mode == "inference":
        model.eval()

        def fn():
            with torch.no_grad():
                model(x)
    else:
        model.train()
        y = torch.randint(0, 1000, (1,), device=DEV)
        lossf = torch.nn.CrossEntropyLoss()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, foreach=True)

        def fn():
            opt.zero_grad(set_to_none=False)
            lossf(model(x), y).backward()
            opt.step()
    g = capture(fn)
    ms = timed(g.replay)
    acts = activities(g)
    return ms, acts


def main():
    out = gzip.open(sys.argv[1] if len(sys.argv) > 1 else "graph_gaps.jsonl.gz", "wt")
    cases = [("resnet50", "inference"), ("googlenet", "inference"), ("densenet121", "inference"),
             ("mobilenet_v2", "inference"), ("mobilenet_v2", "training"), ("squeezenet1_0", "training")]
    for name, mode in cases:
        try:
            ms, acts = network(name, mode)
        except Exception as e:  # one network's failure does not stop the others
            out.write(json.dumps({"kind": "error", "model": name, "mode": mode, "error": str(e)[:300]}) + "\n")
            print(f"error: {name} {mode}: {e}", flush=True)
            continue
        gaps = [b["ts"] - (a["ts"] + a["dur"]) for a, b in zip(acts, acts[1:])]
        rec = {"kind": "network", "model": name, "mode": mode, "batch": 1, "graph_ms": ms, "activities": len(acts),
               "kernels": sum(1 for a in acts if a["cat"] == "kernel"),
               "memsets": sum(1 for a in acts if a["cat"] == "gpu_memset"),
               "memcpys": sum(1 for a in acts if a["cat"] == "gpu_memcpy"),
               "duration_sum_us": sum(a["dur"] for a in acts),
               "span_us": (acts[-1]["ts"] + acts[-1]["dur"] - acts[0]["ts"]) if acts else 0,
               "gap_sum_us": sum(gaps), "gap_median_us": statistics.median(gaps) if gaps else 0,
               "gap_p90_us": sorted(gaps)[int(0.9 * len(gaps))] if gaps else 0}
        out.write(json.dumps(rec) + "\n")
        print(json.dumps(rec), flush=True)
        for a in acts:
            args = a.get("args", {})
            out.write(json.dumps({"kind": "activity", "model": name, "mode": mode, "name": a["name"][:160], "cat": a["cat"],
                                  "grid": args.get("grid"), "block": args.get("block"), "ts": a["ts"], "dur": a["dur"]}) + "\n")
        torch.cuda.empty_cache()
    out.close()


if __name__ == "__main__":
    main()
