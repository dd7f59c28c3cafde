#!/usr/bin/env python3
"""Where a serial CUDA Graph replay spends its time, node by node, timed on the device: every prefix of a network.

Runs on a CUDA machine with PyTorch:  python3 measure_prefix_replays.py GRAPH_DIR OUT.jsonl.gz

Why: convtop's serial times of GoogLeNet, MobileNet-v2 and SqueezeNet come out 2-4% short at batch 1 but 7-11% short
at batch 2-8, and round 13 (measure_batch_profiles.py) put the extra between kernels, where the profiler cannot look
(under it every gap reads 0.42 us). Here no profiler runs while timing: for each graph file in GRAPH_DIR (convtop's zoo
graphs, gunzipped from Assets/calibration/round13/zoo_graphs/) and each batch, the first k nodes (k = 1 .. all, each
output freed after its last use within the prefix) are captured as one CUDA Graph and replayed behind a spin kernel
(cuda_timing.timed_device: the device's own time, the host's call hidden), median of REPS. T(k) - T(k-1) is node k's
time inside the network; convtop simulates the same prefixes (the graph file cut after node k), so the two curves can be
compared node by node. After every timing, each network runs once eagerly under the profiler, each node in its own
range, for its kernels' names, grids and durations.
Output: Assets/calibration/round14/prefix_replays.jsonl.gz (H200, PyTorch 2.11, CUDA 13.0).
"""
import gzip
import json
import os
import sys
import tempfile

GRAPHS, OUT = sys.argv[1], sys.argv[2]
sys.argv = [sys.argv[0], os.devnull, tempfile.mkdtemp()]  # measure_catalog parses argv on import
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "catalog"))
sys.path.insert(0, HERE)
import torch  # noqa: E402
import measure_catalog as mc  # noqa: E402
from cuda_timing import capture, timed, timed_device  # noqa: E402

NETWORKS = ["googlenet", "mobilenet_v2", "resnet50", "squeezenet1_0"]
BATCHES = [1, 4]
REPS = 40


def run_prefix(net, x, k):
    """The first k nodes of the graph, each output dropped after its last use within the prefix."""
    nodes = net.order[:k]
    last = {}
    for i, n in enumerate(nodes):
        for a in n["inputs"]: last[a] = i
    env = {net.g["inputs"][0]["name"]: x}
    for i, n in enumerate(nodes):
        env[n["name"]] = net.run_node(n, env)
        for a in n["inputs"]:
            if last.get(a) == i: env.pop(a, None)
    return env[nodes[-1]["name"]]


def node_kernels(net, x):
    """Each node's kernels (name, grid, block, duration) from one eager pass under the profiler, after a warm-up."""
    run_prefix(net, x, len(net.order)); torch.cuda.synchronize()
    acts = [torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]
    with torch.profiler.profile(activities=acts) as p:
        env = {net.g["inputs"][0]["name"]: x}
        for i, n in enumerate(net.order):
            with torch.profiler.record_function(f"node::{i}"):
                env[n["name"]] = net.run_node(n, env)
        torch.cuda.synchronize()
    path = os.path.join(tempfile.mkdtemp(), "trace.json")
    p.export_chrome_trace(path)
    ev = json.load(open(path))["traceEvents"]
    ranges = sorted((e for e in ev if e.get("cat") == "user_annotation" and str(e.get("name", "")).startswith("node::")),
                    key=lambda e: e["ts"])
    node_of = {}
    for e in ev:
        if e.get("cat") in ("cuda_runtime", "cuda_driver"):
            for r in ranges:
                if r["ts"] <= e["ts"] <= r["ts"] + r["dur"]:
                    node_of[e.get("args", {}).get("correlation")] = int(r["name"][6:])
    out = {}
    for e in sorted((e for e in ev if e.get("cat") in ("kernel", "gpu_memset", "gpu_memcpy")), key=lambda e: e["ts"]):
        i = node_of.get(e.get("args", {}).get("correlation"))
        if i is not None:
            a = e.get("args", {})
            out.setdefault(i, []).append({"name": e.get("name", "")[:90], "grid": a.get("grid"), "block": a.get("block"),
                                          "dur": e.get("dur")})
    return out


def main():
    out = gzip.open(OUT, "wt")
    nets = []
    with torch.no_grad():
        for name in NETWORKS:
            with gzip.open(os.path.join(GRAPHS, name + ".json.gz"), "rt") as fh: g = json.load(fh)
            for b in BATCHES:
                g["inputs"][0]["shape"][0] = b
                torch.manual_seed(0)
                net = mc.GraphNet(g).to(mc.dev).eval()
                x = torch.randn(*g["inputs"][0]["shape"], device=mc.dev)
                full = capture(lambda: run_prefix(net, x, len(net.order)), warm=2)
                rec = {"kind": "full", "model": name, "batch": b, "nodes": len(net.order),
                       "timed_ms": timed(full.replay, reps=REPS), "device_ms": timed_device(full.replay, reps=REPS)[0]}
                out.write(json.dumps(rec) + "\n"); out.flush()
                print(rec, flush=True)
                del full
                for k in range(1, len(net.order) + 1):
                    gk = capture(lambda: run_prefix(net, x, k), warm=1)
                    ms, host = timed_device(gk.replay, reps=REPS)
                    out.write(json.dumps({"kind": "prefix", "model": name, "batch": b, "nodes": k, "device_ms": ms,
                                          "host_us": host}) + "\n")
                    del gk
                out.flush()
                torch.cuda.empty_cache()
                nets.append((name, b, net, x))
        for name, b, net, x in nets:  # the profiler last: once it has run, the process's front end stays slower
            for i, ks in sorted(node_kernels(net, x).items()):
                out.write(json.dumps({"kind": "node", "model": name, "batch": b, "index": i,
                                      "node": net.order[i]["name"], "op": net.order[i]["op"], "kernels": ks}) + "\n")
    out.close()


if __name__ == "__main__":
    main()
