"""The ONNX corpus's networks at batch sizes nobody measured before: 4, 16 and 64 (the corpus has 1 and 32).

Run on a machine with an NVIDIA GPU, PyTorch and torchvision:
    python3 Assets/onnx/measure_batches.py OUTDIR [SECONDS]
Stops starting new cases after SECONDS (default 420) and writes, as it goes (a killed run keeps what it wrote):
  batches.jsonl    one line per network and batch: serial CUDA Graph replay (CUDA events from an idle GPU, median of
                   30, in a process that has run PyTorch's profiler, as export_and_measure.py measured the corpus),
                   the branch rule's replay where torch.fx can trace the network (measure_round2.py's Branchy), the
                   eager pass's kernel count and kernel sum; training steps (forward, cross-entropy, backward, SGD
                   momentum foreach; measure_round2.py's train_case) of five networks at batch 8 and 64
  kernels.jsonl.gz every profiled kernel of every case (eager), for diagnosis
Order: every network at batch 16, then 4, then 64, then the training steps, so that a short budget still gives one
new batch size across the corpus. Precision: fp32 tensors, TF32 convolutions, cudnn.benchmark off.
`convtop validate` simulates each case from the network's opset-17 export (Assets/onnx/exported/NAME__ts17.onnx.gz,
re-batched) and prints the "New batch sizes" table; nothing is fitted on these measurements.
"""
import json, os, sys, time, traceback

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "calibration"))
sys.path.insert(0, HERE)
import export_and_measure as em  # noqa: E402  (its OUT and budget read the same arguments; its main does not run)
import measure_round2 as m2  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else "out"
BUDGET = float(sys.argv[2]) if len(sys.argv) > 2 else 420.0
T0 = time.time()
INFER_BATCHES = (16, 4, 64)
TRAIN = ["resnet18", "mobilenet_v3_large", "efficientnet_b0", "shufflenet_v2_x1_0", "regnet_y_400mf"]
TRAIN_BATCHES = (8, 64)


def inference(name, batch):
    rec = {"model": name, "batch": batch, "mode": "inference", "input": [3, em.size_of(name), em.size_of(name)]}
    torch.manual_seed(0)
    model = em.build(name).to(m2.dev).eval()
    x = m2.rand(batch, 3, em.size_of(name), em.size_of(name))
    with torch.no_grad():
        rec["serial_graph_ms"] = m2.timed(m2.graph_of(lambda: model(x)).replay, reps=30)
        if name in em.CLASSIFIERS:
            try:
                br = m2.Branchy(torch.fx.symbolic_trace(model))
                rec["streams_used"] = len(br.used)
                rec["branch_graph_ms"] = m2.timed(m2.graph_of(lambda: br(x)).replay, reps=30)
            except Exception as e:
                rec["branch_error"] = (type(e).__name__ + ": " + str(e))[:200]
        rows = m2.profile_kernels(lambda: model(x), f"inf_{name}_b{batch}")
    rec["kernels"] = len(rows)
    rec["kernel_sum_us"] = round(sum(r["dur"] for r in rows), 3)
    return rec


def main():
    os.makedirs(OUT, exist_ok=True)
    plan = [("inference", n, b) for b in INFER_BATCHES for n in em.NETWORKS] + \
           [("training", n, b) for b in TRAIN_BATCHES for n in TRAIN]
    for mode, name, batch in plan:
        if time.time() - T0 > BUDGET:
            print("budget reached before", mode, name, batch, flush=True)
            break
        try:
            rec = inference(name, batch) if mode == "inference" else m2.train_case(name, batch)
            m2.emit("batches.jsonl", rec)
        except Exception as e:
            traceback.print_exc()
            m2.emit("batches.jsonl", {"model": name, "batch": batch, "mode": mode, "error": (type(e).__name__ + ": " + str(e))[:300]})
        torch.cuda.empty_cache()
    env = {"wall_s": round(time.time() - T0, 1), "torch": torch.__version__, "cuda": torch.version.cuda,
           "cudnn": torch.backends.cudnn.version(), "gpu": torch.cuda.get_device_name(0)}
    json.dump(env, open(os.path.join(OUT, "batches_env.json"), "w"))
    print("done", env, flush=True)


if __name__ == "__main__":
    main()
