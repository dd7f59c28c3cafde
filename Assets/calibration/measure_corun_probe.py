#!/usr/bin/env python3
"""What slows a small kernel that runs beside another? A chain of small kernels on one stream, beside neighbours of
different kinds on a second stream, profiled kernel by kernel.

Runs on a CUDA machine with PyTorch:  python3 measure_corun_probe.py OUT.jsonl.gz

Why: in round 5's profiled branch-rule replays of GoogLeNet, Inception-v3 and SqueezeNet at batch 1, kernels that
overlap another kernel take 0.4-0.8 µs longer than in the serial replay, whatever their class, grid or traffic, and
kernels that overlap nothing take exactly as long; convtop's SM sharing gives them almost nothing, and GoogLeNet's
multi-stream replay simulates 15% fast (round 13). Round 10 found a chain of one-block adds slowed by only 1% beside
a one-block spin kernel. Which neighbours cost a small kernel its time tells presence from SM sharing from memory
traffic from launches:
  victims (a chain of 64 kernels, one CUDA Graph):  relu50k   in-place ReLU on 1x64x28x28 (50,176 floats)
                                                    relu200k  in-place ReLU on 1x256x28x28
                                                    conv      1x1 convolution 64->64 on 1x64x28x28, then ReLU
  neighbours on a second stream, forked at the chain's start and joined at its end:
    none       the victim alone
    sleep      one one-block spin kernel (torch.cuda._sleep) longer than the chain: presence without work
    gemm       fp32 2048x2048 matrix products (all SMs busy, L2-resident): SM sharing without DRAM traffic
    copy       256 MB device copies: SM sharing and DRAM traffic
    twin       the same chain as the victim: a branch beside its twin, as in the networks
    adds       a chain of 256 one-block adds: launches without work
Each case is profiled (three replays, the last kept) and its victim's kernels written with their duration and
start; a summary line per case gives the victim's median kernel time, its span and the replay's time (CUDA events).
Output: Assets/calibration/round13/corun_probe.jsonl.gz (H200, PyTorch 2.11, CUDA 13.0).
"""
import gzip
import json
import statistics
import sys

import torch

from cuda_timing import capture, cycles_per_us, timed
from measure_graph_gaps import activities

DEV = torch.device("cuda")
CHAIN = 64


def victims():
    a = torch.randn(1, 64, 28, 28, device=DEV)
    b = torch.randn(1, 256, 28, 28, device=DEV)
    conv = torch.nn.Conv2d(64, 64, 1).to(DEV).eval()
    c = torch.randn(1, 64, 28, 28, device=DEV)
    state = {"c": c}

    def relu50k():
        for _ in range(CHAIN): a.relu_()

    def relu200k():
        for _ in range(CHAIN): b.relu_()

    def convs():
        y = state["c"]
        for _ in range(CHAIN // 2): y = torch.relu(conv(y))
        state["y"] = y
    return {"relu50k": relu50k, "relu200k": relu200k, "conv": convs}


def neighbours(victim_fn, victim_us):
    g1 = torch.randn(2048, 2048, device=DEV); g2 = torch.randn(2048, 2048, device=DEV); g3 = torch.empty(2048, 2048, device=DEV)
    c1 = torch.empty(64 * 2**20, device=DEV); c2 = torch.randn(64 * 2**20, device=DEV)
    t = torch.zeros(1, device=DEV)
    cycles = int(cycles_per_us() * victim_us * 2)

    def gemm():
        for _ in range(max(1, int(victim_us // 150) + 1)): torch.mm(g1, g2, out=g3)

    def copy():
        for _ in range(max(1, int(victim_us // 120) + 1)): c1.copy_(c2)

    def adds():
        for _ in range(256): t.add_(1)
    return {"none": None, "sleep": lambda: torch.cuda._sleep(cycles), "gemm": gemm, "copy": copy, "twin": victim_fn, "adds": adds}


def side_by_side(victim, neighbour):
    s1, s2 = torch.cuda.Stream(), torch.cuda.Stream()

    def f():
        main = torch.cuda.current_stream()
        e = torch.cuda.Event(); e.record(main)
        s1.wait_event(e); s2.wait_event(e)
        with torch.cuda.stream(s1): victim()
        if neighbour is not None:
            with torch.cuda.stream(s2): neighbour()
        main.wait_stream(s1); main.wait_stream(s2)
    return f


def main(out_path):
    torch.backends.cuda.matmul.allow_tf32 = False
    out = gzip.open(out_path, "wt")
    out.write(json.dumps({"kind": "device", "name": torch.cuda.get_device_name(), "torch": torch.__version__,
                          "cuda": torch.version.cuda}) + "\n")
    with torch.no_grad():
        for vname, vfn in victims().items():
            alone = capture(vfn, warm=2)
            alone_ms = timed(alone.replay, reps=20)
            own = [a for a in activities(alone) if a.get("cat") == "kernel"]
            names, count = {a["name"] for a in own}, len(own)
            for nname, nfn in neighbours(vfn, alone_ms * 1000).items():
                g = capture(side_by_side(vfn, nfn), warm=2)
                ms = timed(g.replay, reps=20)
                acts = activities(g)
                streams = {}
                for a in acts:
                    if a.get("cat") == "kernel": streams.setdefault(a.get("args", {}).get("stream"), []).append(a)
                # The victim's stream: all of its kernels are the victim's and there are as many as alone (the
                # earlier-starting one of two twins).
                mine = [k for k in streams.values() if len(k) == count and all(a["name"] in names for a in k)]
                victim_acts = min(mine, key=lambda k: k[0]["ts"]) if mine else []
                durs = [a["dur"] for a in victim_acts]
                span = (victim_acts[-1]["ts"] + victim_acts[-1]["dur"] - victim_acts[0]["ts"]) if victim_acts else 0
                rec = {"kind": "case", "victim": vname, "neighbour": nname, "graph_ms": ms, "alone_graph_ms": alone_ms,
                       "victim_kernels": len(durs), "victim_median_us": statistics.median(durs) if durs else 0,
                       "victim_span_us": span, "streams": len(streams), "kernels": sum(len(k) for k in streams.values())}
                out.write(json.dumps(rec) + "\n"); out.flush()
                print(rec, flush=True)
                for a in acts:
                    out.write(json.dumps({"kind": "activity", "victim": vname, "neighbour": nname, "name": a["name"][:80],
                                          "grid": a.get("args", {}).get("grid"), "stream": a.get("args", {}).get("stream"),
                                          "ts": a["ts"], "dur": a["dur"]}) + "\n")
                del g
                torch.cuda.empty_cache()
    out.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "corun_probe.jsonl.gz")
