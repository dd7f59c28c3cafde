#!/usr/bin/env python3
"""convtop's model against the tensor-op sweep (round6/tensor_ops.jsonl, measure_tensor_ops.py), op by op.

Each measured case becomes a one-op graph file, simulated alone on the H200 profile with the model's kernels (these
ops have no catalog family). Run from the repository root after `swift build -c release`:
    python3 Assets/calibration/tensor_ops_check.py
Prints every case (measured and simulated µs, ratio) and the median and range of simulated / measured per family.
Except attention, none of these shapes set any of the model's rules: they test the element-wise rate, the layer
norms' block latency and the strided loop's rate on shapes and sizes those were not taken from. The fp32 attention
rate and block time were then set from the attention cases here (and ViT-B/16), so for attention this is a fit.
"""
import collections, json, os, statistics, subprocess, tempfile

BIN = ".build/release/convtop"
folder = tempfile.mkdtemp()
by_family = collections.defaultdict(list)
for line in open("Assets/calibration/round6/tensor_ops.jsonl"):
    c = json.loads(line)
    if c.get("kind") != "op":
        continue
    op, shape = c["op"], c["shape"]
    if len(shape) == 2 and shape[0] > 4096:  # graph files take batches up to 4,096: the same rows as batch × sequence
        split = next(d for d in (64, 128, 256, 512, 1024) if shape[0] % d == 0 and shape[0] // d <= 4096)
        shape = [shape[0] // split, split, shape[1]]
    node = {"name": "op", "op": op, "inputs": ["x"]}
    inputs = [{"name": "x", "shape": shape}]
    if op == "mul":
        inputs.append({"name": "y", "shape": shape}); node["inputs"] = ["x", "y"]
    elif op == "transpose":
        node["perm"] = c["perm"]
    elif op == "attention":
        node["inputs"] = ["x", "x", "x"]
    graph = {"format": "convtop-graph", "version": 1, "name": op, "inputs": inputs, "nodes": [node]}
    gpath, tpath = os.path.join(folder, "g.json"), os.path.join(folder, "t.json")
    json.dump(graph, open(gpath, "w"))
    subprocess.run([BIN, "trace", gpath, "--gpu", "h200", "--policy", "serial", "--kernels", "model", "--precision", "fp32",
                    "--output", tpath, "--force"], check=True, capture_output=True)
    sim = sum(e["dur"] for e in json.load(open(tpath))["traceEvents"] if e.get("cat") == "kernel")
    ratio = sim / c["us"]
    family = "element-wise" if op in ("silu", "gelu", "sigmoid", "mul") else op
    by_family[family].append(ratio)
    print(f"{op:10s} {str(shape):22s} measured {c['us']:8.2f} us  simulated {sim:8.2f} us  ratio {ratio:.2f}")
print()
for family, rs in by_family.items():
    print(f"{family:12s} simulated / measured median {statistics.median(rs):.2f} (min {min(rs):.2f}, max {max(rs):.2f}) over {len(rs)} cases")
