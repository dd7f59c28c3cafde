#!/usr/bin/env python3
"""What each parallel branch adds to the shortest CUDA Graph replay, fitted on round 12 and checked on round 2.

    python3 Assets/calibration/graph_branch_cost.py

A replay timed with CUDA events from an idle GPU takes at least the host's call of the replay (the GPU profile's
graph_launch_us, however few its kernels). Round 12 (measure_graph_replay.py, round12/graph_replay.jsonl) replayed
the same one-block adds as one chain on one stream ("adds") and as four chains on four streams ("adds4"), three
rounds each, in a process that had run PyTorch's profiler. Where the kernels are far shorter than the replay (4 and
8 adds), the four-stream graph takes longer than the one-stream graph of as many kernels, and the host's call does
too, while the device's own time (behind a spin kernel) does not: the driver's launch of a graph costs more per
branch it runs in parallel. The device-side time shows no such cost, so it belongs to the replay's floor alone.

Fit (round 12, profiled process): the floor = the median replay of the one-stream graphs of 1-4 adds; the four-
branch floor = the median replay of the four-stream graphs of 4 and 8 adds; the cost per extra branch as a share of
the floor = (four-branch floor / floor - 1) / 3. The floors of the two leases differ (round 12's host: about 17 µs,
round 2's: 25.1), and the per-branch cost is the same host's driver work as the rest of the call, so the share is
carried to the profile's floor: graph_launch_per_branch_us = share x graph_launch_us.

Check (held out): round 2's convolution chains (round2/pairs.jsonl) whose one chain's profiled kernels take under
6 µs, so that every replay of them sits at its floor: two chains on two streams and four chains on four, against
the floor the profile then predicts. The first two cases of the file replay their one chain in 10.8 and 15.4 µs,
below the profiled process's floor (the first was timed before that process's first profile: graph_replay_floor.py);
cases whose one chain replays under 20 µs are left out.
"""
import collections, json, os, statistics

from graph_replay_floor import chain_kernel_us

HERE = os.path.dirname(os.path.abspath(__file__))
FLOOR_US = json.load(open(os.path.join(HERE, "..", "gpus", "h200.json")))["graph_launch_us"]

replays = collections.defaultdict(list)
for line in open(os.path.join(HERE, "round12", "graph_replay.jsonl")):
    r = json.loads(line)
    if r.get("state") == "profiled" and r["kind"] in ("adds", "adds4"):
        replays[(r["kind"], r["kernels"])].append(r["replay_ms"] * 1000)
one = statistics.median([t for n in (1, 2, 4) for t in replays[("adds", n)]])
four = statistics.median([t for n in (4, 8) for t in replays[("adds4", n)]])
share = (four / one - 1) / 3
print(f"round 12, profiled process: one-stream floor {one:.2f} µs, four-branch floor {four:.2f} µs")
print(f"cost per extra branch: {share * 100:.1f}% of the floor ({share * one:.2f} µs there)")
per_branch = share * FLOOR_US
print(f"graph_launch_per_branch_us = {share * 100:.1f}% of {FLOOR_US} = {per_branch:.2f}")

kernel_us = chain_kernel_us()
two, fours = [], []
for line in open(os.path.join(HERE, "round2", "pairs.jsonl")):
    r = json.loads(line)
    if r["kind"] != "conv_chains" or r["one_chain_ms"] * 1000 < 20: continue
    case = f"conv_b{r['batch']}_c{r['channels']}_m{r['map']}_k{r['kernel']}"
    if kernel_us.get(case, 1e9) < 6:
        two.append(r["streams2_ms"] * 1000)
        fours.append(r["streams4_ms"] * 1000)
for n, xs in ((2, two), (4, fours)):
    predicted = FLOOR_US + (n - 1) * per_branch
    print(f"round 2 (held out), {n} chains on {n} streams, {len(xs)} cases: measured median {statistics.median(xs):.1f} µs"
          f" (range {min(xs):.1f}-{max(xs):.1f}); predicted floor {predicted:.1f} µs (without the branch cost {FLOOR_US})")
