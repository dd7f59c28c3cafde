"""Times linear layers as a network runs them, with their weights out of the L2, beside the catalog's warm repeats.

    python3 measure_cold_linear.py MANIFEST [MANIFEST ...] OUT.jsonl [--max-rows 2048] [--every 2] [--budget SECONDS]

The catalog times each op in repeats, so a linear layer's weights stay in the L2 from one repeat to the next. In a
network they do not: a replay touches every other layer's weights and activations before it comes back, and a
network whose weights exceed the L2 (60 MB on the H200) finds each layer's weights in DRAM. Session 15 measured
the difference on ViT-B's four layers (Assets/calibration/measure_cold_weights.py): 1.04-1.34x at 50-400 rows,
none from 1,576 rows up.

For every forward linear op of the manifests (`convtop calibrate`'s format) with at most --max-rows rows (every
--every-th row count of each shape's grid), under the profiler, REPS times each:
  cold  read a buffer three times the L2 (flushing it), rewrite the input in place (as the layer before would have
        left it in the L2), then the layer;
  warm  the layer twice in a row, the second call timed (the catalog's condition).
The kernels are the profiler's (CUPTI durations, as the catalog's), the median per position over the repeats.
Writes one JSON object per op: key, rows, in, out, bias, warm_us and cold_us (the op's kernels summed), and the
kernels of each (name, grid, duration). fp32 tensors, FP32 matrix products (PyTorch's defaults).
"""
import argparse, gzip, json, os, statistics, sys, tempfile, time

import torch
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("paths", nargs="+")
ap.add_argument("--max-rows", type=int, default=2048)
ap.add_argument("--every", type=int, default=2)
ap.add_argument("--budget", type=float, default=420.0)
ap.add_argument("--reps", type=int, default=5)
ap.add_argument("--chunk", type=int, default=48)
A = ap.parse_args()
*manifests, OUT = A.paths
T0 = time.time()
torch.backends.cuda.matmul.allow_tf32 = False
dev = torch.device("cuda")
L2 = torch.cuda.get_device_properties(0).L2_cache_size
flusher = torch.empty(3 * L2 // 4, device=dev)


def ops():
    """Forward linear entries of the manifests, every --every-th row count of each (in, out, bias) shape."""
    chosen = []
    for path in manifests:
        entries = [json.loads(l) for l in gzip.open(path, "rt")]
        entries = [e for e in entries if e["family"] == "linear" and e["pass"] == "forward" and e["params"]["x"][0] <= A.max_rows]
        shapes = {}
        for e in entries:
            p = e["params"]
            shapes.setdefault((p["x"][1], p["out"][0], p["bias"][0]), []).append(e)
        for group in shapes.values():
            group.sort(key=lambda e: e["params"]["x"][0])
            chosen += group[::A.every] if len(group) > 6 else group
    return chosen


def build(e):
    p = e["params"]
    rows, i = p["x"]; o = p["out"][0]
    x = torch.randn(rows, i, device=dev); w = torch.randn(o, i, device=dev)
    b = torch.randn(o, device=dev) if p["bias"][0] else None
    return x, lambda: F.linear(x, w, b)


def profile(chunk):
    """{(op, mode, rep): [kernel dicts]} for the chunk's ops, cold and warm."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]) as prof:
        for j, (x, fn) in enumerate(chunk):
            for r in range(A.reps):
                flusher.sum(); x.mul_(1.0)
                with torch.profiler.record_function(f"cold::{j}:{r}"):
                    fn()
            for r in range(A.reps):
                fn()
                with torch.profiler.record_function(f"warm::{j}:{r}"):
                    fn()
        torch.cuda.synchronize()
    path = os.path.join(tempfile.mkdtemp(), "t.json")
    prof.export_chrome_trace(path)
    ev = json.load(open(path))["traceEvents"]
    os.remove(path)
    ranges = sorted((e for e in ev if e.get("cat") == "user_annotation" and "::" in str(e.get("name", ""))), key=lambda e: e["ts"])
    import bisect
    starts = [r["ts"] for r in ranges]
    label = {}
    for l in ev:
        if l.get("cat") not in ("cuda_runtime", "cuda_driver"): continue
        k = bisect.bisect_right(starts, l["ts"]) - 1
        if k >= 0 and l["ts"] <= ranges[k]["ts"] + ranges[k]["dur"]:
            corr = l.get("args", {}).get("correlation")
            if corr is not None: label[corr] = ranges[k]["name"]
    out = {}
    for k in sorted((e for e in ev if e.get("cat") in ("kernel", "gpu_memset")), key=lambda e: e["ts"]):
        lab = label.get(k.get("args", {}).get("correlation"))
        if lab is None: continue
        mode, rest = lab.split("::")
        j, r = (int(v) for v in rest.split(":"))
        name = k.get("name", "") if k.get("cat") == "kernel" else "Memset (Device)"
        out.setdefault((j, mode, r), []).append(dict(name=name[:160], grid=k.get("args", {}).get("grid", [1, 1, 1]), dur=k.get("dur", 0)))
    return out


def summary(got, j, mode):
    """The most common kernel sequence of the repeats, the median duration per position."""
    reps = [got[(j, mode, r)] for r in range(A.reps) if (j, mode, r) in got]
    if not reps: return None
    sig = lambda rep: tuple(k["name"] for k in rep)
    best = max(set(map(sig, reps)), key=lambda s: sum(sig(rep) == s for rep in reps))
    same = [rep for rep in reps if sig(rep) == best]
    return [dict(same[0][n], dur=statistics.median(rep[n]["dur"] for rep in same)) for n in range(len(best))]


todo = ops()
print(f"{len(todo)} ops", flush=True)
with open(OUT, "w") as f:
    for c0 in range(0, len(todo), A.chunk):
        if time.time() - T0 > A.budget:
            print(f"stopped after {c0} of {len(todo)} ops: the {A.budget:.0f} s budget is spent", flush=True)
            break
        entries = todo[c0:c0 + A.chunk]
        chunk = [build(e) for e in entries]
        for _, fn in chunk: fn(); fn()
        torch.cuda.synchronize()
        got = profile(chunk)
        for j, e in enumerate(entries):
            cold, warm = summary(got, j, "cold"), summary(got, j, "warm")
            if not cold or not warm: continue
            p = e["params"]
            f.write(json.dumps(dict(key=e["key"], rows=p["x"][0], **{"in": p["x"][1]}, out=p["out"][0], bias=p["bias"][0],
                                    warm_us=round(sum(k["dur"] for k in warm), 3), cold_us=round(sum(k["dur"] for k in cold), 3),
                                    warm=[[k["name"][:90], k["grid"], k["dur"]] for k in warm],
                                    cold=[[k["name"][:90], k["grid"], k["dur"]] for k in cold])) + "\n")
        f.flush()
        del chunk
        torch.cuda.empty_cache()
        print(f"progress {min(c0 + A.chunk, len(todo))} {len(todo)}  {time.time() - T0:.0f} s", flush=True)
