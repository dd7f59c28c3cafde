#!/usr/bin/env python3
"""Rates of PyTorch's multi_tensor_apply launches (the foreach SGD optimizer), from the profiled training steps in
round2/kernels.jsonl.gz (H200). Prints the two numbers convtop's MultiTensorApply uses:

- the time of one trip through a block's chunk loop: launches of at most 8 blocks hold only full 65,536-element
  chunks (the tail of a launch cut at 320 blocks), and each block makes 65,536 / (512 threads x 4) = 32 trips;
- the streaming fraction of DRAM bandwidth: launches of 200 blocks or more, taken as full chunks (bytes = blocks x
  65,536 elements x 4 bytes x tensors touched: 2 for one list, 3 for two), over the H200's 4,800 GB/s.

Usage: python3 multi_tensor_rates.py   (no GPU needed; reads the shipped profiles)
"""
import gzip, json, os, statistics

HERE = os.path.dirname(os.path.abspath(__file__))
DRAM_GBS = 4800.0
TRIPS_PER_FULL_CHUNK = 65536 // (512 * 4)

trips, streaming = [], []
with gzip.open(os.path.join(HERE, "round2", "kernels.jsonl.gz"), "rt") as f:
    for line in f:
        d = json.loads(line)
        if d.get("phase") != "optimizer" or "multi_tensor_apply" not in d["name"] or not d["case"].endswith("_serial"):
            continue
        blocks = d["grid"][0]
        lists = 1 if "TensorListMetadata<1>" in d["name"] else 2
        if blocks <= 8:
            trips.append(d["dur"] / TRIPS_PER_FULL_CHUNK)
        if blocks >= 200:
            touched = 2 if lists == 1 else 3
            streaming.append(blocks * 65536 * 4 * touched / (d["dur"] * 1e3) / DRAM_GBS)

print(f"trip: median {statistics.median(trips):.3f} us over {len(trips)} launches of <= 8 blocks")
print(f"streaming fraction: median {statistics.median(streaming):.3f} of {DRAM_GBS:.0f} GB/s over {len(streaming)} launches of >= 200 blocks")
