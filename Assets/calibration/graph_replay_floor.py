#!/usr/bin/env python3
"""The two figures of a CUDA Graph replay in the GPU profiles, read off the round-2 convolution chains: the shortest
replay, however few its kernels (graph_launch_us), and when the replay's first kernel starts (graph_start_us).

    python3 Assets/calibration/graph_replay_floor.py

measure_round2.py timed each chain graph with CUDA events recorded from an idle GPU around one replay, in a process
that had run PyTorch's profiler (every case after the first profiles one chain). A replay takes
max(shortest replay, start + kernels):
  - graph_launch_us: where the kernels are short, the replay does not depend on them. The one-chain graphs (two
    convolutions) whose profiled kernels add up to under 10 µs all take 24-26 µs; their median.
  - graph_start_us: where the kernels are long, the replay is start + kernels, and one chain twice over (serial2_ms:
    two chains on one stream) adds just the kernels: 2 x one chain - two chains = the start. The median over the
    cases whose one chain takes 40-300 µs (well above the shortest replay, below the sizes where a step's time
    varies by more than the start).
Prints both. (Two cases ran at 10.8 and 15.4 µs: the first in the file, timed before the process's first profile.)
What the start is made of — the host's call, which the device waits for in a profiled process, and which grows with
the graph there — is measured directly by measure_graph_replay.py (round12/graph_replay.jsonl).
"""
import collections, gzip, json, os, statistics

HERE = os.path.dirname(os.path.abspath(__file__))


def chain_kernel_us():
    """One chain's profiled kernel time (µs) per round-2 chain case ("conv_b1_c32_m7_k1"); graph_branch_cost.py uses it too."""
    out = collections.defaultdict(float)
    with gzip.open(os.path.join(HERE, "round2", "kernels.jsonl.gz"), "rt") as f:
        for line in f:
            r = json.loads(line)
            if r["case"].startswith("conv_"): out[r["case"]] += r["dur"]
    return out


def main():
    kernel_us = chain_kernel_us()
    shortest, start = [], []
    with open(os.path.join(HERE, "round2", "pairs.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if r["kind"] != "conv_chains": continue
            one, two = r["one_chain_ms"] * 1000, r["serial2_ms"] * 1000
            case = f"conv_b{r['batch']}_c{r['channels']}_m{r['map']}_k{r['kernel']}"
            if kernel_us.get(case, 1e9) < 10: shortest.append(one)
            if 40 < one < 300: start.append(2 * one - two)
    print(f"graph_launch_us = {statistics.median(shortest):.1f}  (median one-chain replay of {len(shortest)} graphs with under 10 µs of"
          f" kernels; range {min(shortest):.1f}-{max(shortest):.1f})")
    q = statistics.quantiles(start, n=4)
    print(f"graph_start_us = {statistics.median(start):.1f}  (median of 2 x one chain - two chains over {len(start)} cases;"
          f" quartiles {q[0]:.1f}-{q[2]:.1f})")


if __name__ == "__main__":
    main()
