#!/usr/bin/env python3
"""Who shares the GPU's front end: grids in launch only, or every stream waiting for its own previous kernel?

Run on a CUDA machine with PyTorch:  python3 measure_front_end_sharing.py OUT.jsonl
(run it once as is and once with CUDA_DEVICE_MAX_CONNECTIONS=32 in the environment; each run appends)

Session 10 changed convtop's front end: a tiny kernel's launch work is processor-shared with every grid in launch
and with every hardware queue whose next kernel waits for its own stream's previous one (not with queues waiting on
another stream's event). That was read off the front-end benchmark (measure_frontend.py), where every chain runs the
same tiny kernels. Here the two readings predict different things:

- "beside spinners": a chain of 512 one-block in-place adds on one stream, and beside it K = 0, 1, 3 or 7 streams
  each running a chain of 20 spin kernels (torch.cuda._sleep, one block, 25 µs each). A spinning stream's next
  kernel waits for its own previous one almost all the time, while it launches a grid only every 25 µs. Sharing
  among grids in launch alone leaves the add chain's step as it is alone; sharing with waiting queues adds one share
  per spinning stream for the 500 µs the spinners run.
- "beside waiters": the same add chain, and K streams each holding one add that waits on an event recorded after
  the chain's last kernel (a queue waiting on another stream): both readings leave the chain's step as it is alone.
- the front-end benchmark's chains of 1 and 528 blocks at 8 and 16 chains: with CUDA_DEVICE_MAX_CONNECTIONS=32 the
  16 chains get a hardware queue each, with the default 8 two chains share one.

Every case is one CUDA Graph, timed with CUDA events around its replay (median of 30 after 5 warm-ups, as
measure_frontend.py), first in a process that has not used PyTorch's profiler, then after one short profiled run
(cuda_timing.before_and_after_profiler). The spin chains alone and the add chain alone are timed too, so a
reading can be checked case by case. Output: one JSON line per case and phase (Assets/calibration/round10/).
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuda_timing import before_and_after_profiler, capture, cycles_per_us, timed  # noqa: E402
from measure_frontend import chains  # noqa: E402

OUTFILE = sys.argv[1] if len(sys.argv) > 1 else "front_end_sharing.jsonl"
CONNECTIONS = int(os.environ.get("CUDA_DEVICE_MAX_CONNECTIONS", "8"))
ADDS = 512
SPINS, SPIN_US = 20, 25.0
SIDE = [0, 1, 3, 7]


def emit(rec):
    rec["connections"] = CONNECTIONS
    with open(OUTFILE, "a") as f: f.write(json.dumps(rec) + "\n")
    print(json.dumps(rec), flush=True)


def beside(k, kind, adds=True):
    """The add chain on its own stream (unless not adds) and k side streams: spin chains or one waiting add each."""
    x = torch.zeros(1024, device="cuda")
    ys = [torch.zeros(1024, device="cuda") for _ in range(k)]
    main_side = torch.cuda.Stream()
    sides = [torch.cuda.Stream() for _ in range(k)]
    cycles = int(SPIN_US * cycles_per_us())

    def fn():
        main = torch.cuda.current_stream()
        for s in [main_side] + sides: s.wait_stream(main)
        if kind == "spinners":
            for s in sides:
                with torch.cuda.stream(s):
                    for _ in range(SPINS): torch.cuda._sleep(cycles)
        if adds:
            with torch.cuda.stream(main_side):
                for _ in range(ADDS): x.add_(1.0)
        if kind == "waiters":
            for s, y in zip(sides, ys):
                s.wait_stream(main_side)
                with torch.cuda.stream(s): y.add_(1.0)
        for s in [main_side] + sides: main.wait_stream(s)
    return fn


def measure(phase):
    empty = capture(lambda: None)
    floor = timed(empty.replay, reps=30, warm=5)
    for kind in ("spinners", "waiters"):
        for k in SIDE:
            if kind == "waiters" and k == 0: continue
            g = capture(beside(k, kind))
            rec = {"phase": phase, "kind": kind, "side_streams": k, "adds": ADDS, "graph_ms": timed(g.replay, reps=30, warm=5),
                   "empty_graph_ms": floor}
            if kind == "spinners" and k > 0:
                alone = capture(beside(k, kind, adds=False))
                rec.update(spins=SPINS, spin_us=SPIN_US, spinners_alone_ms=timed(alone.replay, reps=30, warm=5))
                del alone
            emit(rec)
            del g
    for b in (1, 528):
        for s in (1, 8, 16):
            g = capture(chains(b, s))
            emit({"phase": phase, "kind": "frontend", "blocks": b, "streams": s, "kernels": 512,
                  "graph_ms": timed(g.replay, reps=30, warm=5), "empty_graph_ms": floor})
            del g
    torch.cuda.empty_cache()


if __name__ == "__main__":
    before_and_after_profiler(measure)
