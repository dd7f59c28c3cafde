"""Timing helpers shared by the measuring scripts here (measure.py, measure_round2.py, measure_frontend.py,
measure_graph_gaps.py). measure_catalog.py keeps its own copy: `convtop calibrate` sends it to a GPU machine alone."""
import statistics

import torch


def timed(fn, reps=20, warm=3):
    """Median milliseconds of fn on the GPU (CUDA events around each call)."""
    for _ in range(warm): fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record(); fn(); b.record(); b.synchronize()
        ts.append(a.elapsed_time(b))
    return statistics.median(ts)


def capture(fn, warm=3):
    """fn captured as a CUDA Graph, after warm-up runs on a side stream (PyTorch's whole-network capture recipe)."""
    s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(warm): fn()
    torch.cuda.current_stream().wait_stream(s); torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        fn()
    return g
