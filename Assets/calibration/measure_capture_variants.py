#!/usr/bin/env python3
"""Why a network captured with the branch rule replays slower than its serial capture at batch 1, even on one stream.

Run on a CUDA machine with PyTorch and torchvision:  python3 measure_capture_variants.py OUT.jsonl
MobileNet-v2, DenseNet-121, EfficientNet-B0 and MNASNet put every op on one stream under the branch rule, yet their
branch-rule CUDA Graphs replay 5-12% slower than the serial ones at batch 1 and as fast at batch 8 (round 2 and the
ONNX corpus). The branch-rule harness (measure_round2.Branchy) runs each op inside `torch.cuda.stream(s)` on a pool
stream and records an event after every op. Here a chain of 256 in-place adds (1, 132 or 1056 blocks each) is
captured five ways and replayed (CUDA events around the replay, median of 30): plain on the capturing stream; on a
side stream; on a side stream with an event recorded after every kernel (Branchy's pattern); with an event recorded
and waited on the same stream; alternating between two streams, each kernel waiting on the other's event. Then
MobileNet-v2 at batch 1: its serial
capture, the branch-rule capture, and the branch-rule capture without the per-op events. Everything runs twice in
one process: before and after one short profiled run (see measure_profiler_effect.py). Output: one JSON line per
case (Assets/calibration/round8/capture_variants.jsonl; about 15 s. The shipped run also tried to count each graph's
node kinds from CUDA's debug dump; this PyTorch build wrote no dump file, so that field was dropped from the data.)
"""
import json
import os
import sys

import torch
import torch.fx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
OUTFILE = sys.argv[1] if len(sys.argv) > 1 else "capture_variants.jsonl"
sys.argv = [sys.argv[0], os.path.dirname(os.path.abspath(OUTFILE)) or "."]  # measure_round2 reads OUT from argv
import measure_round2 as r2  # noqa: E402
from cuda_timing import before_and_after_profiler, capture, timed  # noqa: E402

KERNELS = 256


def emit(rec):
    with open(OUTFILE, "a") as f: f.write(json.dumps(rec) + "\n")
    print(json.dumps(rec), flush=True)


def chains(blocks):
    x = torch.zeros(1024 * blocks, device="cuda")
    a, b = torch.cuda.Stream(), torch.cuda.Stream()

    def plain():
        for _ in range(KERNELS): x.add_(1.0)

    def side(events=False, same_wait=False):
        def f():
            main = torch.cuda.current_stream(); a.wait_stream(main)
            for _ in range(KERNELS):
                with torch.cuda.stream(a): x.add_(1.0)
                if events:
                    ev = torch.cuda.Event(); ev.record(a)
                    if same_wait: a.wait_event(ev)
            main.wait_stream(a)
        return f

    def alternating():
        main = torch.cuda.current_stream(); a.wait_stream(main); b.wait_stream(main)
        ev = None
        for i in range(KERNELS):
            s = (a, b)[i % 2]
            if ev is not None: s.wait_event(ev)
            with torch.cuda.stream(s): x.add_(1.0)
            ev = torch.cuda.Event(); ev.record(s)
        main.wait_stream(a); main.wait_stream(b)
    return {"plain": plain, "side_stream": side(), "side_stream_event_per_kernel": side(True),
            "event_and_wait_same_stream": side(True, True), "alternating_two_streams": alternating}


class NoEvents(r2.Branchy):
    """The branch rule without the per-op events: only joins across streams record and wait (all on one stream here)."""
    def __call__(self, x):
        main = torch.cuda.current_stream()
        start = torch.cuda.Event(); start.record(main)
        for s in self.used: self.pool[s].wait_event(start)
        env = {}
        out = None
        for n in self.nodes:
            if n.op == "placeholder": env[n] = x; continue
            if n.op == "get_attr": env[n] = getattr(self.gm, n.target); continue
            if n.op == "output":
                out = env[n.args[0]] if not isinstance(n.args[0], (tuple, list)) else env[n.args[0][0]]
                continue
            with torch.cuda.stream(self.pool[self.stream_of[n]]):
                args = torch.fx.node.map_arg(n.args, lambda a: env[a])
                kwargs = torch.fx.node.map_arg(n.kwargs, lambda a: env[a])
                if n.op == "call_module": env[n] = self.gm.get_submodule(n.target)(*args, **kwargs)
                elif n.op == "call_function": env[n] = n.target(*args, **kwargs)
                else: env[n] = getattr(args[0], n.target)(*args[1:], **kwargs)
        for s in self.used: main.wait_stream(self.pool[s])
        return out


def measure(phase):
    for blocks in (1, 132, 1056):
        for name, fn in chains(blocks).items():
            g = capture(fn, warm=2)
            ms = timed(g.replay, reps=30, warm=5)
            emit({"phase": phase, "kind": "chain", "variant": name, "blocks": blocks, "kernels": KERNELS, "graph_ms": ms})
            del g
    torch.manual_seed(0)
    gm = torch.fx.symbolic_trace(r2.build("mobilenet_v2").to(r2.dev).eval())
    x = r2.rand(1, 3, 224, 224)
    with torch.no_grad():
        for name, fn in (("serial", lambda: gm(x)), ("branch_rule", r2.Branchy(gm)), ("branch_rule_no_events", NoEvents(gm))):
            f = fn if name == "serial" else (lambda fn=fn: fn(x))
            g = capture(f, warm=2)
            emit({"phase": phase, "kind": "network", "model": "mobilenet_v2", "batch": 1, "variant": name,
                  "graph_ms": timed(g.replay, reps=30, warm=5)})
            del g
    torch.cuda.empty_cache()


def main():
    open(OUTFILE, "w").close()
    before_and_after_profiler(measure)


if __name__ == "__main__":
    main()
