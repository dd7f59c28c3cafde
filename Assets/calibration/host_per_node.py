#!/usr/bin/env python3
"""A profiled process's host cost per CUDA Graph node, read off two leases' front-end benchmarks.

    python3 Assets/calibration/host_per_node.py

Round 3 (measure_frontend.py, round3/frontend.jsonl) replayed 512 tiny kernels as 1-16 chains in a process that had
run PyTorch's profiler, timed from an idle GPU; round 4 (measure_device_side.py, round4/frontend.jsonl) replayed the
same graphs in a process that never profiled, timed on the device alone (two passes). Round 12 (graph_replay.jsonl)
showed what separates the two: after a profiler run the host's call of a replay grows with every node and the device
waits for it, while the device's own time does not change. If so, round 3's time per kernel is round 4's plus one
constant per node, whatever the chains in flight. Prints that difference for every case of grids up to 264 blocks
and its median, then the GPU profile's front-end fields that follow from the same data (see the README, "What a
replay is made of").
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

# The profile's front-end fields from the same data (the device's own front end; round 3's profiled time of the
# benchmark's one-block add):
#   kernel_latency_us: that add's profiled time less the shortest block group (0.05 µs), so that a tiny kernel's time
#     is fixed latency rather than SM work that co-running grids would share;
#   launch_work_us: what a kernel costs when 16 chains keep the front end busy, on the device (grids of 1-66 blocks);
#   kernel_gap_graph_us: one chain's step on the device less the add's profiled time (grids of 1-66 blocks);
#   graph_start_per_kernel_us: the host cost per node above, which a profiled process's device waits for up to a
#     graph's first memset node (replay_hiding_rule.py).
add_us = next(r["kernel_us"] for r in map(json.loads, open(os.path.join(HERE, "round3", "frontend.jsonl")))
              if r.get("blocks") == 1 and r.get("streams") == 1)
tiny = sorted(b for b, s in device if b <= 66 and s == 1)
print(f"kernel_latency_us = {add_us - 0.05:.3f}  (the one-block add's profiled {add_us:.3f} µs less 0.05)")
print(f"launch_work_us = {statistics.median(device[(b, 16)] for b in tiny):.3f}  (16 chains on the device, grids of {tiny} blocks)")
print(f"kernel_gap_graph_us = {statistics.median(device[(b, 1)] for b in tiny) - add_us:.3f}  (one chain's step on the device less the add)")
print(f"graph_start_per_kernel_us = {statistics.median(diffs):.3f}")
