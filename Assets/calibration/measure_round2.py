"""Round-2 measurements for convtop: concurrency grid, training steps, network serial times, op sweeps.

Run on a machine with an NVIDIA GPU and PyTorch + torchvision:
    python3 Assets/calibration/measure_round2.py OUTDIR [SECONDS] [PHASES]
PHASES is a comma list of pairs, training, inference, sweeps (default all). It stops starting new cases after
SECONDS (default 520) and writes, as it goes (a killed run keeps what it wrote):
  pairs.jsonl      two and four independent chains of convolutions (and convolution beside memory-bound kernels),
                   one stream vs N streams, each replayed as a CUDA Graph (median of repeats)
  training.jsonl   training steps (forward with Opara's branch rule, autograd backward, SGD momentum foreach):
                   serial and branch, eager and CUDA Graph
  inference.jsonl  forward passes of torchvision zoo networks: serial and branch, CUDA Graph replay
  sweeps.jsonl     depthwise convolution, batch norm and pooling, forward and backward, kernel by kernel
  kernels.jsonl.gz every profiled kernel: case, op label, phase, name, grid, block, registers, shared memory,
                   duration, stream, start (relative), one JSON object per line (gzip members appended per case)
Precision: fp32 tensors, TF32 convolutions (PyTorch's default), cudnn.benchmark off, as in measure.py.
"""
import gzip, json, os, sys, time, traceback
import torch, torchvision
import torch.fx
from cuda_timing import capture, timed

OUT = sys.argv[1] if len(sys.argv) > 1 else "out"
BUDGET = float(sys.argv[2]) if len(sys.argv) > 2 else 520.0
PHASES = sys.argv[3].split(",") if len(sys.argv) > 3 else ["pairs", "training", "inference", "sweeps"]
# Batch sizes of the training and inference phases (environment, comma lists); the defaults are the shipped sets.
TRAIN_BATCHES = [int(b) for b in os.environ.get("TRAIN_BATCHES", "32,8").split(",")]
INFER_BATCHES = [int(b) for b in os.environ.get("INFER_BATCHES", "1,32,8").split(",")]
T0 = time.time()
torch.backends.cudnn.benchmark = False
torch.backends.cudnn.allow_tf32 = True
torch.backends.cuda.matmul.allow_tf32 = False
dev = torch.device("cuda")


def left():
    return BUDGET - (time.time() - T0)


def emit(name, rec):
    with open(f"{OUT}/{name}", "a") as f:
        f.write(json.dumps(rec) + "\n")
    print(name, json.dumps(rec)[:300], flush=True)


def rand(*shape, grad=False):
    """Inputs drawn on the CPU: a failed graph capture then cannot poison the CUDA generator for later cases."""
    return torch.randn(*shape).to(dev).requires_grad_(grad)


def graph_of(fn):
    return capture(fn, warm=2)


# ---------------------------------------------------------------- profiling: kernels with labels, phases, streams
def profile_kernels(fn, case):
    """Runs fn once under the profiler; returns kernel rows labelled by the innermost 'node::'/'case::' range of the
    launching thread, or for backward kernels by the forward node whose autograd node launched them."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]) as p:
        fn(); torch.cuda.synchronize()
    tmp = f"{OUT}/.tmp_trace.json"
    p.export_chrome_trace(tmp)
    ev = json.load(open(tmp))["traceEvents"]
    os.remove(tmp)
    ranges, launches, kernels = [], [], []
    for e in ev:
        c = e.get("cat")
        if c in ("cpu_op", "user_annotation") and "dur" in e:
            ranges.append(e)
        elif c in ("cuda_runtime", "cuda_driver"):
            launches.append(e)
        elif c in ("kernel", "gpu_memset", "gpu_memcpy"):
            kernels.append(e)
    # Sweep per thread: the stack of open ranges at each launch.
    items = [(r["ts"], 0, r) for r in ranges] + [(l["ts"], 1, l) for l in launches]
    items.sort(key=lambda t: (t[0], t[1]))
    stacks, label_of_launch, seq_node = {}, {}, {}
    for ts, kind, e in items:
        st = stacks.setdefault(e.get("tid"), [])
        while st and st[-1]["ts"] + st[-1]["dur"] < ts: st.pop()
        if kind == 0:
            st.append(e)
            seqn = e.get("args", {}).get("Sequence number")
            if e.get("cat") == "cpu_op" and seqn is not None and not e["name"].startswith("autograd::"):
                for r in reversed(st):
                    if r["name"].startswith("node::"):
                        seq_node.setdefault(seqn, r["name"][6:]); break
            continue
        lab, phase = "", "other"
        for r in reversed(st):
            n = r["name"]
            if n.startswith("node::") or n.startswith("case::"):
                lab, phase = n.split("::", 1)[1], "forward" if n.startswith("node::") else "case"; break
            if n.startswith("autograd::engine::evaluate_function:"):
                seqn = r.get("args", {}).get("Sequence number")
                lab, phase = "bwd:" + str(seqn) + ":" + n.split(":")[-1].strip(), "backward"; break
            if n.startswith("Optimizer.step") or n.startswith("Optimizer.zero_grad"):
                lab, phase = n, "optimizer"; break
        corr = e.get("args", {}).get("correlation")
        if corr is not None: label_of_launch[corr] = (lab, phase)
    kernels.sort(key=lambda k: k["ts"])
    t0 = kernels[0]["ts"] if kernels else 0
    rows = []
    for k in kernels:
        a = k.get("args", {})
        lab, phase = label_of_launch.get(a.get("correlation"), ("", "other"))
        if phase == "backward":
            _, seqn, fn_name = lab.split(":", 2)
            try: node = seq_node.get(int(seqn), "")
            except ValueError: node = ""
            lab = f"{node}:{fn_name}" if node else fn_name
        rows.append({"case": case, "label": lab, "phase": phase, "cat": k.get("cat"), "name": k.get("name", "")[:140],
                     "grid": a.get("grid", [0, 0, 0]), "block": a.get("block", [0, 0, 0]),
                     "regs": a.get("registers per thread", 0), "smem": a.get("shared memory", 0),
                     "dur": k.get("dur", 0), "stream": a.get("stream", 0), "ts": round(k["ts"] - t0, 3)})
    with gzip.open(f"{OUT}/kernels.jsonl.gz", "at") as f:
        for r in rows: f.write(json.dumps(r) + "\n")
    return rows


# ---------------------------------------------------------------- Opara's branch rule on an fx graph
class Branchy:
    """Runs an fx graph with the branch rule: a node takes the stream of its first input (in argument order) that no
    earlier node has claimed, else the next stream of the pool; joins wait on events. Labels nodes for the profiler."""
    def __init__(self, gm, streams=8):
        self.gm = gm
        self.nodes = list(gm.graph.nodes)
        self.pool = [torch.cuda.Stream() for _ in range(streams)]
        self.stream_of, claimed, nxt = {}, set(), 0
        for n in self.nodes:
            if n.op in ("placeholder", "output", "get_attr"): continue
            preds = [a for a in n.all_input_nodes if a.op not in ("placeholder", "get_attr")]
            free = [a for a in preds if a not in claimed]
            if free:
                claimed.add(free[0]); self.stream_of[n] = self.stream_of[free[0]]
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
            with torch.cuda.stream(s), torch.profiler.record_function("node::" + n.name):
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


def build(name):
    if name == "googlenet":
        return torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False)
    if name == "inception_v3":
        return torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False)
    return getattr(torchvision.models, name)(weights=None)


def size_of(name):
    return 299 if name == "inception_v3" else 224


# ---------------------------------------------------------------- phase 1: concurrency grid
def chains_setup(batch, c, hw, k, depth=2, widths=(2, 4)):
    """Independent chains of `depth` convolutions: (chain(i), serial(n), parallel(n)) as callables to capture."""
    convs = [[torch.nn.Conv2d(c, c, k, padding=k // 2, bias=False).to(dev).eval() for _ in range(depth)] for _ in range(max(widths))]
    xs = [rand(batch, c, hw, hw) for _ in range(max(widths))]
    streams = [torch.cuda.Stream() for _ in range(max(widths))]

    def chain(i):
        y = xs[i]
        for m in convs[i]: y = m(y)
        return y

    def serial(n):
        return lambda: [chain(i) for i in range(n)]

    def parallel(n):
        def f():
            m = torch.cuda.current_stream(); e = torch.cuda.Event(); e.record(m)
            for i in range(n):
                streams[i].wait_event(e)
                with torch.cuda.stream(streams[i]): chain(i)
            for i in range(n): m.wait_stream(streams[i])
        return f
    return chain, serial, parallel


def chains_case(batch, c, hw, k, depth=2, widths=(2, 4)):
    chain, serial, parallel = chains_setup(batch, c, hw, k, depth, widths)
    rec = {"kind": "conv_chains", "batch": batch, "channels": c, "map": hw, "kernel": k, "depth": depth}
    with torch.no_grad():
        rec["one_chain_ms"] = timed(graph_of(serial(1)).replay)
        for n in widths:
            rec[f"serial{n}_ms"] = timed(graph_of(serial(n)).replay)
            rec[f"streams{n}_ms"] = timed(graph_of(parallel(n)).replay)
            rec[f"speedup{n}"] = rec[f"serial{n}_ms"] / rec[f"streams{n}_ms"]
        case = f"conv_b{batch}_c{c}_m{hw}_k{k}"
        rows = profile_kernels(lambda: [chain(0) for _ in range(1)], case)
        rec["kernels_per_chain"] = len(rows)
    return rec


def beside_memory_setup(batch, c, hw, k, elems_m):
    """A convolution chain on one stream beside a chain of memory-bound element-wise kernels on another:
    (conv_chain, mem_chain, serial, parallel) as callables to capture."""
    convs = [torch.nn.Conv2d(c, c, k, padding=k // 2, bias=False).to(dev).eval() for _ in range(2)]
    x = rand(batch, c, hw, hw)
    big = rand(int(elems_m * 1e6))
    s1, s2 = torch.cuda.Stream(), torch.cuda.Stream()
    def conv_chain():
        y = x
        for m in convs: y = m(y)
    def mem_chain():
        y = big
        for _ in range(2): y = torch.relu(y)
    def serial(): conv_chain(); mem_chain()
    def parallel():
        m = torch.cuda.current_stream(); e = torch.cuda.Event(); e.record(m)
        s1.wait_event(e); s2.wait_event(e)
        with torch.cuda.stream(s1): conv_chain()
        with torch.cuda.stream(s2): mem_chain()
        m.wait_stream(s1); m.wait_stream(s2)
    return conv_chain, mem_chain, serial, parallel


def conv_beside_memory(batch, c, hw, k, elems_m):
    """A convolution chain on one stream beside a chain of memory-bound element-wise kernels on another."""
    conv_chain, mem_chain, serial, parallel = beside_memory_setup(batch, c, hw, k, elems_m)
    with torch.no_grad():
        rec = {"kind": "conv_beside_memory", "batch": batch, "channels": c, "map": hw, "kernel": k, "mem_elements": int(elems_m * 1e6),
               "conv_ms": timed(graph_of(conv_chain).replay), "mem_ms": timed(graph_of(mem_chain).replay),
               "serial_ms": timed(graph_of(serial).replay), "streams2_ms": timed(graph_of(parallel).replay)}
    rec["speedup2"] = rec["serial_ms"] / rec["streams2_ms"]
    return rec


# Cases of conv_beside_memory: batch, channels, map, kernel, millions of elements of the memory-bound chain.
BESIDE_MEMORY = [(8, 256, 28, 3, 50), (32, 256, 28, 3, 200), (32, 256, 56, 3, 200), (8, 128, 56, 3, 100), (1, 256, 14, 3, 10)]


def pairs_grid():
    """(batch, channels, map, kernel) of the chain cases, interleaved so that a budget cut still covers every batch
    and size class."""
    grid = []
    for k in (3, 1):
        for batch in (1, 8, 32, 64):
            for c in (32, 128, 256, 512, 1024):
                for hw in (7, 14, 28, 56, 112):
                    flops = 2 * batch * c * c * k * k * hw * hw
                    if flops > 4e11 or batch * c * hw * hw * 4 > 1.6e9: continue
                    grid.append((batch, c, hw, k))
    grid.sort(key=lambda t: (hash(t) % 7, t))
    return grid


def phase_pairs(deadline):
    for (batch, c, hw, k) in pairs_grid():
        if time.time() > deadline: print("pairs: budget reached", flush=True); break
        try: emit("pairs.jsonl", chains_case(batch, c, hw, k))
        except Exception: traceback.print_exc()
        torch.cuda.empty_cache()
    for args in BESIDE_MEMORY:
        if time.time() > deadline: break
        try: emit("pairs.jsonl", conv_beside_memory(*args))
        except Exception: traceback.print_exc()


# ---------------------------------------------------------------- phase 2: training steps
def train_case(name, batch):
    torch.manual_seed(0)
    model = build(name).to(dev).train()
    x = rand(batch, 3, size_of(name), size_of(name))
    y = torch.randint(0, 1000, (batch,)).to(dev)
    lossf = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, foreach=True)
    gm = torch.fx.symbolic_trace(model)
    br = Branchy(gm)
    interp = Annotated(gm)
    rec = {"model": name, "batch": batch, "mode": "training", "optimizer": "sgd-momentum-foreach", "streams_used": len(br.used),
           "params": sum(p.numel() for p in model.parameters())}

    def step(fwd):
        def f():
            opt.zero_grad(set_to_none=True)
            lossf(fwd(x), y).backward()
            opt.step()
        return f

    def graph_step(fwd):
        s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(3): step(fwd)()
        torch.cuda.current_stream().wait_stream(s); torch.cuda.synchronize()
        g = torch.cuda.CUDAGraph()
        opt.zero_grad(set_to_none=True)
        with torch.cuda.graph(g):
            lossf(fwd(x), y).backward()
            opt.step()
        return g

    # CUDA Graphs first, on the fresh model: an eager step on the default stream first would create AccumulateGrad
    # nodes there, and capture then fails (PyTorch's whole-network capture recipe warms up on a side stream).
    try:
        g = graph_step(gm); rec["serial_graph_ms"] = timed(g.replay, reps=20); del g
    except Exception as e:
        rec["serial_graph_error"] = str(e)[:200]
    try:
        g = graph_step(br); rec["branch_graph_ms"] = timed(g.replay, reps=20); del g
    except Exception as e:
        rec["branch_graph_error"] = str(e)[:200]
    torch.cuda.synchronize()
    rec["serial_eager_ms"] = timed(step(gm), reps=10)
    rec["branch_eager_ms"] = timed(step(br), reps=10)
    rows = profile_kernels(step(lambda t: interp.run(t)), f"train_{name}_b{batch}_serial")
    rec["kernels"] = len(rows); rec["kernel_sum_us"] = sum(r["dur"] for r in rows)
    rec["kernels_by_phase"] = {p: sum(1 for r in rows if r["phase"] == p) for p in ("forward", "backward", "optimizer", "other")}
    rows = profile_kernels(step(br), f"train_{name}_b{batch}_branch")
    rec["branch_streams_seen"] = len(set(r["stream"] for r in rows))
    if "serial_graph_ms" in rec and "branch_graph_ms" in rec:
        rec["branch_speedup_graph"] = rec["serial_graph_ms"] / rec["branch_graph_ms"]
    rec["branch_speedup_eager"] = rec["serial_eager_ms"] / rec["branch_eager_ms"]
    return rec


def phase_training(deadline):
    plan = [(n, b) for b in TRAIN_BATCHES for n in ("resnet50", "googlenet", "inception_v3", "resnet18", "densenet121", "mobilenet_v2", "squeezenet1_0")]
    for name, batch in plan:
        if time.time() > deadline: print("training: budget reached", flush=True); break
        try: emit("training.jsonl", train_case(name, batch))
        except Exception: traceback.print_exc()
        torch.cuda.empty_cache()


# ---------------------------------------------------------------- phase 3: inference of the zoo
def infer_case(name, batch):
    torch.manual_seed(0)
    model = build(name).to(dev).eval()
    x = rand(batch, 3, size_of(name), size_of(name))
    gm = torch.fx.symbolic_trace(model)
    rec = {"model": name, "batch": batch, "mode": "inference"}
    with torch.no_grad():
        rec["serial_graph_ms"] = timed(graph_of(lambda: gm(x)).replay, reps=30)
        br = Branchy(gm)
        rec["streams_used"] = len(br.used)
        rec["branch_graph_ms"] = timed(graph_of(lambda: br(x)).replay, reps=30)
        interp = Annotated(gm)
        rows = profile_kernels(lambda: interp.run(x), f"inf_{name}_b{batch}")
    rec["kernels"] = len(rows); rec["kernel_sum_us"] = sum(r["dur"] for r in rows)
    rec["branch_speedup_graph"] = rec["serial_graph_ms"] / rec["branch_graph_ms"]
    return rec


def phase_inference(deadline):
    nets = ["alexnet", "vgg16", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "googlenet", "inception_v3",
            "densenet121", "squeezenet1_0", "mobilenet_v2"]
    plan = [(n, b) for b in INFER_BATCHES for n in nets]
    for name, batch in plan:
        if time.time() > deadline: print("inference: budget reached", flush=True); break
        try: emit("inference.jsonl", infer_case(name, batch))
        except Exception: traceback.print_exc()
        torch.cuda.empty_cache()


# ---------------------------------------------------------------- phase 4: op sweeps, forward and backward
def sweep_op(kind, batch, c, hw, make):
    """make() returns (forward fn, backward fn); each is profiled once after warm-up, kernel by kernel."""
    fwd, bwd = make()
    for _ in range(3): fwd(); bwd()
    torch.cuda.synchronize()
    case = f"{kind}_b{batch}_c{c}_m{hw}"
    rows = profile_kernels(lambda: (fwd(), torch.cuda.synchronize(), bwd()), case)
    # Forward kernels are launched from this thread; backward ones from autograd's: split by phase label.
    f = [r for r in rows if r["phase"] == "case"]
    b = [r for r in rows if r["phase"] != "case"]
    return {"kind": kind, "batch": batch, "channels": c, "map": hw,
            "forward": [[r["name"][:60], r["grid"], r["block"], r["dur"]] for r in f],
            "backward": [[r["name"][:60], r["grid"], r["block"], r["dur"]] for r in b]}


def make_layer(build, batch, c, hw):
    """A sweep case: build() makes the module; forward is labelled for the profiler, backward feeds ones."""
    def make():
        m = build()
        x = rand(batch, c, hw, hw, grad=True)
        st = {}
        def fwd():
            with torch.profiler.record_function("case::fwd"): st["y"] = m(x)
        def bwd(): st["y"].backward(torch.ones_like(st["y"]))
        return fwd, bwd
    return make


def make_depthwise(batch, c, hw, stride):
    return make_layer(lambda: torch.nn.Conv2d(c, c, 3, stride=stride, padding=1, groups=c, bias=False).to(dev), batch, c, hw)


def make_bn(batch, c, hw):
    return make_layer(lambda: torch.nn.BatchNorm2d(c).to(dev).train(), batch, c, hw)


def make_pool(batch, c, hw, kind):
    return make_layer(lambda: torch.nn.MaxPool2d(3, 2, 1) if kind == "maxpool" else torch.nn.AvgPool2d(3, 1, 1), batch, c, hw)


def phase_sweeps(deadline):
    plan = []
    for batch in (1, 8, 32, 64):
        for c, hw in ((32, 112), (96, 112), (144, 56), (192, 28), (384, 14), (576, 14), (960, 7)):
            plan.append(("depthwise_s1", batch, c, hw, make_depthwise(batch, c, hw, 1)))
            plan.append(("depthwise_s2", batch, c, hw, make_depthwise(batch, c, hw, 2)))
        for c, hw in ((64, 112), (64, 56), (256, 56), (128, 28), (512, 28), (1024, 14), (2048, 7)):
            plan.append(("batchnorm", batch, c, hw, make_bn(batch, c, hw)))
        for c, hw in ((64, 112), (192, 56), (480, 28), (832, 14)):
            plan.append(("maxpool", batch, c, hw, make_pool(batch, c, hw, "maxpool")))
            plan.append(("avgpool", batch, c, hw, make_pool(batch, c, hw, "avgpool")))
    for kind, batch, c, hw, make in plan:
        if time.time() > deadline: print("sweeps: budget reached", flush=True); break
        try: emit("sweeps.jsonl", sweep_op(kind, batch, c, hw, make))
        except Exception: traceback.print_exc()


def main():
    """Runs the phases asked for on the command line, sharing the time budget."""
    os.makedirs(OUT, exist_ok=True)
    env = {"gpu": torch.cuda.get_device_name(0), "sm_count": torch.cuda.get_device_properties(0).multi_processor_count,
           "torch": torch.__version__, "torchvision": torchvision.__version__, "cuda": torch.version.cuda,
           "cudnn": torch.backends.cudnn.version(), "budget_s": BUDGET}
    json.dump(env, open(f"{OUT}/env.json", "w"))
    print(env, flush=True)
    # Budget shares by phase (of those asked for): concurrency grid 3, training 4, inference 2.5, sweeps 1.5.
    shares = {"pairs": 3, "training": 4, "inference": 2.5, "sweeps": 1.5}
    total, used = sum(shares[p] for p in PHASES), 0.0
    for name, fn in (("pairs", phase_pairs), ("training", phase_training), ("inference", phase_inference), ("sweeps", phase_sweeps)):
        if name in PHASES:
            used += shares[name]
            fn(T0 + used / total * BUDGET)
    env["wall_s"] = time.time() - T0
    json.dump(env, open(f"{OUT}/env.json", "w"))
    print("done in", env["wall_s"], "s", flush=True)


if __name__ == "__main__":
    main()
