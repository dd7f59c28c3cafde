#!/usr/bin/env python3
"""Does the branch harness's memory, rather than its streams, slow a replay? Serial and branch-rule CUDA Graphs of
torchvision networks, each also with the other's memory lifetimes.

Runs on a CUDA machine with PyTorch and torchvision:  python3 measure_branch_liveness.py OUT.jsonl
(the per-kernel profiles go beside it, to OUT_kernels.jsonl.gz)

Why: measure_round2.py's `Branchy` (Opara's branch rule) keeps every node's output alive until the forward ends, as a
multi-stream program that cannot free a tensor before the other streams are done with it does; the serial run
(`gm(x)`) frees each output after its last use, so the caching allocator hands the next node a buffer that was just
used. MobileNet-v2 and DenseNet-121 run on ONE stream under the branch rule and still replay 5-10% slower than
serially at batch 1 (round 2, round 4). Four variants per network and batch tell memory from streams:
  serial        gm(x): one stream, outputs freed after their last use
  serial_alive  the fx nodes in order on one stream, every output kept until the end (round 8's node_by_node)
  branch        measure_round2.Branchy: the branch rule on 8 streams, every output kept (as rounds 2, 4, 5 measured)
  branch_freed  the branch rule, each output freed after its last use (round 8's BranchyFree, record_stream)
Round 8 (measure_interpreter_effect.py) timed the same variants of four networks in a profiled process; this run
covers nine networks, times them before the profiler runs, adds the device-side time, the outputs' footprint and
the per-kernel profiles, and `convtop validate` prints it.
Each is captured as a CUDA Graph and timed with CUDA events from an idle GPU (`ms`) and on the device alone
(`device_ms`, cuda_timing.timed_device), all before the profiler first runs in this process (a clean process).
Then, profiled, the per-kernel durations of GoogLeNet and MobileNet-v2 at batch 1 in every variant.
Output: Assets/calibration/round13/branch_liveness.jsonl and branch_liveness_kernels.jsonl.gz (H200, PyTorch 2.11,
CUDA 13.0, driver 580.159).
"""
import gzip
import json
import os
import sys

import torch
import torch.fx

OUT_PATH = sys.argv[1] if len(sys.argv) > 1 else "branch_liveness.jsonl"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure_interpreter_effect as r8  # noqa: E402  (its import rewrites sys.argv for measure_round2)
import measure_round2 as r2  # noqa: E402
from cuda_timing import capture, timed, timed_device  # noqa: E402
from measure_graph_gaps import activities  # noqa: E402

NETWORKS = ["mobilenet_v2", "densenet121", "efficientnet_b0", "mnasnet1_0", "regnet_y_400mf", "googlenet", "inception_v3",
            "squeezenet1_0", "resnet50"]
BATCHES = [1, 8]
PROFILED = [("googlenet", 1), ("mobilenet_v2", 1)]


def footprint_mb(gm, x):
    """Megabytes of every node's output (what `serial_alive` and `branch` keep)."""
    env, total = {}, 0
    for n in gm.graph.nodes:
        if n.op == "placeholder": env[n] = x
        elif n.op == "get_attr": env[n] = getattr(gm, n.target)
        elif n.op != "output":
            env[n] = r8.run_node(gm, n, env)
            if isinstance(env[n], torch.Tensor): total += env[n].numel() * env[n].element_size()
    return total / 2**20


def variants(gm, x):
    br, bf = r2.Branchy(gm), r8.BranchyFree(gm)
    alive = r8.node_by_node(gm, free=False)
    return {"serial": lambda: gm(x), "serial_alive": lambda: alive(x), "branch": lambda: br(x), "branch_freed": lambda: bf(x)}, len(br.used)


def main(out_path):
    out = open(out_path, "w")
    dev = torch.device("cuda")
    out.write(json.dumps({"kind": "device", "name": torch.cuda.get_device_name(), "torch": torch.__version__,
                          "cuda": torch.version.cuda}) + "\n")
    graphs = {}
    for name in NETWORKS:
        for batch in BATCHES:
            torch.manual_seed(0)
            model = r2.build(name).to(dev).eval()
            x = r2.rand(batch, 3, r2.size_of(name), r2.size_of(name))
            gm = torch.fx.symbolic_trace(model)
            rec = {"kind": "network", "model": name, "batch": batch}
            with torch.no_grad():
                rec["footprint_mb"] = footprint_mb(gm, x)
                fns, rec["streams_used"] = variants(gm, x)
                for v, fn in fns.items():
                    g = capture(fn, warm=2)
                    rec[v + "_ms"] = timed(g.replay, reps=30)
                    rec[v + "_device_ms"], _ = timed_device(g.replay, reps=30)
                    if (name, batch) in PROFILED: graphs[(name, batch, v)] = (g, model, x)
                    else: del g
            out.write(json.dumps(rec) + "\n"); out.flush()
            print(rec, flush=True)
            torch.cuda.empty_cache()
    out.close()
    out = gzip.open(out_path.removesuffix(".jsonl") + "_kernels.jsonl.gz", "wt")
    for (name, batch, v), (g, _, _) in graphs.items():
        for a in activities(g):
            out.write(json.dumps({"kind": "activity", "model": name, "batch": batch, "variant": v, "name": a["name"],
                                  "grid": a.get("args", {}).get("grid"), "stream": a.get("args", {}).get("stream"),
                                  "ts": a["ts"], "dur": a["dur"]}) + "\n")
    out.close()


if __name__ == "__main__":
    main(OUT_PATH)
