#!/usr/bin/env python3
"""Launch configurations of every measured kernel, by kernel function name.

Reads the profiled kernels of Assets/calibration/round2/kernels.jsonl.gz (zoo networks) and
Assets/onnx/measured/kernels.jsonl.gz (the ONNX corpus), both from an H200 with PyTorch 2.11 + cuDNN 9.19, and writes
launch_configs.json: for each function name (the identifier before its template arguments, namespaces dropped), every
distinct (block, registers per thread, static shared memory) it launched with and how often. A test lowers zoo networks
and checks that every kernel convtop names after a measured one uses one of its measured configurations, so a launch
configuration copied into the code cannot drift from the data.

Run from the repository root: python3 Assets/calibration/launch_configs.py
"""
import collections, gzip, json, re

SOURCES = ["Assets/calibration/round2/kernels.jsonl.gz", "Assets/onnx/measured/kernels.jsonl.gz"]


def function_name(full):
    # "void cudnn::bn_fw_tr_1C11_kernel_NCHW<float, ...>(...)" -> "bn_fw_tr_1C11_kernel_NCHW"
    head = re.split(r"[<(]", full.replace("void ", "", 1), maxsplit=1)[0]
    return head.split("::")[-1].strip()


def main():
    configs = collections.defaultdict(collections.Counter)
    for path in SOURCES:
        with gzip.open(path, "rt") as f:
            for line in f:
                k = json.loads(line)
                if k.get("cat") != "kernel":
                    continue
                configs[function_name(k["name"])][(tuple(k["block"]), k["regs"], k["smem"])] += 1
    out = {}
    for name in sorted(configs):
        out[name] = [{"block": list(b), "regs": r, "smem": s, "count": n}
                     for (b, r, s), n in configs[name].most_common()]
    with open("Assets/calibration/launch_configs.json", "w") as f:
        json.dump(out, f, indent=0, sort_keys=True)
        f.write("\n")
    print(f"{len(out)} kernel functions")


if __name__ == "__main__":
    main()
