"""Exports networks people run to ONNX with both PyTorch exporters, and measures them on the GPU.

Run on a machine with an NVIDIA GPU, PyTorch, torchvision, onnx and onnxscript (the dynamo exporter needs the last):
    python3 Assets/onnx/export_and_measure.py OUTDIR [SECONDS]
Exports run on CPU worker processes while the main process measures on the GPU. Writes, as it goes:
  onnx/NAME__VARIANT.onnx  the exported graphs; variants:
      ts17      torch.onnx.export(..., export_params=False, dynamo=False, opset_version=17), batch 1
      ts13dyn   the TorchScript exporter at opset 13 with a symbolic batch ("batch") and no weights
      dyn       the dynamo exporter (its default opset), external data (the .data file is not kept), optimize=True
      dynnoopt  the dynamo exporter with optimize=False (no constant folding)
      dyndyn    the dynamo exporter with a symbolic batch dimension
      tsw       the TorchScript exporter with weights (small networks only)
  exports.jsonl   one line per export: network, variant, ok/error, seconds, bytes, opset, op types
  networks.jsonl  per network: parameters, MACs counted by torch.utils.flop_counter (FLOPs/2 of conv, mm, bmm,
                  attention), serial CUDA Graph replay time and kernel count at batch 1 and 32 (inference), and
                  branch-rule CUDA Graph time where torch.fx can trace the network
  inference.jsonl / training.jsonl  classifiers through measure_round2.py's infer_case (batch 1 and 32) and
                  train_case (batch 32, TRAINED): serial and branch-rule CUDA Graph replay, op-labelled kernels
  kernels.jsonl.gz every profiled kernel (eager, batch 1 and 32): case, name, grid, block, registers, shared memory, duration
Precision: fp32 tensors, TF32 convolutions (PyTorch's default), cudnn.benchmark off, as in measure_round2.py.
"""
import gzip, json, os, statistics, sys, time, traceback
import multiprocessing as mp

OUT = sys.argv[1] if len(sys.argv) > 1 else "out"
BUDGET = float(sys.argv[2]) if len(sys.argv) > 2 else 500.0
T0 = time.time()

CLASSIFIERS = ["alexnet", "vgg11_bn", "resnet18", "resnet50", "resnext50_32x4d", "wide_resnet50_2", "squeezenet1_1",
               "densenet121", "googlenet", "inception_v3", "mobilenet_v2", "shufflenet_v2_x1_0", "efficientnet_b0",
               "efficientnet_v2_s", "mobilenet_v3_large", "mobilenet_v3_small", "regnet_y_400mf", "regnet_x_400mf",
               "mnasnet1_0", "convnext_tiny", "vit_b_16", "swin_t", "swin_v2_t", "maxvit_t"]
SEGMENTERS = ["fcn_resnet50", "deeplabv3_resnet50", "unet", "unet_tiny"]
NETWORKS = CLASSIFIERS + SEGMENTERS
FULL_VARIANTS = ["resnet50", "efficientnet_b0", "convnext_tiny", "vit_b_16", "shufflenet_v2_x1_0", "mobilenet_v3_large",
                 "regnet_y_400mf", "unet"]
WEIGHTED = ["squeezenet1_1", "unet_tiny"]
# Classifiers outside convtop's zoo, measured in training too (a step: forward, cross-entropy, backward, SGD foreach).
TRAINED = ["efficientnet_b0", "mobilenet_v3_large", "shufflenet_v2_x1_0", "regnet_y_400mf", "mnasnet1_0", "convnext_tiny",
           "resnext50_32x4d", "vit_b_16", "squeezenet1_1", "resnet18"]


def size_of(name):
    return {"inception_v3": 299, "fcn_resnet50": 512, "deeplabv3_resnet50": 512, "unet": 256, "unet_tiny": 64}.get(name, 224)


def build(name):
    import torch, torchvision
    if name == "googlenet":
        return torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False)
    if name == "inception_v3":
        return torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False)
    if name in ("fcn_resnet50", "deeplabv3_resnet50"):
        return segmenter(name, aux_loss=False)
    if name == "unet":
        return unet()
    if name == "unet_tiny":
        return unet(base=4, depth=2)
    return getattr(torchvision.models, name)(weights=None)


def segmenter(name, **kwargs):
    """A torchvision segmentation network without weights, its output dict reduced to its "out" map."""
    import torch, torchvision
    seg = getattr(torchvision.models.segmentation, name)(weights=None, weights_backbone=None, **kwargs)

    class Out(torch.nn.Module):
        def __init__(self, m):
            super().__init__(); self.m = m

        def forward(self, x):
            return self.m(x)["out"]
    return Out(seg)


def unet(base=16, depth=4, classes=2):
    """The U-Net of Ronneberger et al. (2015) with padded 3×3 convolutions, batch norm, max pooling down and
    transposed-convolution up-sampling, at a small width so that the exported weights stay small."""
    import torch
    nn = torch.nn

    def block(i, o):
        return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True),
                             nn.Conv2d(o, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True))

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            ch = [base * 2 ** i for i in range(depth + 1)]
            self.down = nn.ModuleList([block(3, ch[0])] + [block(ch[i], ch[i + 1]) for i in range(depth)])
            self.pool = nn.MaxPool2d(2)
            self.up = nn.ModuleList([nn.ConvTranspose2d(ch[i + 1], ch[i], 2, stride=2) for i in reversed(range(depth))])
            self.dec = nn.ModuleList([block(ch[i] * 2, ch[i]) for i in reversed(range(depth))])
            self.head = nn.Conv2d(ch[0], classes, 1)

        def forward(self, x):
            skips = []
            for i, d in enumerate(self.down):
                x = d(x if i == 0 else self.pool(x))
                skips.append(x)
            skips.pop()
            for u, d in zip(self.up, self.dec):
                x = d(torch.cat([skips.pop(), u(x)], dim=1))
            return self.head(x)
    return UNet()


# ---------------------------------------------------------------- exports (CPU worker processes)
def export_one(job):
    name, variant, path = job
    t = time.time()
    rec = {"network": name, "variant": variant, "file": os.path.basename(path)}
    try:
        import torch
        torch.set_num_threads(1)
        torch.manual_seed(0)
        model = build(name).eval()
        x = torch.randn(1, 3, size_of(name), size_of(name))
        if variant.startswith("ts"):
            kw = dict(export_params=(variant == "tsw"), dynamo=False, input_names=["input"], output_names=["output"])
            if variant == "ts13dyn":
                kw.update(opset_version=13, dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
            else:
                kw.update(opset_version=17)
            torch.onnx.export(model, (x,), path, **kw)
        else:
            kw = dict(dynamo=True, external_data=True, optimize=(variant != "dynnoopt"))
            if variant == "dyndyn":
                kw["dynamic_shapes"] = ({0: torch.export.Dim("batch", min=1, max=1024)},)
            torch.onnx.export(model, (x,), path, **kw)
            if os.path.exists(path + ".data"):
                rec["data_bytes"] = os.path.getsize(path + ".data")
                os.remove(path + ".data")
        import onnx
        m = onnx.load(path, load_external_data=False)
        rec.update(ok=True, bytes=os.path.getsize(path), opset=[(o.domain, o.version) for o in m.opset_import],
                   ops=sorted(set(n.op_type for n in m.graph.node)), nodes=len(m.graph.node),
                   functions=len(m.functions))
    except Exception as e:
        rec.update(ok=False, error=(type(e).__name__ + ": " + str(e))[:400])
        for p in (path, path + ".data"):
            if os.path.exists(p): os.remove(p)
    rec["seconds"] = round(time.time() - t, 2)
    with open(f"{OUT}/exports.jsonl", "a") as f:  # one short line per append: whole lines even from many workers
        f.write(json.dumps(rec) + "\n")
    return rec


def export_jobs():
    jobs = []
    for n in NETWORKS:
        vs = ["ts17", "ts13dyn", "dyn"]
        if n in FULL_VARIANTS: vs += ["dynnoopt", "dyndyn"]
        if n in WEIGHTED: vs += ["tsw"]
        jobs += [(n, v, f"{OUT}/onnx/{n}__{v}.onnx") for v in vs]
    # Slow exports first so the pool's tail is short.
    slow = {"maxvit_t": 0, "swin_v2_t": 1, "swin_t": 2, "vit_b_16": 3, "efficientnet_v2_s": 4, "convnext_tiny": 5}
    jobs.sort(key=lambda j: (slow.get(j[0], 9), j[1] != "dyn"))
    return jobs


# ---------------------------------------------------------------- GPU measurements (main process)
def gpu_phase(deadline):
    import torch
    import torch.fx
    from torch.utils.flop_counter import FlopCounterMode
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda")
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "calibration"))
    import measure_round2 as m2  # its OUT is this run's OUT (both read sys.argv[1])
    timed, graph_of = m2.timed, m2.graph_of

    def kernels(fn, case):
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as p:
            fn(); torch.cuda.synchronize()
        tmp = f"{OUT}/.tmp_trace.json"
        p.export_chrome_trace(tmp)
        ev = json.load(open(tmp))["traceEvents"]
        os.remove(tmp)
        ks = sorted((e for e in ev if e.get("cat") in ("kernel", "gpu_memset", "gpu_memcpy")), key=lambda e: e["ts"])
        rows = [{"case": case, "cat": k.get("cat"), "name": k.get("name", "")[:140], "grid": k.get("args", {}).get("grid", [0, 0, 0]),
                 "block": k.get("args", {}).get("block", [0, 0, 0]), "regs": k.get("args", {}).get("registers per thread", 0),
                 "smem": k.get("args", {}).get("shared memory", 0), "dur": k.get("dur", 0)} for k in ks]
        with gzip.open(f"{OUT}/kernels.jsonl.gz", "at") as f:
            for r in rows: f.write(json.dumps(r) + "\n")
        return rows

    for name in NETWORKS:
        if time.time() > deadline: print("gpu: budget reached", flush=True); break
        if name in CLASSIFIERS:
            # Serial and branch-rule CUDA Graph replay with op-labelled kernels, exactly as the zoo was measured.
            for batch in (1, 32):
                try: m2.emit("inference.jsonl", m2.infer_case(name, batch))
                except Exception as e: print("infer_case", name, batch, type(e).__name__, str(e)[:200], flush=True)
        rec = {"network": name, "input": [3, size_of(name), size_of(name)]}
        try:
            torch.manual_seed(0)
            model = build(name).to(dev).eval()
            rec["params"] = sum(p.numel() for p in model.parameters())
            with torch.no_grad():
                x1 = torch.randn(1, 3, size_of(name), size_of(name)).to(dev)
                fc = FlopCounterMode(display=False)
                with fc: model(x1)
                rec["macs_flop_counter"] = fc.get_total_flops() // 2
                for batch in (1, 32):
                    x = torch.randn(batch, 3, size_of(name), size_of(name)).to(dev)
                    try:
                        rec[f"serial_graph_ms_b{batch}"] = timed(graph_of(lambda: model(x)).replay, reps=30)
                    except Exception as e:
                        rec[f"graph_error_b{batch}"] = str(e)[:200]
                    rec[f"serial_eager_ms_b{batch}"] = timed(lambda: model(x), reps=10)
                    rows = kernels(lambda: model(x), f"inf_{name}_b{batch}")
                    rec[f"kernels_b{batch}"] = len(rows)
                    rec[f"kernel_sum_us_b{batch}"] = round(sum(r["dur"] for r in rows), 3)
        except Exception as e:
            rec["error"] = (type(e).__name__ + ": " + str(e))[:300]
            traceback.print_exc()
        with open(f"{OUT}/networks.jsonl", "a") as f:
            f.write(json.dumps(rec) + "\n")
        print("gpu", json.dumps(rec)[:300], flush=True)
        torch.cuda.empty_cache()
    for name in TRAINED:
        if time.time() > deadline: print("training: budget reached", flush=True); break
        try: m2.emit("training.jsonl", m2.train_case(name, 32))
        except Exception as e: print("train_case", name, type(e).__name__, str(e)[:200], flush=True)
        torch.cuda.empty_cache()


if __name__ == "__main__":
    os.makedirs(f"{OUT}/onnx", exist_ok=True)
    mp.set_start_method("spawn")
    workers = max(2, min(14, (os.cpu_count() or 4) - 2))
    jobs = export_jobs()
    with mp.Pool(workers) as pool:
        pending = pool.imap_unordered(export_one, jobs)
        has_gpu = False
        try:
            import torch
            has_gpu = torch.cuda.is_available()
        except Exception:
            pass
        if has_gpu:
            gpu_phase(T0 + BUDGET * 0.8)
        for rec in pending:
            print("export", json.dumps(rec)[:240], flush=True)
            if time.time() - T0 > BUDGET:
                print("exports: budget reached", flush=True); pool.terminate(); break
    env = {"wall_s": round(time.time() - T0, 1)}
    try:
        import torch, torchvision, onnx
        env.update(torch=torch.__version__, torchvision=torchvision.__version__, onnx=onnx.__version__)
        if torch.cuda.is_available(): env["gpu"] = torch.cuda.get_device_name(0)
    except Exception:
        pass
    json.dump(env, open(f"{OUT}/env.json", "w"))
    print("done", env, flush=True)
