#!/usr/bin/env python3
"""The concurrency sets timed on the device alone, twice: how much of a measured speedup is the host's graph launch,
and how well a case repeats.

Runs on a CUDA machine with PyTorch and torchvision:  python3 measure_device_side.py OUTDIR [SECONDS [PHASES]]
(PHASES: a comma list of frontend, pairs, inference; default all three.)

Earlier rounds timed each CUDA Graph replay with CUDA events around it on an idle GPU (cuda_timing.timed). The first
event then fires at once and the GPU waits while the host submits the graph, so every figure holds the host's launch
cost, which grows with the graph's nodes and moved between machines by several microseconds: a tenth or more of the
small cases' time, and the same in serial and concurrent runs, so it pulls their speedups towards 1 by an amount that
changes from lease to lease. cuda_timing.timed_device keeps the GPU busy with a spin kernel while the host submits,
so only the device's time is left. Every case here is timed both ways, in two passes over the whole set (pass 0, then
pass 1 in the same order), so that the spread of a case between passes can be reported beside the model's error.

Sets (the same cases, shapes and stream assignment as before):
  frontend.jsonl  measure_frontend.py's 512 tiny element-wise kernels as 1-16 chains, 1-4224 blocks per kernel,
                  plus an empty graph and a one-kernel graph (the device's graph-launch floor)
  pairs.jsonl     measure_round2.py's chains of convolutions (2 and 4 chains) and convolution beside memory
  inference.jsonl measure_round2.py's torchvision networks, serial and branch rule on 8 streams, batch 1, 32, then 8
Each record has the host-inclusive figure under the old key (e.g. "serial2_ms") and the device-only figure under the
same key with "_device" ("serial2_device_ms"), the pass, and the host's submission time of the largest graph timed.
H200, PyTorch 2.11, CUDA 13.0: Assets/calibration/round4/ (about 8 minutes).
"""
import json
import os
import subprocess
import sys
import time
import traceback

import torch

import measure_round2 as r2
from measure_frontend import BLOCKS, KERNELS, STREAMS, chains as frontend_chains
from cuda_timing import capture, timed, timed_device

OUT = sys.argv[1] if len(sys.argv) > 1 else "out"
BUDGET = float(sys.argv[2]) if len(sys.argv) > 2 else 540.0
PHASES = sys.argv[3].split(",") if len(sys.argv) > 3 else ["frontend", "pairs", "inference"]
T0 = time.time()
REPS = 20


def emit(name, rec):
    with open(f"{OUT}/{name}", "a") as f:
        f.write(json.dumps(rec) + "\n")
    print(name, json.dumps(rec)[:240], flush=True)


def both(rec, key, fn, reps=REPS, graph=True):
    """Times fn captured as a CUDA Graph both ways into rec[key + "_ms"] and rec[key + "_device_ms"]."""
    g = capture(fn, warm=2) if graph else None
    replay = g.replay if graph else fn
    rec[key + "_ms"] = timed(replay, reps=reps)
    rec[key + "_device_ms"], host_us = timed_device(replay, reps=reps)
    rec["host_submit_us"] = max(rec.get("host_submit_us", 0.0), host_us)
    del g


def phase_frontend(p, deadline):
    rec = {"kind": "floor", "pass": p}
    both(rec, "empty_graph", lambda: None, reps=50)
    x = torch.zeros(1024, device="cuda")
    both(rec, "one_kernel_graph", lambda: x.add_(1.0), reps=50)
    emit("frontend.jsonl", rec)
    for b in BLOCKS:
        for s in STREAMS:
            if time.time() > deadline: print("frontend: budget reached", flush=True); return
            rec = {"kind": "frontend", "pass": p, "blocks": b, "threads": 128, "streams": s, "kernels": KERNELS}
            both(rec, "graph", frontend_chains(b, s))
            emit("frontend.jsonl", rec)
        torch.cuda.empty_cache()


def phase_pairs(p, deadline):
    for (batch, c, hw, k) in r2.pairs_grid():
        if time.time() > deadline: print("pairs: budget reached", flush=True); return
        try:
            chain, serial, parallel = r2.chains_setup(batch, c, hw, k)
            rec = {"kind": "conv_chains", "pass": p, "batch": batch, "channels": c, "map": hw, "kernel": k, "depth": 2}
            with torch.no_grad():
                both(rec, "one_chain", serial(1))
                for n in (2, 4):
                    both(rec, f"serial{n}", serial(n))
                    both(rec, f"streams{n}", parallel(n))
            emit("pairs.jsonl", rec)
        except Exception: traceback.print_exc()
        torch.cuda.empty_cache()
    for (batch, c, hw, k, elems_m) in r2.BESIDE_MEMORY:
        if time.time() > deadline: return
        try:
            conv_chain, mem_chain, serial, parallel = r2.beside_memory_setup(batch, c, hw, k, elems_m)
            rec = {"kind": "conv_beside_memory", "pass": p, "batch": batch, "channels": c, "map": hw, "kernel": k,
                   "mem_elements": int(elems_m * 1e6)}
            with torch.no_grad():
                both(rec, "serial", serial)
                both(rec, "streams2", parallel)
            emit("pairs.jsonl", rec)
        except Exception: traceback.print_exc()
        torch.cuda.empty_cache()


def phase_inference(p, deadline):
    nets = ["alexnet", "vgg16", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "googlenet", "inception_v3",
            "densenet121", "squeezenet1_0", "mobilenet_v2"]
    for batch in (1, 32, 8):
        for name in nets:
            if time.time() > deadline: print("inference: budget reached", flush=True); return
            try:
                torch.manual_seed(0)
                model = r2.build(name).to("cuda").eval()
                x = r2.rand(batch, 3, r2.size_of(name), r2.size_of(name))
                gm = torch.fx.symbolic_trace(model)
                br = r2.Branchy(gm)
                rec = {"model": name, "batch": batch, "mode": "inference", "pass": p, "streams_used": len(br.used)}
                with torch.no_grad():
                    both(rec, "serial_graph", lambda: gm(x), reps=30)
                    both(rec, "branch_graph", lambda: br(x), reps=30)
                emit("inference.jsonl", rec)
                del model, gm, br
            except Exception: traceback.print_exc()
            torch.cuda.empty_cache()


def main():
    os.makedirs(OUT, exist_ok=True)
    env = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__, "cuda": torch.version.cuda,
           "cudnn": torch.backends.cudnn.version(), "budget_s": BUDGET, "phases": PHASES,
           "cuda_env": {k: v for k, v in os.environ.items() if k.startswith("CUDA_")}}
    # What could make two machines' front ends differ: driver, clocks, power, persistence, compute mode, MPS.
    query = "driver_version,clocks.sm,clocks.max.sm,clocks.mem,power.draw,power.limit,persistence_mode,compute_mode,mig.mode.current"
    try:
        env["nvidia_smi"] = dict(zip(query.split(","), subprocess.run(
            ["nvidia-smi", f"--query-gpu={query}", "--format=csv,noheader"], capture_output=True, text=True).stdout.strip().split(", ")))
        env["gpu_processes"] = subprocess.run(["nvidia-smi", "--query-compute-apps=pid,process_name", "--format=csv,noheader"],
                                              capture_output=True, text=True).stdout.strip()
    except OSError as e:
        env["nvidia_smi"] = str(e)
    print(json.dumps(env), flush=True)
    json.dump(env, open(f"{OUT}/env.json", "w"))
    # Pass 0 gets 60% of the budget, pass 1 the rest; within a pass: front end 10%, chains 55%, networks 35%.
    start = T0
    for p, share in ((0, 0.6), (1, 0.4)):
        span = BUDGET * share
        t = start
        parts = [(fn, part) for name, fn, part in (("frontend", phase_frontend, 0.10), ("pairs", phase_pairs, 0.55),
                                                    ("inference", phase_inference, 0.35)) if name in PHASES]
        for fn, part in parts:
            t += span * part / sum(q for _, q in parts)
            fn(p, t)
        start += span
    env["wall_s"] = time.time() - T0
    json.dump(env, open(f"{OUT}/env.json", "w"))
    print("done in", env["wall_s"], "s", flush=True)


if __name__ == "__main__":
    main()
