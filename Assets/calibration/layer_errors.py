#!/usr/bin/env python3
"""Convolution layers of round 18's (or round 20's) networks, profiled against what convtop gives each, by where
convtop's time came from.

Run from the repository root after `swift build -c release`:
    python3 Assets/calibration/layer_errors.py [OUTDIR] [ROUND]
ROUND is a folder of Assets/calibration in round 18's format (default round18; round20 too).
Each inference run of ROUND/runs.jsonl is simulated serially from its TorchScript export
(`convtop trace ... --policy serial`, written to OUTDIR, default /tmp/layer_errors); each convolution's kernels are
summed by op (their standalone times) and matched to the profiled kernels of the torch.fx node whose label the op's
name ends with (kernels.jsonl.gz; eager launches, as the catalog times ops). Prints, per origin (the catalog's own
measurement, or its neighbours'), the layers matched and the median signed and absolute error, then per network and
batch. Session 18: 82 catalog layers within a median 1.0% (signed -0.4%), 1,120 neighbour-priced ones 11.0% (signed
-5.0%). Session 19 (the model's scale and alignment classes): round 18's 1,120 within 11.3% (signed -6.7%), round 20's
656 within 8.6% (signed -0.6%).
"""
import collections, gzip, json, os, re, statistics, subprocess, sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/layer_errors"
ROUND = "Assets/calibration/" + (sys.argv[2] if len(sys.argv) > 2 else "round18")


def main():
    os.makedirs(OUT, exist_ok=True)
    measured = collections.defaultdict(lambda: collections.defaultdict(float))
    for line in gzip.open(f"{ROUND}/kernels.jsonl.gz", "rt"):
        r = json.loads(line)
        if r["case"].startswith("inf_") and r.get("label"):
            measured[r["case"]][r["label"]] += r["dur"]
    rows = []
    for run in (json.loads(l) for l in open(f"{ROUND}/runs.jsonl")):
        if run["mode"] != "inference":
            continue
        case = f"inf_{run['network']}_b{run['batch']}"
        trace = f"{OUT}/{case}.json"
        if not os.path.exists(trace):
            subprocess.run([".build/release/convtop", "trace", f"{ROUND}/exported/{run['onnx']}__ts17.onnx.gz", "--batch",
                            str(run["batch"]), "--gpu", "h200", "--policy", "serial", "--output", trace],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not os.path.exists(trace):
            continue
        sim = collections.defaultdict(lambda: [0.0, set()])
        for e in json.load(open(trace))["traceEvents"]:
            if e.get("ph") != "X" or e.get("cat") != "kernel" or e["args"].get("op_type") != "conv":
                continue
            op = re.sub(r"\.Conv$", "", e["name"]).replace(".", "_").replace("/", "_")
            sim[op][0] += e["args"].get("standalone_us", e["dur"])
            sim[op][1].add(e["args"].get("timing"))
        for label, us in measured[case].items():
            ops = [k for k in sim if k.endswith(label) and (len(k) == len(label) or k[-len(label) - 1] == "_")]
            if len(ops) != 1:
                continue
            origins = sim[ops[0]][1]
            origin = "catalog" if origins == {"catalog"} else ("neighbours" if "near" in origins else "model")
            rows.append((run["network"], run["batch"], origin, sim[ops[0]][0] / us - 1))
    def line(name, errs):
        print(f"{name:<34} {len(errs):5d}  signed {100 * statistics.median(errs):+6.1f}%  "
              f"abs {100 * statistics.median(abs(x) for x in errs):5.1f}%")
    for origin in ("catalog", "neighbours", "model"):
        errs = [r[3] for r in rows if r[2] == origin]
        if errs:
            line(origin, errs)
    for key in sorted({(r[0], r[1]) for r in rows}):
        errs = [r[3] for r in rows if (r[0], r[1]) == key and r[2] == "neighbours"]
        if errs:
            line(f"  {key[0]} b{key[1]}", errs)


if __name__ == "__main__":
    main()
