#!/usr/bin/env python3
"""Is the branch rule's slowdown of linear networks at batch 1 the streams, or running the network node by node?

Run on a CUDA machine with PyTorch and torchvision:  python3 measure_interpreter_effect.py OUT.jsonl
measure_capture_variants.py found MobileNet-v2 at batch 1 13% slower under the branch rule than serially although
every op is on one stream, while the catalog's harness (which runs its serial pass node by node too) saw no gap.
The branch-rule harness (measure_round2.Branchy) runs the traced network node by node and keeps every intermediate
tensor alive until the end; the serial run calls the traced module, which frees each tensor after its last use, so
its CUDA Graph reuses memory. Here, for MobileNet-v2, EfficientNet-B0, DenseNet-121 and GoogLeNet at batch 1 and 8,
each CUDA Graph is replayed (median of 30, CUDA events): the traced module; node by node on the capturing stream
keeping every tensor; node by node freeing each tensor after its last use; the branch rule (Branchy); and the
branch rule freeing each tensor after its last use. Also recorded: the memory each capture's private pool holds.
Output: one JSON line per case (Assets/calibration/round8/interpreter_effect.jsonl; H200; about 40 s).
"""
import json
import os
import sys

import torch
import torch.fx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
OUTFILE = sys.argv[1] if len(sys.argv) > 1 else "interpreter_effect.jsonl"
sys.argv = [sys.argv[0], os.path.dirname(os.path.abspath(OUTFILE)) or "."]  # measure_round2 reads OUT from argv
import measure_round2 as r2  # noqa: E402
from cuda_timing import timed  # noqa: E402


def emit(rec):
    with open(OUTFILE, "a") as f: f.write(json.dumps(rec) + "\n")
    print(json.dumps(rec), flush=True)


def capture(fn):
    s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(2): fn()
    torch.cuda.current_stream().wait_stream(s); torch.cuda.synchronize()
    before = torch.cuda.memory_reserved()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        fn()
    return g, torch.cuda.memory_reserved() - before


def last_uses(nodes):
    last = {}
    for i, n in enumerate(nodes):
        for a in n.all_input_nodes: last[a] = i
    return last


def run_node(gm, n, env):
    args = torch.fx.node.map_arg(n.args, lambda a: env[a])
    kwargs = torch.fx.node.map_arg(n.kwargs, lambda a: env[a])
    if n.op == "call_module": return gm.get_submodule(n.target)(*args, **kwargs)
    if n.op == "call_function": return n.target(*args, **kwargs)
    return getattr(args[0], n.target)(*args[1:], **kwargs)


def node_by_node(gm, free):
    nodes = list(gm.graph.nodes)
    last = last_uses(nodes)

    def f(x):
        env = {}
        for i, n in enumerate(nodes):
            if n.op == "placeholder": env[n] = x; continue
            if n.op == "get_attr": env[n] = getattr(gm, n.target); continue
            if n.op == "output":
                a = n.args[0]
                return env[a] if not isinstance(a, (tuple, list)) else env[a[0]]
            env[n] = run_node(gm, n, env)
            if free:
                for a in n.all_input_nodes:
                    if last.get(a) == i and a.op != "placeholder": env.pop(a, None)
    return f


class BranchyFree(r2.Branchy):
    """The branch rule, freeing each tensor after its last use (the producing stream's event still orders reuse)."""
    def __call__(self, x):
        last = last_uses(self.nodes)
        env, events = {}, {}
        main = torch.cuda.current_stream()
        start = torch.cuda.Event(); start.record(main)
        for s in self.used: self.pool[s].wait_event(start)
        out = None
        for i, n in enumerate(self.nodes):
            if n.op == "placeholder": env[n] = x; continue
            if n.op == "get_attr": env[n] = getattr(self.gm, n.target); continue
            if n.op == "output":
                for a in n.all_input_nodes:
                    if a in events: main.wait_event(events[a])
                a = n.args[0]
                out = env[a] if not isinstance(a, (tuple, list)) else env[a[0]]
                continue
            s = self.pool[self.stream_of[n]]
            for a in n.all_input_nodes:
                if a in events and self.stream_of.get(a) != self.stream_of[n]: s.wait_event(events[a])
            with torch.cuda.stream(s):
                env[n] = run_node(self.gm, n, env)
            ev = torch.cuda.Event(); ev.record(s); events[n] = ev
            for a in n.all_input_nodes:
                if last.get(a) == i and a.op != "placeholder":
                    t = env.pop(a, None)
                    if isinstance(t, torch.Tensor): t.record_stream(s)
        for s in self.used: main.wait_stream(self.pool[s])
        return out


def main():
    open(OUTFILE, "w").close()
    for name in ("mobilenet_v2", "efficientnet_b0", "densenet121", "googlenet"):
        torch.manual_seed(0)
        model = r2.build(name).to(r2.dev).eval()
        gm = torch.fx.symbolic_trace(model)
        for batch in (1, 8):
            x = r2.rand(batch, 3, 224, 224)
            variants = {"module": lambda: gm(x), "node_by_node_keep": lambda f=node_by_node(gm, False): f(x),
                        "node_by_node_free": lambda f=node_by_node(gm, True): f(x),
                        "branch_rule_keep": lambda b=r2.Branchy(gm): b(x), "branch_rule_free": lambda b=BranchyFree(gm): b(x)}
            with torch.no_grad():
                for v, fn in variants.items():
                    try:
                        g, pool = capture(fn)
                        emit({"model": name, "batch": batch, "variant": v, "graph_ms": timed(g.replay, reps=30, warm=5),
                              "pool_mb": round(pool / 2 ** 20, 1)})
                        del g
                    except Exception as e:
                        emit({"model": name, "batch": batch, "variant": v, "error": (type(e).__name__ + ": " + str(e))[:160]})
                    torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
