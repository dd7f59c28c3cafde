#!/usr/bin/env python3
"""Does the host's cost of a CUDA Graph replay grow with the number of times PyTorch's profiler has run?

Runs on a CUDA machine with PyTorch:  python3 measure_profiler_runs.py OUT.jsonl

measure_graph_replay.py found that after one short profiler run the host's call of a replay grows 0.22 µs a graph
node and the device waits for it. Rounds 2 and 3 profiled once per case, so their processes had run the profiler
tens of times. Here one process measures the same graphs after 0, 1, 2, 4, 8, 16 and 32 profiler runs (each run
profiles one add, as cuda_timing.before_and_after_profiler does): 256 one-block adds on one stream, and 512 as 16
chains on 16 streams (the front-end benchmark's widest case). Per graph: the host's call (wall clock around replay(),
median of 30), the replay by CUDA events from an idle GPU (median of 30) and on the device alone (behind a spin,
median of 30). Output: Assets/calibration/round12/profiler_runs.jsonl.
"""
import json
import sys

import torch

from cuda_timing import capture, profile_once, replay_costs

DEV = "cuda"
RUNS = [0, 1, 2, 4, 8, 16, 32]


def adds_graph(n, streams):
    xs = [torch.zeros(1024, device=DEV) for _ in range(streams)]
    ss = [torch.cuda.Stream() for _ in range(streams)]

    def fn():
        main = torch.cuda.current_stream()
        for s in ss: s.wait_stream(main)
        for i in range(n):
            with torch.cuda.stream(ss[i % streams]): xs[i % streams].add_(1.0)
        for s in ss: main.wait_stream(s)
    return capture(fn)


def main():
    out = open(sys.argv[1] if len(sys.argv) > 1 else "profiler_runs.jsonl", "w")
    prop = torch.cuda.get_device_properties(0)
    out.write(json.dumps({"kind": "device", "name": prop.name, "torch": torch.__version__, "cuda": torch.version.cuda}) + "\n")
    torch.cuda._sleep(1000); torch.cuda.synchronize()
    graphs = {(256, 1): adds_graph(256, 1), (512, 16): adds_graph(512, 16)}
    done = 0
    for runs in RUNS:
        while done < runs:
            profile_once(); done += 1
        for (n, s), g in graphs.items():
            rec = {"kind": "replay", "profiler_runs": runs, "kernels": n, "streams": s, **replay_costs(g)}
            out.write(json.dumps(rec) + "\n"); out.flush()
            print(f"after {runs:2d} profiler runs, {n} adds on {s:2d} streams: host {rec['host_call_us']:6.1f} us, "
                  f"replay {rec['replay_ms'] * 1000:6.1f} us, device {rec['device_ms'] * 1000:6.1f} us", flush=True)


if __name__ == "__main__":
    main()
