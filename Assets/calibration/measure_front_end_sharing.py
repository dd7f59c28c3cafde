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

With --repeat (the second run, front_end_sharing_repeat.jsonl): the spin kernel is run once before the clock is
read (the first run read it off a cold kernel, so its spins came out 3-5 µs instead of 25 in one process), spins
of 5 and 20 µs, and every case (the adds alone among them) is timed 5 times in rotation, each record carrying its
round, so that drift within a process falls on every case alike.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuda_timing import before_and_after_profiler, capture, cycles_per_us, timed  # noqa: E402
from measure_frontend import chains  # noqa: E402

REPEAT = "--repeat" in sys.argv
ARGS = [a for a in sys.argv[1:] if a != "--repeat"]
OUTFILE = ARGS[0] if ARGS else "front_end_sharing.jsonl"
CONNECTIONS = int(os.environ.get("CUDA_DEVICE_MAX_CONNECTIONS", "8"))
ADDS = 512
SPINS, SPIN_US = 20, 25.0
SIDE = [0, 1, 3, 7]


def emit(rec):
    rec["connections"] = CONNECTIONS
    with open(OUTFILE, "a") as f: f.write(json.dumps(rec) + "\n")
    print(json.dumps(rec), flush=True)


def beside(k, kind, adds=True, spin_us=SPIN_US):
    """The add chain on its own stream (unless not adds) and k side streams: spin chains or one waiting add each."""
    x = torch.zeros(1024, device="cuda")
    ys = [torch.zeros(1024, device="cuda") for _ in range(k)]
    main_side = torch.cuda.Stream()
    sides = [torch.cuda.Stream() for _ in range(k)]
    cycles = int(spin_us * cycles_per_us())

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


def measure_repeat(phase):
    """Each case 5 times in rotation: the adds alone, beside 1, 3 or 7 spinning streams (5 and 20 µs spins), the
    spinners alone."""
    torch.cuda._sleep(1000); torch.cuda.synchronize()
    empty = capture(lambda: None)
    cases = [("spinners", 0, SPIN_US, True)]
    for us in (5.0, 20.0):
        for k in (1, 3, 7):
            cases += [("spinners", k, us, True), ("spinners", k, us, False)]
    graphs = [capture(beside(k, kind, adds=adds, spin_us=us)) for kind, k, us, adds in cases]
    for rnd in range(5):
        floor = timed(empty.replay, reps=30, warm=5)
        for (kind, k, us, adds), g in zip(cases, graphs):
            emit({"phase": phase, "kind": kind if adds else "spinners_alone", "side_streams": k, "adds": ADDS if adds else 0,
                  "spins": SPINS, "spin_us_asked": us, "round": rnd, "graph_ms": timed(g.replay, reps=30, warm=5),
                  "empty_graph_ms": floor})
    del graphs
    torch.cuda.empty_cache()


if __name__ == "__main__":
    before_and_after_profiler(measure_repeat if REPEAT else measure)
