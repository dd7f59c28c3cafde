#!/usr/bin/env python3
"""What starting a kernel costs the GPU's front end, by kind of kernel: PyTorch's own element-wise, pooling and
depthwise kernels against the libraries' (cuDNN, cuBLAS, CUTLASS) convolution, batch-norm and matrix-product kernels.

Runs on a CUDA machine with PyTorch:  python3 measure_launch_cost.py OUTDIR [SECONDS]

Round 4's device-side chains show four chains of two tiny convolutions (b1 c32 7×7 1×1, 2.8 µs a kernel) taking 12.1 µs
on the device where two take 8.4 and convtop, whose front end costs 0.19 µs a launch (read off element-wise adds),
gives 8.6: as if the front end spent about a microsecond on each convolution kernel it starts. Here each kind of op is
applied 256 times in one CUDA Graph, as S independent chains of 256/S ops (S = 1, 2, 4, 8, 16), every op a tiny one
(a few blocks, a few microseconds), in a process that never ran the profiler. Each graph is timed two ways
(cuda_timing: from an idle GPU, and on the device alone behind a spin kernel) in three interleaved passes. With many
chains and short kernels the front end is the bottleneck: the device time per kernel at 16 chains is what one launch
costs it. At the end, one eager profile per op gives its kernels (names, grids, blocks, standalone durations), and one
profiled replay at 4 and 16 chains gives when each kernel started (its stream and start, per activity).

Output (OUTDIR): launch_cost.jsonl (one record per op, chain count and pass, plus one "op" record per op with its
kernels), replay_starts.jsonl.gz (the profiled replays' activities). H200, PyTorch 2.11, CUDA 13.0:
Assets/calibration/round21/.
"""
import gzip
import json
import os
import statistics
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

from cuda_timing import capture, timed, timed_device

OUT = sys.argv[1] if len(sys.argv) > 1 else "out"
BUDGET = float(sys.argv[2]) if len(sys.argv) > 2 else 240.0
T0 = time.time()
DEV = "cuda"
OPS_PER_GRAPH = 256
STREAMS = [1, 2, 4, 8, 16]
PASSES = 3
torch.backends.cudnn.benchmark = False
torch.backends.cudnn.allow_tf32 = True
torch.backends.cuda.matmul.allow_tf32 = False


def rand(*shape):
    return torch.randn(*shape).to(DEV)


def conv(cin, cout, k, groups=1):
    w = rand(cout, cin // groups, k, k) * 0.05
    return lambda y: F.conv2d(y, w, padding=k // 2, groups=groups)


def batchnorm(c):
    m, v, g, b = rand(c), rand(c).abs() + 1, rand(c), rand(c)
    return lambda y: F.batch_norm(y, m, v, g, b, training=False)


def linear(n):
    w = rand(n, n) * 0.05
    return lambda y: F.linear(y, w)


# name: (input shape, op on one tensor giving a tensor of the same shape)
OPS = {
    "add": ((1024,), lambda y: y + 1.0),
    "relu": ((1, 32, 7, 7), torch.relu),
    "max_pool_3x3": ((1, 32, 7, 7), lambda y: F.max_pool2d(y, 3, 1, 1)),
    "depthwise_3x3": ((1, 32, 7, 7), conv(32, 32, 3, groups=32)),
    "batchnorm": ((1, 32, 7, 7), batchnorm(32)),
    "conv_1x1_c32": ((1, 32, 7, 7), conv(32, 32, 1)),
    "conv_3x3_c32": ((1, 32, 7, 7), conv(32, 32, 3)),
    "conv_1x1_c256": ((1, 256, 7, 7), conv(256, 256, 1)),
    "conv_3x3_c128": ((1, 128, 7, 7), conv(128, 128, 3)),
    "linear_64": ((1, 64), linear(64)),
}


def emit(name, rec):
    with open(f"{OUT}/{name}", "a") as f:
        f.write(json.dumps(rec) + "\n")
    print(name, json.dumps(rec)[:200], flush=True)


def chains(op, shape, streams):
    xs = [rand(*shape) for _ in range(streams)]
    ss = [torch.cuda.Stream() for _ in range(streams)]
    per = OPS_PER_GRAPH // streams

    def fn():
        main = torch.cuda.current_stream()
        for s in ss: s.wait_stream(main)
        ys = list(xs)
        for _ in range(per):
            for i, s in enumerate(ss):
                with torch.cuda.stream(s): ys[i] = op(ys[i])
        for s in ss: main.wait_stream(s)
    return fn


def trace_events(fn):
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as p:
        fn(); torch.cuda.synchronize()
    path = os.path.join(tempfile.mkdtemp(), "trace.json")
    p.export_chrome_trace(path)
    ev = [e for e in json.load(open(path))["traceEvents"] if e.get("cat") in ("kernel", "gpu_memset", "gpu_memcpy")]
    os.remove(path)
    return sorted(ev, key=lambda e: e["ts"])


def main():
    os.makedirs(OUT, exist_ok=True)
    prop = torch.cuda.get_device_properties(0)
    emit("launch_cost.jsonl", {"kind": "device", "name": prop.name, "sms": prop.multi_processor_count,
                               "torch": torch.__version__, "cuda": torch.version.cuda,
                               "cudnn": torch.backends.cudnn.version()})
    graphs = {}
    with torch.no_grad():
        for name, (shape, op) in OPS.items():
            for s in STREAMS:
                graphs[(name, s)] = capture(chains(op, shape, s), warm=2)
        empty = capture(lambda: None)
        # Interleaved passes: every graph once per pass, so drift between ops shows as a spread, not a bias.
        for p in range(PASSES):
            floor, _ = timed_device(empty.replay, reps=50)
            emit("launch_cost.jsonl", {"kind": "floor", "pass": p, "empty_graph_device_ms": floor})
            for (name, s), g in graphs.items():
                if time.time() - T0 > BUDGET - 60: break  # leave time for the profiles
                dev_ms, host_us = timed_device(g.replay, reps=20)
                emit("launch_cost.jsonl", {"kind": "chains", "op": name, "streams": s, "ops": OPS_PER_GRAPH, "pass": p,
                                           "graph_ms": timed(g.replay, reps=20), "graph_device_ms": dev_ms,
                                           "host_submit_us": host_us})
        # From here on the process has profiled: the standalone kernels, then when each kernel of a replay started.
        for name, (shape, op) in OPS.items():
            x = rand(*shape)
            for _ in range(5): op(x)
            torch.cuda.synchronize()
            runs = [trace_events(lambda: op(x)) for _ in range(30)]
            per = len(runs[-1])
            kernels = []
            for j in range(per):
                ks = [r[j] for r in runs if len(r) == per]
                a = ks[0].get("args", {})
                kernels.append({"name": ks[0]["name"][:200], "grid": a.get("grid"), "block": a.get("block"),
                                "regs": a.get("registers per thread"), "smem": a.get("shared memory"),
                                "dur_us": statistics.median(k["dur"] for k in ks)})
            emit("launch_cost.jsonl", {"kind": "op", "op": name, "shape": list(shape), "kernels": kernels})
        with gzip.open(f"{OUT}/replay_starts.jsonl.gz", "wt") as f:
            for name in OPS:
                for s in (4, 16):
                    ev = trace_events(graphs[(name, s)].replay)
                    t0 = ev[0]["ts"] if ev else 0
                    for e in ev:
                        a = e.get("args", {})
                        f.write(json.dumps({"op": name, "streams": s, "name": e["name"][:120], "stream": a.get("stream"),
                                            "ts": round(e["ts"] - t0, 3), "dur": e["dur"]}) + "\n")
    print(f"done in {time.time() - T0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
