#!/usr/bin/env python3
"""The co-running stretch (the GPU profiles' corun_stretch_us): how much longer a memory-bound kernel runs while a
matrix product of another branch runs beside it, read off profiled branch-rule replays.

Run from the repository root:  python3 Assets/calibration/corun_stretch.py

Sources: round 5's profiled replays of GoogLeNet, Inception-v3 and SqueezeNet at batch 1, serial and with the branch
rule on 8 streams (round5/replay_profiles.jsonl.gz), and round 13's of GoogLeNet at batch 1, serial and with the
branch rule freeing its outputs (round13/branch_liveness_kernels.jsonl.gz). Each kernel of the concurrent replay is
matched with the same kernel of the serial one (name, grid and occurrence in start order) and classified by name as
convtop's KernelClassifier does. A memory-bound kernel (element-wise, reduction, layout) that overlaps in time a matrix
product (tensor-core, CUDA-core or cuBLAS SIMT) of another stream is counted as beside a product; its stretch is its
concurrent time minus its serial time. The profile takes the median over all four replays. The script also prints
memory-bound kernels beside memory-bound kernels only (not stretched by the model: round 13's probe found ReLU chains
beside their twins unstretched) and products beside another stream's product (1.82 µs: convtop's SM shares give about
1.0 µs of it on the same round-5 kernels, and the model adds the same 0.8 µs to products for the rest; see README).
"""
import collections
import gzip
import json
import os
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))


def classify(name):
    """convtop's KernelClassifier.classify, on a profiled kernel name."""
    n = name.lower()
    has = lambda *s: any(x in n for x in s)
    if has("nchwtonhwc", "nhwctonchw"): return "layout"
    if has("bn_fw_tr", "bn_bw", "reduce_kernel", "splitkreduce", "softmax", "nll_loss", "welford", "reduce"): return "reduction"
    if has("xmma_gemm_f32f32", "simt_sgemm", "sgemm_") and not has("conv", "fprop", "dgrad", "wgrad"): return "simt_gemm"
    if has("gemm", "xmma", "cutlass", "conv"):
        return "tensor_gemm" if has("tensorop", "tf32", "sm90_xmma", "1688", "16816", "hmma", "bf16", "f16f16") else "cuda_core"
    if has("memset", "memcpy"): return "copy"
    return "elementwise"


PRODUCT = {"tensor_gemm", "cuda_core", "simt_gemm"}
MEMORY = {"elementwise", "reduction", "layout"}


def replays():
    """(label, serial kernels, concurrent kernels) per profiled network replay."""
    runs = collections.defaultdict(list)
    with gzip.open(os.path.join(HERE, "round5", "replay_profiles.jsonl.gz"), "rt") as f:
        for line in f:
            r = json.loads(line)
            if r["kind"] == "activity" and r["cat"] == "kernel" and not r["case"].startswith("conv_"):
                runs[("round 5 " + r["case"], r["variant"])].append(r)
    with gzip.open(os.path.join(HERE, "round13", "branch_liveness_kernels.jsonl.gz"), "rt") as f:
        for line in f:
            r = json.loads(line)
            if r["model"] == "googlenet" and r["variant"] in ("serial", "branch_freed"):
                runs[("round 13 googlenet_b1", "streams" if r["variant"] == "branch_freed" else "serial")].append(r)
    for label in sorted({k[0] for k in runs}):
        yield label, runs[(label, "serial")], runs[(label, "streams")]


def matched(serial, concurrent):
    """Pairs (serial kernel, concurrent kernel) of the same name, grid and occurrence."""
    def index(acts):
        seen, out = collections.Counter(), {}
        for a in sorted(acts, key=lambda a: a["ts"]):
            key = (a["name"], str(a["grid"]))
            out[(key, seen[key])] = a
            seen[key] += 1
        return out
    s, c = index(serial), index(concurrent)
    return [(s[k], c[k]) for k in c if k in s]


def main():
    beside_product, memory_only, products, per_run = [], [], [], {}
    for label, serial, concurrent in replays():
        pairs = matched(serial, concurrent)
        mine = []
        for s, c in pairs:
            cls = classify(c["name"])
            t0, t1 = c["ts"], c["ts"] + c["dur"]
            others = [o for o in concurrent if o is not c and o["stream"] != c["stream"] and o["ts"] < t1 and o["ts"] + o["dur"] > t0]
            if not others: continue
            stretch = c["dur"] - s["dur"]
            kinds = {classify(o["name"]) for o in others}
            if cls in MEMORY and kinds & PRODUCT: beside_product.append(stretch); mine.append(stretch)
            elif cls in MEMORY: memory_only.append(stretch)
            elif cls in PRODUCT and kinds & PRODUCT: products.append(stretch)
        per_run[label] = mine
        print(f"{label}: {len(pairs)} kernels matched; memory-bound beside a product: {len(mine)}, "
              f"median stretch {statistics.median(mine):.2f} µs" if mine else f"{label}: none")
    print(f"memory-bound beside memory-bound only: {len(memory_only)}, median {statistics.median(memory_only):.2f} µs")
    print(f"products beside another stream's product: {len(products)}, median {statistics.median(products):.2f} µs")
    q = statistics.quantiles(beside_product, n=4)
    print(f"corun_stretch_us: {statistics.median(beside_product):.2f} µs (memory-bound beside a product, {len(beside_product)} "
          f"kernels of {len(per_run)} replays; quartiles {q[0]:.2f}-{q[2]:.2f})")


if __name__ == "__main__":
    main()
