#!/usr/bin/env python3
"""The dependency graph CUDA itself builds from a captured training step: every node and every edge.

Runs on a CUDA machine with PyTorch:  python3 measure_step_dag.py GRAPH_DIR OUT_DIR [NAME:BATCH,...]

Why: convtop overstates the branch rule's gain in NASNet's backward at batch 1 (1.88x simulated, 1.55x measured,
round 14), while RandWire's and GoogLeNet's come within 0.05. Kernel counts and per-class kernel times match, so the
question is the graph: which kernels may run at once. A CUDA Graph captured from streams holds exactly the
dependencies the capture made (each stream's order, every event waited on), whatever autograd did to make them, so
its dump is the ground truth the simulator's own schedule can be compared with, edge by edge.

Each NAME:BATCH (default nasnet:1,randwire:1,googlenet:1) is built and captured as measure_zoo_training.py does (one
step: zero_grad, forward, cross-entropy, backward, SGD with momentum 0.9, foreach; serial and with the branch rule on
8 streams, backward on each forward op's stream), with the graph's debug mode on, and written with
cudaGraphDebugDotPrint (CUDAGraph.debug_dump) to OUT_DIR/NAME_bBATCH_VARIANT.dot.gz. Each replay is also timed with
CUDA events from an idle GPU (medians of 20, two passes) in this process, which never profiles, and written to
OUT_DIR/step_dag.jsonl, so that the dumps can be tied to round 14's timings of the same steps.
Output: Assets/calibration/round26/ (H200, PyTorch 2.11, CUDA 13.0), three runs from Assets/calibration:
  python3 measure_step_dag.py round13/zoo_graphs OUT                    (step_dag.jsonl: the first three steps)
  python3 measure_step_dag.py round13/zoo_graphs OUT nasnet_c2:1,nasnet_f32:1,randwire_seed7:1,randwire_seed11:1,\
      pathnet:1,inception_v3:1,squeezenet1_0:1,nasnet:4,randwire_seed7:4  (renamed step_dag_heldout.jsonl)
  python3 measure_step_dag.py round13/zoo_graphs OUT densenet121:1,densenet121:8,mobilenet_v2:1,mobilenet_v2:8,\
      resnet50:1,resnet50:8,googlenet:8,squeezenet1_0:8                 (renamed step_dag_torchvision.jsonl)
`convtop validate` compares every dump with convtop's graph ("The graph CUDA captured from a training step").
"""
import gzip
import json
import os
import shutil
import sys
import tempfile

GRAPHS, OUT_DIR = sys.argv[1], sys.argv[2]
CASES = [(c.split(":")[0], int(c.split(":")[1])) for c in
         (sys.argv[3] if len(sys.argv) > 3 else "nasnet:1,randwire:1,googlenet:1").split(",")]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.argv = [sys.argv[0], GRAPHS, os.devnull]  # measure_zoo_training reads GRAPH_DIR and OUT from argv on import
import torch  # noqa: E402
import torch.fx  # noqa: E402
import measure_zoo_training as mz  # noqa: E402
from cuda_timing import timed  # noqa: E402


def capture_debug(fn, warm=3):
    """cuda_timing.capture with the graph's debug mode on, so that its dependency graph can be dumped."""
    s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(warm): fn()
    torch.cuda.current_stream().wait_stream(s); torch.cuda.synchronize()
    try:
        g = torch.cuda.CUDAGraph(keep_graph=True)  # PyTorch 2.8+: the captured graph stays, to be dumped
    except TypeError:
        g = torch.cuda.CUDAGraph()
    g.enable_debug_mode()
    with torch.cuda.graph(g):
        fn()
    return g


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    log = open(os.path.join(OUT_DIR, "step_dag.jsonl"), "w")
    tmp = tempfile.mkdtemp()
    for name, b in CASES:
        with gzip.open(os.path.join(GRAPHS, name + ".json.gz"), "rt") as fh: g = json.load(fh)
        g["inputs"][0]["shape"][0] = b
        rec = {"model": name, "batch": b, "mode": "training", "optimizer": "sgd-momentum-foreach"}
        for variant in ("serial", "branch"):
            torch.manual_seed(0)
            net = mz.mc.GraphNet(g).to(mz.mc.dev).train()
            gm = torch.fx.symbolic_trace(mz.Traceable(net))
            x = torch.randn(*g["inputs"][0]["shape"], device=mz.mc.dev)
            classes = net.shape[net.order[-1]["name"]][-1]
            y = torch.randint(0, classes, (b,), device=mz.mc.dev)
            opt = torch.optim.SGD(gm.parameters(), lr=0.01, momentum=0.9, foreach=True)
            fwd = gm if variant == "serial" else mz.Branchy(gm, streams=mz.STREAMS)
            lossf = torch.nn.CrossEntropyLoss()

            def step():
                opt.zero_grad(set_to_none=True)
                lossf(fwd(x), y).backward()
                opt.step()
            graph = capture_debug(step)
            dot = os.path.join(tmp, f"{name}_b{b}_{variant}.dot")
            graph.debug_dump(dot)
            rec[f"{variant}_graph_ms"] = [timed(graph.replay, reps=20) for _ in range(2)]
            with open(dot, "rb") as src, gzip.open(os.path.join(OUT_DIR, f"{name}_b{b}_{variant}.dot.gz"), "wb") as dst:
                shutil.copyfileobj(src, dst)
            rec[f"{variant}_dot_bytes"] = os.path.getsize(dot)
            os.remove(dot)
            del graph, opt, gm, net
            torch.cuda.empty_cache()
        rec["speedup"] = [s / t for s, t in zip(rec["serial_graph_ms"], rec["branch_graph_ms"])]
        log.write(json.dumps(rec) + "\n"); log.flush()
        print(rec, flush=True)
    env = {"torch": torch.__version__, "cuda": torch.version.cuda, "device": torch.cuda.get_device_name(0)}
    with open(os.path.join(OUT_DIR, "env.json"), "w") as f: json.dump(env, f)


if __name__ == "__main__":
    main()
