#!/usr/bin/env python3
"""What decides how much of a profiled process's per-node replay cost a graph hides: its first memset node.

    python3 Assets/calibration/replay_hiding_rule.py

Round 12 timed replays in one process before and after a profiler run: synthetic single-stream graphs
(measure_replay_hiding.py, round12/replay_hiding.jsonl: adds, small matrix products, small convolutions, long adds, a
spin at the end) and seven torchvision networks (measure_network_replay.py, round12/network_replay.jsonl). For each,
the host's call grows after the profiler, and the replay less the device's own time grows by some of that: the
exposed part. Every synthetic graph exposes 86-103% of it (70% at 2,048 nodes); the networks expose anywhere from
none to all. None of the synthetic graphs holds a memset node; cuDNN's split-K convolutions put memset nodes into the
networks' graphs. The rule this checks: the device waits for the host's call up to the graph's first memset node,
and the rest of the call runs beside the device. Predicted exposed time = the added host cost per node x the nodes
before the first memset (all nodes if none), where the node order and memset positions come from the profiled
network replays of round 3 (round3/graph_gaps.jsonl.gz, batch 1); measured = the growth of replay less device time.
"""
import collections, gzip, json, os, statistics

HERE = os.path.dirname(os.path.abspath(__file__))
acts = collections.defaultdict(list)
for line in gzip.open(os.path.join(HERE, "round3", "graph_gaps.jsonl.gz"), "rt"):
    r = json.loads(line)
    if r["kind"] == "activity" and r["mode"] == "inference": acts[r["model"]].append(r["cat"])
rows = [json.loads(l) for l in open(os.path.join(HERE, "round12", "network_replay.jsonl"))]
kernels = {(r["model"], r["batch"]): r["kernels"] for r in rows if r["kind"] == "kernels"}
by = collections.defaultdict(list)
for r in rows:
    if r["kind"] == "network": by[(r["model"], r["batch"], r["state"])].append(r)


def med(v, k):
    return statistics.median(x[k] for x in v)


print("network        nodes  before 1st memset  host +µs/node  exposed measured  predicted")
for (model, batch), n in sorted(kernels.items()):
    if batch != 1 or model not in acts: continue
    c, p = by[(model, batch, "clean")], by[(model, batch, "profiled")]
    per_node = (med(p, "host_call_us") - med(c, "host_call_us")) / n
    exposed = (med(p, "replay_ms") - med(p, "device_ms") - med(c, "replay_ms") + med(c, "device_ms")) * 1000
    cats = acts[model]
    first = next((i for i, cat in enumerate(cats) if cat == "gpu_memset"), len(cats))
    print(f"{model:13s} {len(cats):6d} {first:18d} {per_node:14.3f} {exposed:17.1f} {per_node * first:10.1f}")
syn = [json.loads(l) for l in open(os.path.join(HERE, "round12", "replay_hiding.jsonl"))][1:]
sb = collections.defaultdict(list)
for r in syn: sb[(r["kind"], r["nodes"], r["state"])].append(r)
print("synthetic graph (no memset)  nodes  added host µs  exposed µs  share")
for kind, nodes in sorted({(k, n) for k, n, _ in sb}):
    c, p = sb[(kind, nodes, "clean")], sb[(kind, nodes, "profiled")]
    added = med(p, "host_call_us") - med(c, "host_call_us")
    exposed = (med(p, "replay_ms") - med(p, "device_ms") - med(c, "replay_ms") + med(c, "device_ms")) * 1000
    print(f"{kind:28s} {nodes:6d} {added:14.1f} {exposed:11.1f} {exposed / added:6.0%}")
