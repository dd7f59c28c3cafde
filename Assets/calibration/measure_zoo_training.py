#!/usr/bin/env python3
"""Training steps of convtop's branchy zoo graphs, serial and with the branch rule: a held-out check of the training
streams (autograd runs each backward op on its forward op's stream).

Runs on a CUDA machine with PyTorch:  python3 measure_zoo_training.py GRAPH_DIR OUT.jsonl [BATCHES] [PROFILE]

Why: the training sets so far (rounds 2 and 7, the ONNX corpus) are torchvision networks, whose branch-rule training
steps gain 0-16%. convtop's zoo holds the branchy networks the mission is about (NASNet, RandWire, PathNet), whose
training steps nobody measured. Each graph file in GRAPH_DIR (gunzipped from Assets/calibration/round13/zoo_graphs/,
convtop's own graphs) is built as a PyTorch module (measure_catalog.py's GraphNet, in training mode: batch norm with
batch statistics), traced by torch.fx, and one step (zero_grad, forward, cross-entropy, backward, SGD with momentum
0.9, foreach) is captured as a CUDA Graph, serially and with Opara's branch rule on 8 streams (measure_round2.Branchy;
backward follows its forward op's stream, as autograd does). Each replay is timed with CUDA events from an idle GPU
(medians of 20), in a process that never profiled, two passes. convtop simulates `convtop simulate NAME --mode
training --batch B --policy serial|branch --process clean`.
Each step's forward pass alone (training mode, autograd recording, the loss included, no backward) is captured and
timed the same way ("*_forward_ms"), so that the backward and the update are the difference.
PROFILE (e.g. nasnet:1,randwire:1) names steps to profile once every timing is done (the profiler slows a process's
front end from then on): every GPU activity of one replay, serial and branch, with its stream, start and duration,
written to OUT with .kernels.jsonl.gz for .jsonl.
Output: Assets/calibration/round14/zoo_training.jsonl (batches 1,4,8,16) and zoo_training.kernels.jsonl.gz
(batch 1, PROFILE nasnet:1,randwire:1,googlenet:1, an earlier run of the same steps) (H200, PyTorch 2.11, CUDA 13.0).
Two causes tried and ruled out, batches 1,8: zoo_training_connections32.jsonl with CUDA_DEVICE_MAX_CONNECTIONS=32 in
the environment (32 hardware queues, before the forward timings were added), zoo_training_keep_grads.jsonl with
KEEP_GRADS=1 (a hook holds every node's gradient, so no gradient's memory is reused on another stream in the capture).
ZOO_STREAMS sets the branch rule's stream pool (8): zoo_training_streams16.jsonl and zoo_training_streams64.jsonl hold
NASNet and RandWire at batch 1 and 8 with 16 and 64 streams, where convtop predicts no change (the first branch shares
the fan-out's stream, and its gradient sums, whatever the pool).
ZOO_NETWORKS names other graph files: zoo_training_variants.jsonl holds the six variants of round 13 (RandWire seeds 7
and 11, NASNet with 2 cells or 32 filters, PathNet seed 3 and L=3 M=8 N=2) at batch 1, 4 and 16, measured after
convtop took autograd's order from the first set: a held-out check of it.
"""
import gzip
import json
import os
import sys
import tempfile

GRAPHS, OUT = sys.argv[1], sys.argv[2]
BATCHES = [int(b) for b in (sys.argv[3] if len(sys.argv) > 3 else "4,16").split(",")]
PROFILE = {tuple(c.split(":")) for c in (sys.argv[4] if len(sys.argv) > 4 else "").split(",") if c}
sys.argv = [sys.argv[0], os.devnull, tempfile.mkdtemp()]  # measure_catalog parses argv on import
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "catalog"))
sys.path.insert(0, HERE)
import torch  # noqa: E402
import torch.fx  # noqa: E402
import measure_catalog as mc  # noqa: E402
sys.argv = sys.argv[:1]  # measure_round2 reads its own defaults from argv on import
from cuda_timing import capture, timed  # noqa: E402
from measure_round2 import Branchy  # noqa: E402
from measure_graph_gaps import activities  # noqa: E402

STREAMS = int(os.environ.get("ZOO_STREAMS", "8"))
NETWORKS = os.environ.get("ZOO_NETWORKS", "nasnet,randwire,pathnet,googlenet,squeezenet1_0,inception_v3").split(",")


KEEP_GRADS = os.environ.get("KEEP_GRADS") == "1"
KEPT_GRADS = []


def keep(t):
    """With KEEP_GRADS=1, a hook that holds the gradient of every node's output until the next step: no gradient's
    memory is freed, so none is reused on another stream inside the captured step."""
    if KEEP_GRADS and t.requires_grad:
        t.register_hook(lambda g: KEPT_GRADS.append(g))
    return t


torch.fx.wrap("keep")  # a leaf of the traced graph: it runs (and hooks the real tensor) at every call


class Traceable(torch.nn.Module):
    """A GraphNet's nodes in file order as a forward pass torch.fx can trace."""
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        env = {self.net.g["inputs"][0]["name"]: x}
        for n in self.net.order:
            env[n["name"]] = keep(self.net.run_node(n, env))
        return env[self.net.order[-1]["name"]]


def step_graph(fwd, x, y, opt, lossf):
    """One training step captured as a CUDA Graph after warm-up steps on a side stream (cuda_timing.capture). Setting
    the gradients to None launches nothing, so the captured step holds what measure_round2.train_case captures."""
    def step():
        KEPT_GRADS.clear()
        opt.zero_grad(set_to_none=True)
        lossf(fwd(x), y).backward()
        opt.step()
    return capture(step, warm=3)


def forward_graph(fwd, x, y, lossf):
    """The forward pass and the loss alone, autograd recording, captured after warm-up on a side stream."""
    return capture(lambda: lossf(fwd(x), y), warm=3)


def main():
    out = open(OUT, "w")
    kept = []  # (name, batch, variant, graph, the objects its tensors live in), profiled at the end
    for name in NETWORKS:
        with gzip.open(os.path.join(GRAPHS, name + ".json.gz"), "rt") as fh: g = json.load(fh)
        for b in BATCHES:
            rec = {"model": name, "batch": b, "mode": "training", "optimizer": "sgd-momentum-foreach"}
            try:
                g["inputs"][0]["shape"][0] = b
                for variant in ("serial", "branch"):
                    torch.manual_seed(0)
                    net = mc.GraphNet(g).to(mc.dev).train()
                    gm = torch.fx.symbolic_trace(Traceable(net))
                    x = torch.randn(*g["inputs"][0]["shape"], device=mc.dev)
                    classes = net.shape[net.order[-1]["name"]][-1]
                    y = torch.randint(0, classes, (b,), device=mc.dev)
                    opt = torch.optim.SGD(gm.parameters(), lr=0.01, momentum=0.9, foreach=True)
                    fwd = gm if variant == "serial" else Branchy(gm, streams=STREAMS)
                    if variant == "branch": rec["streams_used"] = len(fwd.used)
                    graph = step_graph(fwd, x, y, opt, torch.nn.CrossEntropyLoss())
                    rec[f"{variant}_graph_ms"] = [timed(graph.replay, reps=20) for _ in range(2)]
                    fg = forward_graph(fwd, x, y, torch.nn.CrossEntropyLoss())
                    rec[f"{variant}_forward_ms"] = [timed(fg.replay, reps=20) for _ in range(2)]
                    del fg
                    if (name, str(b)) in PROFILE: kept.append((name, b, variant, graph, (opt, gm, net, x, y, fwd)))
                    del graph, opt, gm, net
                    torch.cuda.empty_cache()
                rec["speedup"] = [s / t for s, t in zip(rec["serial_graph_ms"], rec["branch_graph_ms"])]
            except Exception as ex:  # a network PyTorch cannot capture here: skip it, say so
                rec["error"] = f"{type(ex).__name__}: {str(ex).splitlines()[0][:160]}"
            out.write(json.dumps(rec) + "\n"); out.flush()
            print(rec, flush=True)
    out.close()
    if kept:
        with gzip.open(OUT.replace(".jsonl", "") + ".kernels.jsonl.gz", "wt") as f:
            for name, b, variant, graph, _ in kept:
                for a in activities(graph):
                    args = a.get("args", {})
                    f.write(json.dumps({"model": name, "batch": b, "variant": variant, "name": a.get("name", "")[:120],
                                        "cat": a.get("cat"), "grid": args.get("grid"), "stream": args.get("stream"),
                                        "ts": a["ts"], "dur": a["dur"]}) + "\n")


if __name__ == "__main__":
    main()
