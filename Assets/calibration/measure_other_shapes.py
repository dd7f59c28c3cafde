#!/usr/bin/env python3
"""Round 7: networks at input sizes and batch sizes nothing in convtop was fitted or catalogued on, both exporters.

Run on a machine with an NVIDIA GPU, PyTorch, torchvision, onnx and onnxscript:
    python3 Assets/calibration/measure_other_shapes.py OUTDIR [SECONDS]
Everything convtop was calibrated on ran at 224x224 (299 for Inception-v3) and batch 1-256 in powers of two. Here
torchvision networks run at other input sizes (160-448) and at batch sizes such as 2, 4, 12 and 48, several of them
networks that are in no earlier set (DenseNet-169, EfficientNet-B1/B3, RegNet-Y-800MF, VGG-13-BN, ShuffleNet-v2 2.0,
MNASNet 0.5, ViT-B/32). Writes, as it goes (a killed run keeps what it wrote):
  exported/NAME_SIZE__ts17.onnx.gz  TorchScript exporter, opset 17, batch 1, no weights
  exported/NAME_SIZE__dyn.onnx.gz   the dynamo exporter (optimize=True; external weights dropped), where it exports
                  (the shipped files are a second, export-only run of export_one: the device returned too few files of
                  the first; the same export_one on the same machine and versions)
  exports.jsonl   one line per export (ok or the error)
  runs.jsonl      per case: network, input size, batch, mode, serial CUDA Graph replay ms, branch-rule (8 streams,
                  Opara's rule, as measure_round2.py) replay ms where torch.fx traces the network, kernel count
  kernels.jsonl.gz every profiled kernel of the serial forward or training step (measure_round2.py's rows)
  frontend.jsonl  measure_frontend.py on this lease (the front end differs between leases; see the README)
  conv_ops.tsv.gz conv forward / data / weight gradient of layers at shapes none of the shipped catalog holds, in the
                  catalog's format (measure_catalog.py; manifest from heldout_conv_manifest()), checked by
                  `convtop validate` against what a user's network would get for them (catalog neighbours or model)
  env.json        driver, clocks, versions, wall time
Precision: fp32 tensors, TF32 convolutions, cudnn.benchmark off (PyTorch's defaults), as in every earlier round.
"""
import gzip, json, os, random, shutil, subprocess, sys, time, traceback
import multiprocessing as mp

OUT = sys.argv[1] if len(sys.argv) > 1 else "out"
BUDGET = float(sys.argv[2]) if len(sys.argv) > 2 else 420.0
T0 = time.time()
HERE = os.path.dirname(os.path.abspath(__file__))

# (torchvision network, input size, inference batches, training batch or None)
CASES = [
    ("resnet50", 320, (4, 16), None),
    ("resnet50", 160, (2, 48), 48),
    ("googlenet", 320, (2, 12), 12),
    ("inception_v3", 384, (4, 12), None),
    ("densenet169", 224, (4, 16), 16),
    ("efficientnet_b3", 300, (2, 16), 8),
    ("efficientnet_b1", 240, (4, 24), None),
    ("mobilenet_v2", 160, (4, 48), 48),
    ("resnet34", 448, (2, 8), None),
    ("regnet_y_800mf", 224, (4, 16), 16),
    ("squeezenet1_0", 320, (4, 16), None),
    ("vgg13_bn", 224, (2, 8), None),
    ("shufflenet_v2_x2_0", 224, (4, 16), None),
    ("mnasnet0_5", 224, (2, 16), None),
    ("vit_b_32", 224, (2, 16), None),
]
DYNAMO = {"resnet50_320", "googlenet_320", "efficientnet_b3_300", "densenet169_224", "regnet_y_800mf_224", "vit_b_32_224",
          "mobilenet_v2_160", "inception_v3_384"}


def build(name):
    import torchvision
    if name == "googlenet":
        return torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False)
    if name == "inception_v3":
        return torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False)
    if name.startswith("vit_"):
        return getattr(torchvision.models, name)(weights=None, image_size=224)
    return getattr(torchvision.models, name)(weights=None)


def export_one(job):
    name, size, variant = job
    import torch
    torch.set_num_threads(1)
    path = f"{OUT}/exported/{name}_{size}__{variant}.onnx"
    rec = {"network": name, "input": size, "variant": variant, "file": os.path.basename(path) + ".gz"}
    t = time.time()
    try:
        torch.manual_seed(0)
        model = build(name).eval()
        x = torch.randn(1, 3, size, size)
        if variant == "ts17":
            torch.onnx.export(model, (x,), path, export_params=False, dynamo=False, opset_version=17,
                              input_names=["input"], output_names=["output"])
        else:
            torch.onnx.export(model, (x,), path, dynamo=True, external_data=True, optimize=True)
            if os.path.exists(path + ".data"): os.remove(path + ".data")
        with open(path, "rb") as a, gzip.open(path + ".gz", "wb") as b: shutil.copyfileobj(a, b)
        os.remove(path)
        rec.update(ok=True, bytes=os.path.getsize(path + ".gz"))
    except Exception as e:
        rec.update(ok=False, error=(type(e).__name__ + ": " + str(e))[:300])
        for p in (path, path + ".data", path + ".gz"):
            if os.path.exists(p): os.remove(p)
    rec["seconds"] = round(time.time() - t, 1)
    with open(f"{OUT}/exports.jsonl", "a") as f: f.write(json.dumps(rec) + "\n")
    return rec


def heldout_conv_manifest(n=120, seed=7):
    """Convolution layers of shapes a user's network might have and the shipped catalog does not: odd channel
    counts, maps and batches, 1x1, 3x3, 5x5 and 7x7, strided, grouped and depthwise; each forward, dgrad, wgrad."""
    r = random.Random(seed)
    chans = [24, 40, 48, 72, 80, 96, 112, 136, 160, 200, 232, 320, 384, 448, 640, 768]
    maps = [10, 12, 15, 17, 20, 24, 30, 35, 40, 60, 75, 80, 120, 150]
    batches = [2, 3, 4, 6, 12, 16, 24, 48]
    out = []
    while len(out) < 3 * n:
        c, cout, hw, b = r.choice(chans), r.choice(chans), r.choice(maps), r.choice(batches)
        k = r.choice([1, 1, 3, 3, 3, 5, 7]); s = r.choice([1, 1, 1, 2]); g = 1
        kind = r.random()
        if kind < 0.15 and k > 1: g = c; cout = c                          # depthwise
        elif kind < 0.25 and k > 1: g = r.choice([d for d in (2, 4, 8) if c % d == 0 and cout % d == 0] or [1])
        if b * c * hw * hw > 40_000_000 or b * cout * hw * hw > 40_000_000: continue
        p = k // 2
        params = {"x": [b, c, hw, hw], "cout": [cout], "k": [k, k], "s": [s, s], "p": [p, p], "d": [1, 1], "g": [g], "bias": [0]}
        ho = (hw + 2 * p - k) // s + 1
        flops = 2 * b * cout * ho * ho * (c // g) * k * k
        nbytes = 4 * (b * c * hw * hw + cout * (c // g) * k * k + b * cout * ho * ho)
        for pas in ("forward", "dgrad", "wgrad"):
            key = f"conv.{pas}|x={b},{c},{hw},{hw}|cout={cout}|k={k},{k}|s={s},{s}|p={p},{p}|d=1,1|g={g}|bias=0"
            out.append({"key": key, "family": "conv", "pass": pas, "params": params, "flops": flops, "bytes": nbytes})
    return out


def large_window_manifest(n=40, seed=9):
    """Dense 7x7 forward convolutions at shapes none of the shipped sets holds (round 9: a held-out check of the
    large-window kernel rule, which was read off round 7's ten 7x7 layers)."""
    r = random.Random(seed)
    chans = [16, 24, 40, 56, 64, 96, 120, 144, 176, 256, 288, 448, 512, 704]
    maps = [8, 11, 14, 18, 22, 28, 36, 44, 56, 72, 96]
    batches = [1, 2, 3, 5, 8, 12, 20, 32]
    out, seen = [], set()
    while len(out) < n:
        c, cout, hw, b, s = r.choice(chans), r.choice(chans), r.choice(maps), r.choice(batches), r.choice([1, 1, 2])
        if b * max(c, cout) * hw * hw > 40_000_000 or c < 48: continue
        key = f"conv.forward|x={b},{c},{hw},{hw}|cout={cout}|k=7,7|s={s},{s}|p=3,3|d=1,1|g=1|bias=0"
        if key in seen: continue
        seen.add(key)
        ho = (hw + 6 - 7) // s + 1
        params = {"x": [b, c, hw, hw], "cout": [cout], "k": [7, 7], "s": [s, s], "p": [3, 3], "d": [1, 1], "g": [1], "bias": [0]}
        out.append({"key": key, "family": "conv", "pass": "forward", "params": params, "flops": 2 * b * cout * ho * ho * c * 49,
                    "bytes": 4 * (b * c * hw * hw + cout * c * 49 + b * cout * ho * ho)})
    return out


def gpu_phase(deadline):
    import torch
    sys.path.insert(0, HERE)
    import measure_round2 as m2  # its OUT is this run's OUT (both read sys.argv[1])
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda")
    m2.build = build
    plan = [(n, s, b, "inference") for n, s, bs, _ in CASES for b in bs] + [(n, s, t, "training") for n, s, _, t in CASES if t]
    for name, size, batch, mode in plan:
        if time.time() > deadline: print("gpu: budget reached", flush=True); break
        m2.size_of = lambda _n, _s=size: _s
        rec = {"network": name, "input": size, "batch": batch, "mode": mode, "onnx": f"{name}_{size}"}
        try:
            r = m2.infer_case(name, batch) if mode == "inference" else m2.train_case(name, batch)
            rec.update({k: r[k] for k in ("serial_graph_ms", "branch_graph_ms", "kernels", "kernel_sum_us", "streams_used") if k in r})
        except Exception as e:
            rec["branch_error"] = (type(e).__name__ + ": " + str(e))[:200]
            if mode == "inference":  # torch.fx cannot trace it: serial replay of the module itself
                try:
                    torch.manual_seed(0)
                    model = build(name).to(dev).eval()
                    x = torch.randn(batch, 3, size, size).to(dev)
                    with torch.no_grad():
                        rec["serial_graph_ms"] = m2.timed(m2.graph_of(lambda: model(x)).replay, reps=30)
                        rows = m2.profile_kernels(lambda: model(x), f"inf_{name}_b{batch}")
                    rec["kernels"] = len(rows); rec["kernel_sum_us"] = sum(r["dur"] for r in rows)
                except Exception as e2:
                    rec["error"] = (type(e2).__name__ + ": " + str(e2))[:200]
        m2.emit("runs.jsonl", rec)
        torch.cuda.empty_cache()


def env_record():
    env = {"wall_s": round(time.time() - T0, 1)}
    try:
        import torch, torchvision
        env.update(torch=torch.__version__, torchvision=torchvision.__version__, cuda=torch.version.cuda,
                   cudnn=torch.backends.cudnn.version(), gpu=torch.cuda.get_device_name(0))
        q = "driver_version,clocks.max.sm,persistence_mode,mig.mode.current"
        s = subprocess.run(["nvidia-smi", f"--query-gpu={q}", "--format=csv,noheader"], capture_output=True, text=True, timeout=20)
        env["nvidia_smi"] = dict(zip(q.split(","), [v.strip() for v in s.stdout.strip().split(",")]))
    except Exception as e:
        env["env_error"] = str(e)[:200]
    return env


def measure_with_exports(gpu_work):
    """Exports every case on CPU worker processes while `gpu_work()` measures on the GPU, then waits for the exports
    (up to the budget) and writes env.json."""
    os.makedirs(f"{OUT}/exported", exist_ok=True)
    mp.set_start_method("spawn")
    jobs = [(n, s, "ts17") for n, s, _, _ in CASES] + [(n, s, "dyn") for n, s, _, _ in CASES if f"{n}_{s}" in DYNAMO]
    workers = max(2, min(8, (os.cpu_count() or 4) // 2))
    with mp.Pool(workers) as pool:
        pending = pool.imap_unordered(export_one, jobs)
        gpu_work()
        for rec in pending:
            print("export", json.dumps(rec)[:200], flush=True)
            if time.time() - T0 > BUDGET: print("exports: budget reached", flush=True); pool.terminate(); break
    json.dump(env_record(), open(f"{OUT}/env.json", "w"))
    print("done", flush=True)


def gpu_work():
    """The front end first, on a quiet GPU (the exports run on the CPU only), then the held-out conv layers, then the
    networks."""
    subprocess.run([sys.executable, os.path.join(HERE, "measure_frontend.py"), f"{OUT}/frontend.jsonl"], timeout=120)
    manifest = f"{OUT}/.conv_manifest.jsonl"
    with open(manifest, "w") as f:
        for e in heldout_conv_manifest(): f.write(json.dumps(e) + "\n")
    subprocess.run([sys.executable, os.path.join(HERE, "..", "catalog", "measure_catalog.py"), manifest, f"{OUT}/.conv",
                    "--budget", "75", "--gpu-name", "h200"], timeout=240)
    if os.path.exists(f"{OUT}/.conv/catalog.tsv.gz"): shutil.move(f"{OUT}/.conv/catalog.tsv.gz", f"{OUT}/conv_ops.tsv.gz")
    for p in (manifest, f"{OUT}/.conv"):
        if os.path.isdir(p): shutil.rmtree(p)
        elif os.path.exists(p): os.remove(p)
    gpu_phase(T0 + BUDGET * 0.85)


if __name__ == "__main__":
    measure_with_exports(gpu_work)
