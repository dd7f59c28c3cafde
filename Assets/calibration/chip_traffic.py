#!/usr/bin/env python3
"""The chip's sustained memory traffic, through the L2 and from DRAM, read off the front-end benchmark.

Usage: python3 Assets/calibration/chip_traffic.py      (prints the figures the H200 profile carries)

In the front-end benchmark (measure_frontend.py, measure_device_side.py) each kernel adds 1.0 in place to a float
tensor of 1024 x B elements: it reads and writes 4 KB x B, touching 4 KB x B. With N chains the tensors of the N
chains take turns, so a tensor is reused after N kernels: its reuse distance is N x 4 KB x B. Once the grids are
large (1,056 blocks and more: eight or more blocks per SM, so that the front end's per-kernel cost is a small part)
and two or more chains keep the chip busy, each kernel's time is its traffic over the chip's sustained rate:
  - reuse distance within the 60 MB L2 (the chains' tensors stay there): the L2's rate  -> l2_sustained_gbs
  - reuse distance beyond it (every tensor is evicted before its next use): DRAM's rate   -> dram_sustained_gbs
Both are medians over the qualifying cases of every shipped run: round3/frontend.jsonl and frontend_repeat.jsonl
(host-timed) and round4/frontend.jsonl (device-timed, two passes), which agree on these cases within a few percent.
"""
import json
import os
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))
L2_BYTES = 62914560  # Assets/gpus/h200.json l2_bytes


def cases():
    """(run, blocks, chains, per-kernel µs) of every case of every run."""
    for name in ("round3/frontend.jsonl", "round3/frontend_repeat.jsonl"):
        for line in open(os.path.join(HERE, name)):
            r = json.loads(line)
            if r.get("kind") == "frontend": yield name, r["blocks"], r["streams"], r["per_kernel_us"]
    rows = [json.loads(l) for l in open(os.path.join(HERE, "round4/frontend.jsonl"))]
    floor = {r["pass"]: r["empty_graph_device_ms"] for r in rows if r["kind"] == "floor"}
    for r in rows:
        if r["kind"] == "frontend":
            yield f"round4 pass {r['pass']}", r["blocks"], r["streams"], (r["graph_device_ms"] - floor[r["pass"]]) * 1000 / r["kernels"]


def main():
    fits, evicted = [], []
    for _, blocks, chains, us in cases():
        if blocks < 1056 or chains < 2: continue
        traffic = 2 * 4096 * blocks            # bytes read and written per kernel
        distance = chains * 4096 * blocks      # bytes touched between two uses of one tensor
        (fits if distance <= L2_BYTES else evicted).append(traffic / us / 1e3)   # GB/s
    print(f"l2_sustained_gbs   {statistics.median(fits):6.0f}  (median of {len(fits)} cases, range {min(fits):.0f}-{max(fits):.0f})")
    print(f"dram_sustained_gbs {statistics.median(evicted):6.0f}  (median of {len(evicted)} cases, range {min(evicted):.0f}-{max(evicted):.0f})")
    # Not a profile field: what one kernel alone streams from the L2, the step from 1,056 to 2,112 blocks of one
    # chain (both tensors well inside the L2) over the 8.65 MB more it moves. Compare l2_bandwidth_boost, whose 1.2
    # (set in round 1) prices such a kernel at 1.2 x 0.87 x 4.8 TB/s = 5.0 TB/s.
    lone = {}
    for run, blocks, chains, us in cases():
        if chains == 1 and blocks in (1056, 2112): lone.setdefault(run, {})[blocks] = us
    rates = [2 * 4096 * 1056 / (r[2112] - r[1056]) / 1e3 for r in lone.values() if len(r) == 2]
    print(f"one kernel alone   {statistics.median(rates):6.0f}  (one chain, 1,056 -> 2,112 blocks; median of {len(rates)} runs, range {min(rates):.0f}-{max(rates):.0f})")


if __name__ == "__main__":
    main()
