#!/usr/bin/env python3
"""The two costs of a CUDA Graph replay in the GPU profiles: the host's call (graph_launch_us) and the device's
start-up before the graph's first kernel (graph_start_us), read off the round-2 convolution chains.

    python3 Assets/calibration/graph_replay_floor.py

measure_round2.py timed each chain graph with CUDA events recorded from an idle GPU around one replay, in a process
that had run PyTorch's profiler (every case after the first profiles one chain). The first event fires at once; the
closing one is queued only when the host's replay call returns, and the device starts the graph's kernels before
that. So a replay takes max(host call, device start-up + kernels):
  - graph_launch_us: where the kernels are short, the replay is the host call alone. The one-chain graphs (two
    convolutions) whose profiled kernels add up to under 10 µs all take 24-26 µs, the same whatever their kernels;
    their median.
  - graph_start_us: where the kernels are long, the replay is start-up + kernels, and one chain twice over
    (serial2_ms: two chains on one stream) adds just the kernels: 2 x one chain - two chains = the start-up. The
    median over the cases whose one chain takes 40-300 µs (well above the host call, below the sizes where a
    step's time varies by more than the start-up).
Prints both. (Two cases ran at 10.8 and 15.4 µs: the first in the file, timed before the process's first profile.)
"""
import collections, gzip, json, os, statistics

HERE = os.path.dirname(os.path.abspath(__file__))
kernel_us = collections.defaultdict(float)
with gzip.open(os.path.join(HERE, "round2", "kernels.jsonl.gz"), "rt") as f:
    for line in f:
        r = json.loads(line)
        if r["case"].startswith("conv_"): kernel_us[r["case"]] += r["dur"]
host, start = [], []
with open(os.path.join(HERE, "round2", "pairs.jsonl")) as f:
    for line in f:
        r = json.loads(line)
        if r["kind"] != "conv_chains": continue
        one, two = r["one_chain_ms"] * 1000, r["serial2_ms"] * 1000
        case = f"conv_b{r['batch']}_c{r['channels']}_m{r['map']}_k{r['kernel']}"
        if kernel_us.get(case, 1e9) < 10: host.append(one)
        if 40 < one < 300: start.append(2 * one - two)
print(f"graph_launch_us = {statistics.median(host):.1f}  (median one-chain replay of {len(host)} graphs with under 10 µs of kernels;"
      f" range {min(host):.1f}-{max(host):.1f})")
q = statistics.quantiles(start, n=4)
print(f"graph_start_us = {statistics.median(start):.1f}  (median of 2 x one chain - two chains over {len(start)} cases;"
      f" quartiles {q[0]:.1f}-{q[2]:.1f})")
