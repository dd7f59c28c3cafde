#!/usr/bin/env python3
"""Does keeping every output cost the catalog's zoo runs their serial time, as it costs torchvision's (round 13)?

Runs on a CUDA machine with PyTorch:  python3 measure_zoo_liveness.py GRAPH_DIR OUT.jsonl

measure_catalog.py --graphs runs convtop's graph files node by node and keeps every node's output until the pass
ends, serially and under the branch rule alike (its `run_graph`). convtop's zoo graphs of MobileNet-v2, NASNet and
RandWire simulate 11-13% fast at batch 1 against those runs; measure_branch_liveness.py found keeping every output
costs torchvision's networks 7-12% at batch 1. Here each graph file in GRAPH_DIR (gunzipped from
Assets/calibration/round13/zoo_graphs/) is replayed serially as measure_catalog.py does (keeping) and freeing each
output after its last use, at batch 1, 2 and 8, in a clean process (CUDA Graph replay, medians of 30).
Output: Assets/calibration/round13/zoo_liveness.jsonl (H200, PyTorch 2.11, CUDA 13.0).
"""
import json
import os
import sys

GRAPHS, OUT = sys.argv[1], sys.argv[2]
sys.argv = [sys.argv[0], os.devnull, os.path.dirname(os.path.abspath(OUT)) or "."]  # measure_catalog parses argv on import
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "catalog"))
import torch  # noqa: E402
import measure_catalog as mc  # noqa: E402


def run_freeing(net, x):
    """measure_catalog.run_graph's serial pass, each output dropped after its last use."""
    last = {}
    for i, n in enumerate(net.order):
        for a in n["inputs"]: last[a] = i
    env = {net.g["inputs"][0]["name"]: x}
    for i, n in enumerate(net.order):
        env[n["name"]] = net.run_node(n, env)
        for a in n["inputs"]:
            if last.get(a) == i and a != net.order[-1]["name"]: env.pop(a, None)
    return env[net.order[-1]["name"]]


def main():
    out = open(OUT, "w")
    for f in sorted(f for f in os.listdir(GRAPHS) if f.endswith(".json")):
        with open(os.path.join(GRAPHS, f)) as fh: g = json.load(fh)
        for b in (1, 2, 8):
            g["inputs"][0]["shape"][0] = b
            net = mc.GraphNet(g).to(mc.dev).eval()
            x = torch.randn(*g["inputs"][0]["shape"], device=mc.dev)
            with torch.no_grad():
                kept = mc.graph_replay_ms(lambda: mc.run_graph(net, x))
                freed = mc.graph_replay_ms(lambda: run_freeing(net, x))
            rec = {"model": g.get("name", f[:-5]), "batch": b, "serial_kept_ms": kept, "serial_freed_ms": freed}
            out.write(json.dumps(rec) + "\n"); out.flush()
            print(rec, flush=True)
            del net
            torch.cuda.empty_cache()
    out.close()


if __name__ == "__main__":
    main()
