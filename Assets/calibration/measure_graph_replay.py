#!/usr/bin/env python3
"""What a CUDA Graph replay costs the host and the device, by graph size, before and after PyTorch's profiler ran.

Runs on a CUDA machine with PyTorch:  python3 measure_graph_replay.py OUT.jsonl

convtop models a replay as the host's call (graph_launch_us) beside the device's start-up before the first kernel
(graph_start_us): a replay timed with CUDA events from an idle GPU takes max(host call, start-up + kernels). The GPU
profile reads both off round 2's convolution chains (graph_replay_floor.py); this measures them directly, on graphs
nobody fitted:
  - "adds": one stream, N one-block in-place adds on 1024 floats (N = 1 ... 512), and "adds4": the same N kernels as
    4 independent chains on 4 streams (a graph with branches, joins and event nodes);
  - "spin": one spin kernel of S µs (torch.cuda._sleep, one block; S = 50, 100, 200) followed by N one-block adds
    (N = 0, 64, 256): the replay minus the kernels is the device's start-up, and whether it grows with the graph.
Each graph: the host's call (wall clock around replay(), GPU idle before it; median of 30), the replay timed with CUDA
events from an idle GPU (`timed`, median of 30) and on the device alone (`timed_device`: behind a spin kernel, so
the host's call is hidden; median of 30). All of it first in a process that has not run the profiler ("clean"), then
again after one short profiler run ("profiled", cuda_timing.before_and_after_profiler). Every case is measured in
three interleaved rounds (a case's rows carry `round`). Output: Assets/calibration/round12/graph_replay.jsonl.
"""
import json
import sys

import torch

from cuda_timing import before_and_after_profiler, capture, cycles_per_us, replay_costs, timed_device

DEV = "cuda"
ADDS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
SPIN_US = [50, 100, 200]
SPIN_TAIL = [0, 64, 256]
ROUNDS = 3


def adds_graph(n, streams):
    xs = [torch.zeros(1024, device=DEV) for _ in range(streams)]
    ss = [torch.cuda.Stream() for _ in range(streams)]

    def fn():
        if streams == 1:
            for _ in range(n): xs[0].add_(1.0)
            return
        main = torch.cuda.current_stream()
        for s in ss: s.wait_stream(main)
        for i in range(n):
            with torch.cuda.stream(ss[i % streams]): xs[i % streams].add_(1.0)
        for s in ss: main.wait_stream(s)
    return capture(fn)


def spin_graph(spin_us, tail):
    x = torch.zeros(1024, device=DEV)
    cycles = int(spin_us * cycles_per_us())

    def fn():
        torch.cuda._sleep(cycles)
        for _ in range(tail): x.add_(1.0)
    return capture(fn)


def main():
    out = open(sys.argv[1] if len(sys.argv) > 1 else "graph_replay.jsonl", "w")
    prop = torch.cuda.get_device_properties(0)
    out.write(json.dumps({"kind": "device", "name": prop.name, "sms": prop.multi_processor_count,
                          "torch": torch.__version__, "cuda": torch.version.cuda}) + "\n")
    torch.cuda._sleep(1000); torch.cuda.synchronize()
    cases = [("adds", n, 0, 1) for n in ADDS] + [("adds4", n, 0, 4) for n in ADDS if n >= 4]
    cases += [("spin", n, s, 1) for s in SPIN_US for n in SPIN_TAIL]
    graphs = {c: (adds_graph(c[1], c[3]) if c[0] != "spin" else spin_graph(c[2], c[1])) for c in cases}
    # a one-block spin's own time on the device (eager, behind another spin), to subtract from the spin graphs
    spin_alone = {s: timed_device(lambda: torch.cuda._sleep(int(s * cycles_per_us())), reps=30, warm=5)[0] for s in SPIN_US}

    def measure(phase):
        state = "clean" if phase == "before_profiler" else "profiled"
        for r in range(ROUNDS):
            for c in cases:
                g = graphs[c]
                rec = {"kind": c[0], "state": state, "round": r, "kernels": c[1], "streams": c[3], "spin_us": c[2] or None,
                       "spin_alone_ms": spin_alone.get(c[2]), **replay_costs(g)}
                out.write(json.dumps(rec) + "\n"); out.flush()
                if r == 0:
                    print(f"{state:8s} {c[0]:5s} n={c[1]:3d} spin={c[2]:3d}: host {rec['host_call_us']:6.1f} us, "
                          f"replay {rec['replay_ms'] * 1000:7.1f} us, device {rec['device_ms'] * 1000:7.1f} us", flush=True)

    before_and_after_profiler(measure)


if __name__ == "__main__":
    main()
