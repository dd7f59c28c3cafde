#!/usr/bin/env python3
"""A profiled process's host cost per CUDA Graph node, read off two leases' front-end benchmarks.

    python3 Assets/calibration/host_per_node.py

Round 3 (measure_frontend.py, round3/frontend.jsonl) replayed 512 tiny kernels as 1-16 chains in a process that had
run PyTorch's profiler, timed from an idle GPU; round 4 (measure_device_side.py, round4/frontend.jsonl) replayed the
same graphs in a process that never profiled, timed on the device alone (two passes). Round 12 (graph_replay.jsonl)
showed what separates the two: after a profiler run the host's call of a replay grows with every node and the device
waits for it, while the device's own time does not change. If so, round 3's time per kernel is round 4's plus one
constant per node, whatever the chains in flight. Prints that difference for every case of grids up to 264 blocks
and its median. (The GPU profile does not use it: its front-end fields were measured on round 3's replays, so they
hold this cost already; see the README, "What a replay is made of".)
"""
import collections, json, os, statistics

HERE = os.path.dirname(os.path.abspath(__file__))
r3 = {}
for line in open(os.path.join(HERE, "round3", "frontend.jsonl")):
    r = json.loads(line)
    if r["kind"] == "frontend": r3[(r["blocks"], r["streams"])] = r["per_kernel_us"]
rows4 = [json.loads(l) for l in open(os.path.join(HERE, "round4", "frontend.jsonl"))]
dev = collections.defaultdict(list)
for p in sorted({r["pass"] for r in rows4}):
    floor = next(r for r in rows4 if r["kind"] == "floor" and r["pass"] == p)["empty_graph_device_ms"]
    for r in rows4:
        if r["kind"] == "frontend" and r["pass"] == p:
            dev[(r["blocks"], r["streams"])].append((r["graph_device_ms"] - floor) * 1000 / r["kernels"])
device = {k: statistics.median(v) for k, v in dev.items()}
diffs = []
for k in sorted(r3):
    if k in device and k[0] <= 264:
        diffs.append(r3[k] - device[k])
        print(f"{k[0]:4d} blocks, {k[1]:2d} chains: round 3 {r3[k]:.3f} µs a kernel, round 4 on the device {device[k]:.3f}, difference {diffs[-1]:.3f}")
print(f"host cost per node in round 3's process: {statistics.median(diffs):.3f} µs (median of {len(diffs)} cases; range {min(diffs):.3f}-{max(diffs):.3f})")
