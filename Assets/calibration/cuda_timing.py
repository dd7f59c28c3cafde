"""Timing helpers shared by the measuring scripts here (measure.py, measure_round2.py, measure_frontend.py,
measure_graph_gaps.py, measure_device_side.py, the round-8 scripts, measure_smem_config.py, measure_function_mix.py). measure_catalog.py keeps its own copy: `convtop calibrate` sends it
to a GPU machine alone."""
import statistics
import time

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


_cycles_per_us = None


def cycles_per_us():
    """Clock cycles per microsecond of torch.cuda._sleep's spin loop, measured once with CUDA events."""
    global _cycles_per_us
    if _cycles_per_us is None:
        torch.cuda.synchronize()
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record(); torch.cuda._sleep(2_000_000); b.record(); b.synchronize()
        _cycles_per_us = 2_000_000 / (a.elapsed_time(b) * 1000)
    return _cycles_per_us


def timed_device(fn, reps=20, warm=3):
    """Median milliseconds of fn on the GPU alone, and the host's microseconds to submit it.

    `timed` records its first event on an idle GPU, so its figure includes the time the host takes to submit fn (a
    graph launch's host cost grows with the graph and varies between machines by several microseconds). Here a spin
    kernel four times longer than that submission keeps the GPU busy while the host submits, so the first event
    fires only once fn's work is queued behind it: what is left is the device's own time, graph launch on the
    device included."""
    for _ in range(warm): fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter(); fn(); host_us = (time.perf_counter() - t0) * 1e6
    torch.cuda.synchronize()
    spin = int(max(200.0, 4 * host_us) * cycles_per_us())
    ts = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        torch.cuda._sleep(spin); a.record(); fn(); b.record(); b.synchronize()
        ts.append(a.elapsed_time(b))
    return statistics.median(ts), host_us


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


def branches(*launches):
    """One CUDA Graph: its capture stream forks into a stream per launch function, each running its launches, and joins
    them again (a single function runs on the capture stream itself, with no fork)."""
    g = torch.cuda.CUDAGraph()
    cap = torch.cuda.Stream()
    side = [torch.cuda.Stream() for _ in launches]
    with torch.cuda.stream(cap):
        torch.cuda.synchronize()
        with torch.cuda.graph(g, stream=cap):
            if len(launches) == 1:
                launches[0]()
            else:
                fork = torch.cuda.Event()
                fork.record(cap)
                for s, launch in zip(side, launches):
                    s.wait_event(fork)
                    with torch.cuda.stream(s):
                        launch()
                    done = torch.cuda.Event()
                    done.record(s)
                    cap.wait_event(done)
    return g


def profile_once():
    """One short PyTorch profiler run of a single kernel: after it, the process counts as profiled (a CUDA Graph
    replay's host call grows with every node, measure_graph_replay.py)."""
    y = torch.zeros(1024, device="cuda")
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]):
        y.add_(1.0); torch.cuda.synchronize()


def before_and_after_profiler(measure):
    """measure("before_profiler"), then profile_once(), then measure("after_profiler"): once the profiler has run
    in a process, the GPU's front end stays slower in it (measure_profiler_effect.py)."""
    measure("before_profiler")
    profile_once()
    measure("after_profiler")


def host_call_us(g, reps=30):
    """Median wall-clock microseconds of the host's call g.replay(), the GPU idle before each."""
    ts = []
    for _ in range(reps):
        torch.cuda.synchronize()
        t0 = time.perf_counter(); g.replay(); ts.append((time.perf_counter() - t0) * 1e6)
    torch.cuda.synchronize()
    return statistics.median(ts)


def replay_costs(g):
    """A CUDA Graph's replay three ways (the round-12 scripts' record fields): the host's call (µs), the replay timed
    from an idle GPU (ms) and on the device alone, the host's call hidden (ms); medians of 30."""
    return {"host_call_us": host_call_us(g), "replay_ms": timed(g.replay, reps=30, warm=3),
            "device_ms": timed_device(g.replay, reps=30, warm=3)[0]}
