"""Measures convtop's kernel catalog on this machine's GPU: the real kernels of every op in a manifest.

    python3 measure_catalog.py MANIFEST OUTDIR [--budget SECONDS] [--gpu-name NAME] [--graphs DIR] [--batches 1,32]

MANIFEST is what `convtop calibrate` (or `convtop calibrate --manifest-only`) writes: one JSON object per line with
the op's signature key, family, pass and parameters. Each op is built in PyTorch (fp32 tensors, TF32 convolutions,
cudnn.benchmark off: PyTorch's defaults), run once to warm up, then REPS times under the profiler; the kernels it
launched are recorded in order with grid, block, registers, shared memory and the median duration over the repeats.
Backward passes are timed alone: the data gradient asks autograd for the input's gradient only, the weight gradient
for the parameters' only (convolution_backward then runs one cuDNN call each, as in a training step).

Writes, as it goes (a killed run keeps what it wrote; gzip members are appended per chunk):
  OUTDIR/catalog.tsv.gz   the catalog (format in Sources/ConvtopCore/Catalog/CatalogFile.swift)
  OUTDIR/device.json      the GPU's properties, copy bandwidth and matrix-product rates
  OUTDIR/networks.jsonl   with --graphs: each convtop graph file run in PyTorch at each batch, serial (one stream)
                          and with Opara's branch rule on 8 streams, both replayed as CUDA Graphs (median ms)
Prints `progress DONE TOTAL WHAT` lines for convtop to draw, and `error: ...` lines for failures it skipped.
"""
import argparse, gzip, json, os, statistics, sys, time

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("error: PyTorch is not installed for this Python", flush=True)
    sys.exit(2)
if not torch.cuda.is_available():
    print("error: PyTorch sees no CUDA GPU", flush=True)
    sys.exit(3)

ap = argparse.ArgumentParser()
ap.add_argument("manifest"); ap.add_argument("out")
ap.add_argument("--budget", type=float, default=3600.0)
ap.add_argument("--gpu-name", default="")
ap.add_argument("--graphs", default="")
ap.add_argument("--batches", default="1,32")
ap.add_argument("--reps", type=int, default=5)
ap.add_argument("--chunk", type=int, default=64)
A = ap.parse_args()
T0 = time.time()
torch.backends.cudnn.benchmark = False
torch.backends.cudnn.allow_tf32 = True
torch.backends.cuda.matmul.allow_tf32 = False
dev = torch.device("cuda")
os.makedirs(A.out, exist_ok=True)


def left():
    return A.budget - (time.time() - T0)


def rand(shape, grad=False):
    return torch.randn(*shape, device=dev).requires_grad_(grad)


# ---------------------------------------------------------------- one op per manifest entry, as a closure
def conv_op(p, pas):
    n, c, h, w = p["x"]; cout = p["cout"][0]; kh, kw = p["k"]; g = p["g"][0]
    x = rand(p["x"], pas == "dgrad")
    if p.get("cl", [0])[0]:  # channels-last input (convtop's `cl=1`): PyTorch picks other kernels
        x = x.detach().contiguous(memory_format=torch.channels_last).requires_grad_(pas == "dgrad")
    wt = rand([cout, c // g, kh, kw], pas == "wgrad")
    b = rand([cout], pas == "wgrad") if p["bias"][0] else None
    args = dict(stride=tuple(p["s"]), padding=tuple(p["p"]), dilation=tuple(p["d"]), groups=g)
    if pas == "forward":
        return lambda: F.conv2d(x, wt, b, **args)
    y = F.conv2d(x, wt, b, **args); gy = torch.randn_like(y)
    ins = [x] if pas == "dgrad" else [t for t in (wt, b) if t is not None]
    return lambda: torch.autograd.grad(y, ins, gy, retain_graph=True)


def bn_op(p, pas):
    train = bool(p["train"][0]); c = p["x"][1]
    m = torch.nn.BatchNorm2d(c).to(dev).train(train)
    if pas == "forward":
        x = rand(p["x"])
        def f():
            with torch.no_grad(): return m(x)
        return f
    x = rand(p["x"], True); y = m(x); gy = torch.randn_like(y)
    return lambda: torch.autograd.grad(y, [x, m.weight, m.bias], gy, retain_graph=True)


def unary_op(fn, p, pas, grad_ok=True):
    if pas == "forward":
        x = rand(p["x"])
        return lambda: fn(x)
    x = rand(p["x"], True); y = fn(x); gy = torch.randn_like(y)
    return lambda: torch.autograd.grad(y, [x], gy, retain_graph=True)


def pool_op(p, pas):
    k, s, pad, ceil = p["k"][0], p["s"][0], p["p"][0], bool(p["ceil"][0])
    if p["max"][0]:
        fn = lambda x: F.max_pool2d(x, k, s, pad, ceil_mode=ceil)
    else:
        fn = lambda x: F.avg_pool2d(x, k, s, pad, ceil_mode=ceil)
    return unary_op(fn, p, pas)


def linear_op(p, pas):
    rows, i = p["x"]; o = p["out"][0]
    x = rand([rows, i], pas == "dgrad"); w = rand([o, i], pas == "wgrad")
    b = rand([o], pas == "wgrad") if p["bias"][0] else None
    if pas == "forward":
        return lambda: F.linear(x, w, b)
    y = F.linear(x, w, b); gy = torch.randn_like(y)
    ins = [x] if pas == "dgrad" else [t for t in (w, b) if t is not None]
    return lambda: torch.autograd.grad(y, ins, gy, retain_graph=True)


def loss_op(p, pas):
    n, c = p["x"]; t = torch.randint(0, c, (n,), device=dev)
    if pas == "forward":
        x = rand([n, c])
        return lambda: F.cross_entropy(x, t)
    x = rand([n, c], True); y = F.cross_entropy(x, t)
    return lambda: torch.autograd.grad(y, [x], retain_graph=True)


def build(e):
    f, pas, p = e["family"], e["pass"], e["params"]
    if f == "conv": return conv_op(p, pas)
    if f == "batchnorm": return bn_op(p, pas)
    if f == "relu": return unary_op(F.relu6 if p["six"][0] else F.relu, p, pas)
    if f == "pool": return pool_op(p, pas)
    if f == "apool": return unary_op(lambda x: F.adaptive_avg_pool2d(x, p["o"][0]), p, pas)
    if f == "dropout": return unary_op(lambda x: F.dropout(x, 0.5, True), p, pas)
    if f == "linear": return linear_op(p, pas)
    if f == "loss": return loss_op(p, pas)
    if f == "add":
        xs = [rand(p["x"]) for _ in range(p["inputs"][0])]
        if len(xs) == 2: return lambda: xs[0] + xs[1]
        return lambda: sum(xs[1:], xs[0])
    if f == "concat":
        n, h, w = p["n"]; xs = [rand([n, c, h, w]) for c in p["c"]]
        return lambda: torch.cat(xs, 1)
    raise ValueError("unknown family " + f)


# ---------------------------------------------------------------- profiling a chunk of ops
def profile_chunk(fns):
    """fns: list of (index, closure). Runs each REPS times, each repeat in its own 'cat::i:r' range; returns
    {index: [[kernel dicts of repeat 0], [repeat 1], ...]}."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]) as prof:
        for i, fn in fns:
            for r in range(A.reps):
                with torch.profiler.record_function(f"cat::{i}:{r}"):
                    fn()
        torch.cuda.synchronize()
    tmp = os.path.join(A.out, ".trace.json")
    prof.export_chrome_trace(tmp)
    with open(tmp) as fh: ev = json.load(fh)["traceEvents"]
    os.remove(tmp)
    ranges, launches, kernels = [], [], []
    for e in ev:
        c = e.get("cat")
        if c == "user_annotation" and "dur" in e and str(e.get("name", "")).startswith("cat::"): ranges.append(e)
        elif c in ("cuda_runtime", "cuda_driver"): launches.append(e)
        elif c in ("kernel", "gpu_memset"): kernels.append(e)
    ranges.sort(key=lambda r: r["ts"])
    starts = [r["ts"] for r in ranges]
    import bisect
    label = {}
    for l in launches:
        j = bisect.bisect_right(starts, l["ts"]) - 1
        if j >= 0 and l["ts"] <= ranges[j]["ts"] + ranges[j]["dur"]:
            corr = l.get("args", {}).get("correlation")
            if corr is not None: label[corr] = ranges[j]["name"][5:]
    out = {}
    for k in sorted(kernels, key=lambda k: k["ts"]):
        a = k.get("args", {})
        lab = label.get(a.get("correlation"))
        if lab is None: continue
        i, r = (int(v) for v in lab.split(":"))
        name = k.get("name", "") if k.get("cat") == "kernel" else "Memset (Device)"
        row = dict(name=name.replace("\t", " ").replace("\n", " ")[:300], grid=a.get("grid", [1, 1, 1]),
                   block=a.get("block", [1, 1, 1]), regs=a.get("registers per thread", 0),
                   smem=a.get("shared memory", 0), dur=k.get("dur", 0))
        out.setdefault(i, {}).setdefault(r, []).append(row)
    return {i: [reps[r] for r in sorted(reps)] for i, reps in out.items()}


def summarise(reps):
    """The most common kernel sequence over the repeats, durations the median per position."""
    sig = lambda rep: tuple(k["name"] for k in rep)
    counts = {}
    for rep in reps: counts[sig(rep)] = counts.get(sig(rep), 0) + 1
    best = max(counts, key=lambda s: (counts[s], -len(s)))
    same = [rep for rep in reps if sig(rep) == best]
    result = []
    for j, k in enumerate(same[0]):
        d = statistics.median(rep[j]["dur"] for rep in same)
        result.append(dict(k, dur=d))
    return result


names = {}


def write_chunk(items, measured, gz):
    lines = []
    for e, kernels in zip(items, measured):
        parts = []
        for k in kernels:
            if k["name"] not in names:
                names[k["name"]] = len(names)
                lines.append(f"N\t{names[k['name']]}\t{k['name']}")
            g, b = (list(k["grid"]) + [1, 1, 1])[:3], (list(k["block"]) + [1, 1, 1])[:3]
            parts.append(",".join(str(int(v)) for v in [names[k["name"]]] + g + b + [k["regs"], k["smem"]]) + f",{k['dur']:.3f}")
        lines.append(f"E\t{e['key']}\t{e['flops']}\t{e['bytes']}\t{';'.join(parts)}")
    with gzip.open(gz, "at") as f:
        f.write("\n".join(lines) + "\n")


def measure_ops(manifest):
    gz = os.path.join(A.out, "catalog.tsv.gz")
    props = torch.cuda.get_device_properties(0)
    with gzip.open(gz, "wt") as f:
        f.write(f"convtop-catalog\t1\t{A.gpu_name or props.name.lower().replace(' ', '_')}\t{props.major}.{props.minor}\n")
    total, done, failed = len(manifest), 0, 0
    for c0 in range(0, total, A.chunk):
        if left() < 0:
            print(f"error: stopped after {done} of {total} ops: the {A.budget:.0f} s budget is spent", flush=True)
            break
        chunk = manifest[c0:c0 + A.chunk]
        fns, kept = [], []
        for i, e in enumerate(chunk):
            try:
                fn = build(e); fn(); fn(); torch.cuda.synchronize()
                fns.append((i, fn)); kept.append(e)
            except Exception as ex:  # an op PyTorch cannot run here (memory, shape): skip it, say so
                failed += 1
                print(f"error: {e['key']}: {type(ex).__name__}: {str(ex).splitlines()[0][:160]}", flush=True)
                torch.cuda.empty_cache()
        got = profile_chunk(fns)
        items, measured = [], []
        for (i, _), e in zip(fns, kept):
            if i in got and got[i]:
                items.append(e); measured.append(summarise(got[i]))
        write_chunk(items, measured, gz)
        del fns
        torch.cuda.empty_cache()
        done += len(chunk)
        print(f"progress {done} {total} ops", flush=True)
    return done, failed


# ---------------------------------------------------------------- the device: properties, bandwidth, peaks
def device_info():
    p = torch.cuda.get_device_properties(0)
    info = dict(name=p.name, major=p.major, minor=p.minor, sm_count=p.multi_processor_count,
                total_memory=p.total_memory, l2_bytes=getattr(p, "L2_cache_size", 0),
                max_threads_per_sm=getattr(p, "max_threads_per_multi_processor", 0),
                registers_per_sm=getattr(p, "regs_per_multiprocessor", 0),
                shared_memory_per_sm=getattr(p, "shared_memory_per_multiprocessor", 0),
                torch=torch.__version__, cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version())
    a = torch.empty(1 << 28, dtype=torch.float32, device=dev); b = torch.empty_like(a)
    info["copy_gbs"] = 2 * a.numel() * 4 / timed(lambda: b.copy_(a)) / 1e6
    del a, b
    for dt, key in ((torch.float32, "fp32_tflops"), (torch.bfloat16, "bf16_tflops")):
        m = torch.randn(8192, 8192, device=dev, dtype=dt)
        info[key] = 2 * 8192 ** 3 / timed(lambda: m @ m) / 1e9
    torch.backends.cuda.matmul.allow_tf32 = True
    m = torch.randn(8192, 8192, device=dev)
    info["tf32_tflops"] = 2 * 8192 ** 3 / timed(lambda: m @ m) / 1e9
    torch.backends.cuda.matmul.allow_tf32 = False
    with open(os.path.join(A.out, "device.json"), "w") as f: json.dump(info, f, indent=1)
    print("progress 0 0 device " + json.dumps(info), flush=True)


def timed(fn, reps=10, warm=3):
    """Median milliseconds of fn on the GPU (CUDA events)."""
    for _ in range(warm): fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); fn(); e.record(); e.synchronize(); ts.append(s.elapsed_time(e))
    return statistics.median(ts)


# ---------------------------------------------------------------- convtop graph files run in PyTorch
class GraphNet(torch.nn.Module):
    """A convtop-graph file as a PyTorch module (eval mode: batch norm in inference form, dropout off)."""
    def __init__(self, g):
        super().__init__()
        self.g = g; self.mods = torch.nn.ModuleDict(); self.shape = {}
        self.order = g["nodes"]
        for i in g["inputs"]: self.shape[i["name"]] = i["shape"]
        for n in self.order:
            x = self.shape[n["inputs"][0]]
            op, key = n["op"], self.k(n["name"])
            if op == "conv":
                pair = lambda v: tuple(v) if isinstance(v, list) else (v, v)
                m = torch.nn.Conv2d(x[1], n["out_channels"], pair(n["kernel"]), pair(n.get("stride", 1)), pair(n.get("padding", 0)),
                                    pair(n.get("dilation", 1)), n.get("groups", 1), n.get("bias", False))
                self.mods[key] = m
            elif op == "batchnorm": self.mods[key] = torch.nn.BatchNorm2d(x[1])
            elif op == "linear": self.mods[key] = torch.nn.Linear(x[-1] if len(x) == 3 else int(torch.tensor(x[1:]).prod()), n["out_features"], n.get("bias", True))
            self.shape[n["name"]] = self.out_shape(n, x)

    def k(self, name):
        if not hasattr(self, "keys_"): self.keys_ = {}
        return self.keys_.setdefault(name, f"m{len(self.keys_)}")

    def out_shape(self, n, x):
        op = n["op"]
        if op == "conv":
            pair = lambda v: tuple(v) if isinstance(v, list) else (v, v)
            k, s, p, d = pair(n["kernel"]), pair(n.get("stride", 1)), pair(n.get("padding", 0)), pair(n.get("dilation", 1))
            return [x[0], n["out_channels"]] + [(x[2 + i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2)]
        if op in ("maxpool", "avgpool"):
            k, s, p, c = n["kernel"], n.get("stride", n["kernel"]), n.get("padding", 0), n.get("ceil_mode", False)
            def o(v):
                r = (v + 2 * p - k + (s - 1 if c else 0)) // s + 1
                if c and (r - 1) * s >= v + p: r -= 1
                return r
            return [x[0], x[1], o(x[2]), o(x[3])]
        if op == "adaptive_avgpool": return [x[0], x[1], n.get("output_size", 1), n.get("output_size", 1)]
        if op == "concat": return [x[0], sum(self.shape[i][1] for i in n["inputs"])] + x[2:]
        if op == "flatten": return [x[0], int(torch.tensor(x[1:]).prod())]
        if op == "linear": return x[:-1] + [n["out_features"]] if len(x) == 3 else [x[0], n["out_features"]]
        return x

    def run_node(self, n, env):
        xs = [env[i] for i in n["inputs"]]; op = n["op"]; m = self.mods[self.k(n["name"])] if self.k(n["name"]) in self.mods else None
        if op in ("conv", "batchnorm", "linear"): return m(xs[0])
        if op == "relu": return F.relu(xs[0])
        if op == "relu6": return F.relu6(xs[0])
        if op == "dropout": return F.dropout(xs[0], 0.5, self.training)
        if op == "flatten": return torch.flatten(xs[0], 1)
        if op == "maxpool": return F.max_pool2d(xs[0], n["kernel"], n.get("stride", n["kernel"]), n.get("padding", 0), ceil_mode=n.get("ceil_mode", False))
        if op == "avgpool": return F.avg_pool2d(xs[0], n["kernel"], n.get("stride", n["kernel"]), n.get("padding", 0), ceil_mode=n.get("ceil_mode", False))
        if op == "adaptive_avgpool": return F.adaptive_avg_pool2d(xs[0], n.get("output_size", 1))
        if op == "concat": return torch.cat(xs, 1)
        if op == "add":
            y = xs[0] + xs[1]
            for t in xs[2:]: y = y + t
            return y
        raise ValueError("op " + op)


def branch_streams(g, streams=8):
    """Opara's branch rule: a node takes the stream of its first input (argument order) no earlier node claimed."""
    stream_of, claimed, nxt = {}, set(), 0
    inputs = {i["name"] for i in g["inputs"]}
    for n in g["nodes"]:
        free = [a for a in n["inputs"] if a not in inputs and a not in claimed]
        if free: claimed.add(free[0]); stream_of[n["name"]] = stream_of[free[0]]
        else: stream_of[n["name"]] = nxt % streams; nxt += 1
    return stream_of


def run_graph(net, x, stream_of=None, pool=None):
    env = {net.g["inputs"][0]["name"]: x}
    if stream_of is None:
        for n in net.order: env[n["name"]] = net.run_node(n, env)
        return env[net.order[-1]["name"]]
    main = torch.cuda.current_stream(); events = {}
    start = torch.cuda.Event(); start.record(main)
    for s in pool: s.wait_event(start)
    for n in net.order:
        s = pool[stream_of[n["name"]]]
        for a in n["inputs"]:
            if a in events and stream_of[a] != stream_of[n["name"]]: s.wait_event(events[a])
        with torch.cuda.stream(s): env[n["name"]] = net.run_node(n, env)
        ev = torch.cuda.Event(); ev.record(s); events[n["name"]] = ev
    for s in pool: main.wait_stream(s)
    return env[net.order[-1]["name"]]


def graph_replay_ms(fn):
    s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(2): fn()
    torch.cuda.current_stream().wait_stream(s); torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g): fn()
    return timed(lambda: g.replay(), reps=30, warm=5)


def measure_networks():
    files = sorted(f for f in os.listdir(A.graphs) if f.endswith(".json"))
    batches = [int(b) for b in A.batches.split(",") if b]
    total, done = len(files) * len(batches), 0
    for f in files:
        with open(os.path.join(A.graphs, f)) as fh: g = json.load(fh)
        for b in batches:
            if left() < 0: return
            net = None
            try:
                g["inputs"][0]["shape"][0] = b
                net = GraphNet(g).to(dev).eval()
                x = torch.randn(*g["inputs"][0]["shape"], device=dev)
                pool = [torch.cuda.Stream() for _ in range(8)]
                so = branch_streams(g)
                with torch.no_grad():
                    serial = graph_replay_ms(lambda: run_graph(net, x))
                    branch = graph_replay_ms(lambda: run_graph(net, x, so, pool))
                rec = dict(model=g.get("name", f[:-5]), batch=b, mode="inference", serial_graph_ms=serial, branch_graph_ms=branch)
                with open(os.path.join(A.out, "networks.jsonl"), "a") as fh: fh.write(json.dumps(rec) + "\n")
            except Exception as ex:
                print(f"error: {f} b{b}: {type(ex).__name__}: {str(ex).splitlines()[0][:160]}", flush=True)
            del net
            torch.cuda.empty_cache()
            done += 1
            print(f"progress {done} {total} networks", flush=True)


if __name__ == "__main__":
    device_info()
    if A.graphs: measure_networks()
    with (gzip.open(A.manifest, "rt") if A.manifest.endswith(".gz") else open(A.manifest)) as fh:
        manifest = [json.loads(l) for l in fh if l.strip()]
    done, failed = measure_ops(manifest)
    print(f"done {done} ops measured ({failed} skipped) in {time.time() - T0:.0f} s", flush=True)
