"""Measures real kernels and real multi-stream runs for convtop's calibration.

Run on a machine with an NVIDIA GPU and PyTorch + torchvision:
    python3 Assets/calibration/measure.py OUTDIR
Writes, per case, a kernel list (one row per GPU kernel of one forward pass, attributed to the torch.fx node that
launched it, the format of convtop's calibration CSVs) and a summary JSON with serial eager, serial CUDA Graph,
multi-stream (Opara's branch rule) eager and CUDA Graph iteration times, plus two-convolution overlap tests.
"""
import csv, gzip, json, os, sys, time, traceback
import torch, torchvision
import torch.fx
import cuda_timing

OUT = sys.argv[1] if len(sys.argv) > 1 else "out"
os.makedirs(OUT, exist_ok=True)
torch.backends.cudnn.benchmark = False
torch.backends.cudnn.allow_tf32 = True
torch.backends.cuda.matmul.allow_tf32 = False
dev = torch.device("cuda")
GPU = torch.cuda.get_device_name(0)
TAG = "h200" if "H200" in GPU else ("h100" if "H100" in GPU else "gpu")
summary = {"gpu": GPU, "sm_count": torch.cuda.get_device_properties(0).multi_processor_count,
           "torch": torch.__version__, "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version(),
           "cases": [], "pairs": []}

def build(name):
    if name == "googlenet":
        return torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False)
    if name == "inception_v3":
        return torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False)
    return getattr(torchvision.models, name)(weights=None)

def timed(fn, reps=40, warm=5):
    """cuda_timing.timed with round 1's repeat counts."""
    return cuda_timing.timed(fn, reps=reps, warm=warm)

def graph_of(fn):
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3): fn()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        fn()
    return g

class Branchy:
    """Runs an fx graph with Opara's stream rule: a node takes its first producer's stream if it is that producer's
    first consumer, else the next stream of the pool; joins wait on events."""
    def __init__(self, gm, streams=8):
        self.gm = gm
        self.nodes = [n for n in gm.graph.nodes]
        self.pool = [torch.cuda.Stream() for _ in range(streams)]
        self.stream_of, claimed, nxt = {}, set(), 0
        for n in self.nodes:
            if n.op in ("placeholder", "output", "get_attr"): continue
            preds = [a for a in n.all_input_nodes if a.op not in ("placeholder", "get_attr")]
            if preds and preds[0] not in claimed:
                claimed.add(preds[0]); self.stream_of[n] = self.stream_of[preds[0]]
            else:
                self.stream_of[n] = nxt % streams; nxt += 1
        self.used = sorted(set(self.stream_of.values()))
    def __call__(self, x):
        env, events = {}, {}
        main = torch.cuda.current_stream()
        start = torch.cuda.Event(); start.record(main)
        for s in self.used: self.pool[s].wait_event(start)
        out = None
        for n in self.nodes:
            if n.op == "placeholder": env[n] = x; continue
            if n.op == "get_attr": env[n] = getattr(self.gm, n.target); continue
            if n.op == "output":
                for a in n.all_input_nodes:
                    if a in events: main.wait_event(events[a])
                out = env[n.args[0]] if not isinstance(n.args[0], (tuple, list)) else env[n.args[0][0]]
                continue
            s = self.pool[self.stream_of[n]]
            for a in n.all_input_nodes:
                if a in events and self.stream_of.get(a) != self.stream_of[n]: s.wait_event(events[a])
            with torch.cuda.stream(s):
                args = torch.fx.node.map_arg(n.args, lambda a: env[a])
                kwargs = torch.fx.node.map_arg(n.kwargs, lambda a: env[a])
                if n.op == "call_module": r = self.gm.get_submodule(n.target)(*args, **kwargs)
                elif n.op == "call_function": r = n.target(*args, **kwargs)
                else: r = getattr(args[0], n.target)(*args[1:], **kwargs)
            ev = torch.cuda.Event(); ev.record(s); events[n] = ev
            env[n] = r
        for s in self.used: main.wait_stream(self.pool[s])
        return out

class Annotated(torch.fx.Interpreter):
    def run_node(self, n):
        with torch.profiler.record_function("node::" + n.name):
            return super().run_node(n)

def kernel_rows(fn, path):
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]) as p:
        fn(); torch.cuda.synchronize()
    tmp = path + ".trace.json"
    p.export_chrome_trace(tmp)
    ev = json.load(open(tmp))["traceEvents"]
    os.remove(tmp)
    ann = sorted([e for e in ev if e.get("cat") == "user_annotation" and e.get("name", "").startswith("node::")], key=lambda e: e["ts"])
    launches = {e["args"].get("correlation"): e for e in ev if e.get("cat") in ("cuda_runtime", "cuda_driver") and "args" in e}
    rows = []
    for k in sorted([e for e in ev if e.get("cat") in ("kernel", "gpu_memset", "gpu_memcpy")], key=lambda e: e["ts"]):
        a = k.get("args", {})
        l = launches.get(a.get("correlation"))
        node = ""
        if l:
            inside = [u for u in ann if u["ts"] <= l["ts"] <= u["ts"] + u["dur"]]
            if inside: node = min(inside, key=lambda u: u["dur"])["name"][6:]
        g, b = a.get("grid", [0, 0, 0]), a.get("block", [0, 0, 0])
        rows.append([node, k.get("cat"), k.get("name", "")[:160], *g, *b, a.get("registers per thread", 0),
                     a.get("shared memory", 0), k.get("dur", 0)])
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["node", "kind", "kernel", "grid_x", "grid_y", "grid_z", "block_x", "block_y", "block_z",
                     "registers_per_thread", "shared_memory_bytes", "duration_us"])
        w.writerows(rows)
    return rows

def case(name, batch, training=False):
    torch.manual_seed(0)
    model = build(name).to(dev)
    size = 299 if name == "inception_v3" else 224
    x = torch.randn(batch, 3, size, size, device=dev)
    rec = {"model": name, "batch": batch, "mode": "training" if training else "inference"}
    if training:
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        y = torch.randint(0, 1000, (batch,), device=dev)
        lossf = torch.nn.CrossEntropyLoss()
        def step():
            opt.zero_grad(set_to_none=True)
            lossf(model(x), y).backward()
            opt.step()
        rec["serial_eager_ms"] = timed(step, reps=20)
        rows = kernel_rows(step, f"{OUT}/{TAG}_{name}_train_b{batch}.csv")
        rec["kernels"] = len(rows); rec["kernel_sum_us"] = sum(r[-1] for r in rows)
        return rec
    model.eval()
    gm = torch.fx.symbolic_trace(model)
    with torch.no_grad():
        rec["serial_eager_ms"] = timed(lambda: gm(x))
        g = graph_of(lambda: gm(x))
        rec["serial_graph_ms"] = timed(g.replay, reps=50)
        br = Branchy(gm)
        rec["streams_used"] = len(br.used)
        rec["branch_eager_ms"] = timed(lambda: br(x))
        g2 = graph_of(lambda: br(x))
        rec["branch_graph_ms"] = timed(g2.replay, reps=50)
        interp = Annotated(gm)
        rows = kernel_rows(lambda: interp.run(x), f"{OUT}/{TAG}_{name}_inf_b{batch}.csv")
    rec["kernels"] = len(rows); rec["kernel_sum_us"] = sum(r[-1] for r in rows)
    rec["branch_speedup_graph"] = rec["serial_graph_ms"] / rec["branch_graph_ms"]
    return rec

def pair(label, shape, cin, cout, k):
    """Two independent identical convolutions: one stream vs two streams, both as CUDA Graphs."""
    conv1 = torch.nn.Conv2d(cin, cout, k, padding=k // 2, bias=False).to(dev).eval()
    conv2 = torch.nn.Conv2d(cin, cout, k, padding=k // 2, bias=False).to(dev).eval()
    a, b = torch.randn(*shape, device=dev), torch.randn(*shape, device=dev)
    s1, s2 = torch.cuda.Stream(), torch.cuda.Stream()
    def serial(): conv1(a); conv2(b)
    def parallel():
        m = torch.cuda.current_stream(); e = torch.cuda.Event(); e.record(m)
        s1.wait_event(e); s2.wait_event(e)
        with torch.cuda.stream(s1): conv1(a)
        with torch.cuda.stream(s2): conv2(b)
        m.wait_stream(s1); m.wait_stream(s2)
    with torch.no_grad():
        one = timed(graph_of(lambda: conv1(a)).replay, reps=50)
        ser = timed(graph_of(serial).replay, reps=50)
        par = timed(graph_of(parallel).replay, reps=50)
    return {"label": label, "input": list(shape), "in_channels": cin, "out_channels": cout, "kernel": k,
            "one_conv_ms": one, "serial_ms": ser, "two_streams_ms": par, "speedup": ser / par}

plan = [("googlenet", 1), ("googlenet", 8), ("googlenet", 32), ("inception_v3", 1), ("inception_v3", 32),
        ("resnet50", 1), ("resnet50", 32)]
t0 = time.time()
for name, bsz in plan:
    try:
        r = case(name, bsz); summary["cases"].append(r); print(json.dumps(r), flush=True)
    except Exception:
        traceback.print_exc()
    json.dump(summary, open(f"{OUT}/{TAG}_summary.json", "w"), indent=2)
for args in [("small", (1, 64, 28, 28), 64, 64, 3), ("large", (32, 256, 56, 56), 256, 256, 3)]:
    try:
        r = pair(*args); summary["pairs"].append(r); print(json.dumps(r), flush=True)
    except Exception:
        traceback.print_exc()
try:
    r = case("resnet50", 32, training=True); summary["cases"].append(r); print(json.dumps(r), flush=True)
except Exception:
    traceback.print_exc()
summary["wall_s"] = time.time() - t0
json.dump(summary, open(f"{OUT}/{TAG}_summary.json", "w"), indent=2)
print("done in", summary["wall_s"], "s")
