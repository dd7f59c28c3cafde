#!/usr/bin/env python3
"""What runs at the same time in a multi-stream CUDA Graph replay: every GPU activity, with its stream, of the
concurrency cases the model gets most wrong, one stream and several.

Runs on a CUDA machine with PyTorch and torchvision:  python3 measure_replay_profiles.py OUT.jsonl.gz

Cases: independent chains of two convolutions (measure_round2.py's chains, one stream versus 2 or 4) at the shapes
where convtop's speedup was furthest from a measured one in rounds 2 and 4, and forward passes of GoogLeNet,
Inception-v3 and SqueezeNet at batch 1 (serial and Opara's branch rule on 8 streams). Each graph is replayed 20 times
for its time (CUDA events, host launch included, as measure_round2.py), then three replays are profiled; the last
one's activities are written (name, category, grid, block, stream, start, duration) after a summary line per case
and variant. Comparing durations in the concurrent replay with the serial one says how much co-running kernels slow
each other, and the start times say how soon the hardware starts a kernel once its stream allows it.
Output: Assets/calibration/round5/replay_profiles.jsonl.gz (H200, PyTorch 2.11, CUDA 13.0).
"""
import gzip
import json
import sys

import torch

import measure_round2 as r2
from cuda_timing import capture, timed
from measure_graph_gaps import activities

# (batch, channels, map, kernel, chains)
CHAINS = [(1, 512, 14, 1, 4), (8, 256, 7, 3, 4), (8, 256, 7, 3, 2), (1, 128, 112, 1, 4), (8, 32, 14, 3, 4), (32, 32, 7, 1, 4),
          (1, 32, 7, 1, 4), (1, 1024, 28, 1, 4), (64, 128, 7, 3, 4), (1, 256, 28, 3, 4), (64, 32, 7, 1, 4), (1, 32, 7, 3, 4),
          (1, 512, 7, 3, 4), (8, 256, 7, 1, 4)]
NETWORKS = ["googlenet", "inception_v3", "squeezenet1_0"]


def write(out, case, variant, g):
    ms = timed(g.replay)
    acts = activities(g)
    streams = sorted({a.get("args", {}).get("stream") for a in acts})
    rec = {"kind": "replay", "case": case, "variant": variant, "graph_ms": ms, "activities": len(acts), "streams": len(streams),
           "span_us": (acts[-1]["ts"] + acts[-1]["dur"] - acts[0]["ts"]) if acts else 0,
           "duration_sum_us": sum(a["dur"] for a in acts)}
    out.write(json.dumps(rec) + "\n")
    print(json.dumps(rec), flush=True)
    t0 = acts[0]["ts"] if acts else 0
    for a in acts:
        args = a.get("args", {})
        out.write(json.dumps({"kind": "activity", "case": case, "variant": variant, "name": a["name"][:160], "cat": a["cat"],
                              "grid": args.get("grid"), "block": args.get("block"), "stream": args.get("stream"),
                              "ts": round(a["ts"] - t0, 3), "dur": a["dur"]}) + "\n")


def main():
    out = gzip.open(sys.argv[1] if len(sys.argv) > 1 else "replay_profiles.jsonl.gz", "wt")
    for (batch, c, hw, k, n) in CHAINS:
        case = f"conv_b{batch}_c{c}_m{hw}_k{k}_x{n}"
        try:
            chain, serial, parallel = r2.chains_setup(batch, c, hw, k, widths=(n,))
            with torch.no_grad():
                write(out, case, "serial", capture(serial(n), warm=2))
                write(out, case, "streams", capture(parallel(n), warm=2))
        except Exception as e:  # one case's failure does not stop the others
            print(f"error: {case}: {e}", flush=True)
        torch.cuda.empty_cache()
    for name in NETWORKS:
        try:
            torch.manual_seed(0)
            model = r2.build(name).to("cuda").eval()
            x = r2.rand(1, 3, r2.size_of(name), r2.size_of(name))
            gm = torch.fx.symbolic_trace(model)
            br = r2.Branchy(gm)
            with torch.no_grad():
                write(out, f"{name}_b1", "serial", capture(lambda: gm(x), warm=2))
                write(out, f"{name}_b1", "streams", capture(lambda: br(x), warm=2))
        except Exception as e:
            print(f"error: {name}: {e}", flush=True)
        torch.cuda.empty_cache()
    out.close()


if __name__ == "__main__":
    main()
