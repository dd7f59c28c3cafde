"""The block latency of PyTorch's non-vectorised element-wise loop (`elementwise_kernel<128, 2>`: 128 threads, two
elements each, index arithmetic per element), from the H200 profiles of the ONNX corpus's networks.

Run from the repository root:  python3 Assets/onnx/strided_loop_latency.py

A launch of few blocks (2-64, under one wave: each block alone on its SM) moves a few KB, so its time is the kernel's
fixed latency (the H200 profile's kernel_latency_us, 0.814 µs) and one block's: the block's load-compute-store chain.
The median over those launches, less the kernel latency, is the loop's block latency (TensorOpLowering.
stridedLoopBlockUs). Its streaming rate, from the launches over 5 µs, is stridedLoopBandwidthShare (2.36 TB/s). The
script prints the median time of the launches by grid size, so the two can be read together: 1-block launches (a
scalar's copy) take 0.8 µs, 2-64 blocks 1.5-1.6 µs, 128-256 blocks 1.8 µs, 1,024 blocks 2.5 µs.
"""
import collections
import gzip
import json
import statistics

KERNEL_LATENCY_US = 0.814  # Assets/gpus/h200.json kernel_latency_us
by_size, small = collections.defaultdict(list), []
for line in gzip.open("Assets/onnx/measured/kernels.jsonl.gz", "rt"):
    r = json.loads(line)
    if not r["name"].startswith("void at::native::elementwise_kernel<128, 2") or r["dur"] <= 0:
        continue
    blocks = r["grid"][0] * r["grid"][1] * r["grid"][2]
    if blocks <= 0:
        continue
    by_size[1 << (blocks.bit_length() - 1)].append(r["dur"])
    if 2 <= blocks <= 64:
        small.append(r["dur"])
for size in sorted(by_size):
    d = by_size[size]
    print(f"{size:7d}-{2 * size - 1:<7d} blocks: {len(d):4d} launches, median {statistics.median(d):7.2f} µs")
m = statistics.median(small)
print(f"2-64 blocks: {len(small)} launches, median {m:.3f} µs; block latency {m - KERNEL_LATENCY_US:.2f} µs")
