#!/usr/bin/env python3
"""A convtop-level fuzzing campaign: generated hostile inputs of every class, run through the release binary.

    swift build -c release && python3 Tests/fuzz/campaign.py [N] [SEED]

N inputs (default 10000) are spread over graph files, ONNX models (mutated fixtures), profiler traces (mutated
fixture), session recordings, GPU profiles and command-line values. Every run must end by itself within 20 s,
without a signal (no trap, no crash), under 1 GiB of resident memory, with exit code 0 or 2 and, on 2, exactly one
line on stderr. Inputs that break a rule are kept in OUT (default /tmp/convtop-fuzz) with the command; the script
prints a summary and exits 1 if any rule was broken. Deterministic for a given SEED.
"""
import gzip, json, os, random, subprocess, sys, time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 1
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, ".build", "release", "convtop")
OUT = os.environ.get("CONVTOP_FUZZ_OUT", "/tmp/convtop-fuzz")
FIX = os.path.join(ROOT, "Tests", "ConvtopCoreTests", "Fixtures")
os.makedirs(OUT, exist_ok=True)
rng = random.Random(SEED)
HOSTILE = [0, -1, 1, 2, 3, 7, 255, 256, 257, 1025, 1 << 20, (1 << 20) + 1, 1 << 31, 1 << 40, 1 << 62, 2 ** 63 - 1, 2 ** 64]

def hv():
    return rng.choice(HOSTILE) if rng.random() < 0.4 else rng.randint(1, 16)

def graph_file():
    nodes, last = [], "x"
    for i in range(rng.randint(1, 6)):
        op = rng.choice(["conv", "conv", "maxpool", "avgpool", "linear", "adaptive_avgpool", "concat", "add", "relu", "batchnorm", "flatten", "bogus"])
        n = {"name": f"n{i}", "op": op, "inputs": [last] if op not in ("concat", "add") else [last, last]}
        for k in ["out_channels", "kernel", "stride", "padding", "dilation", "groups", "out_features", "output_size"]:
            if rng.random() < 0.5: n[k] = hv() if rng.random() < 0.9 else [hv(), hv()]
        nodes.append(n); last = n["name"]
    g = {"inputs": [{"name": "x", "shape": [hv() for _ in range(rng.choice([2, 4, 4, 3]))]}], "nodes": nodes}
    if rng.random() < 0.1: g["version"] = hv()
    return json.dumps(g).encode(), ".json"

def mutate(data, flips):
    b = bytearray(data)
    for _ in range(flips):
        kind = rng.random()
        if kind < 0.4 and b: b[rng.randrange(len(b))] = rng.randrange(256)
        elif kind < 0.6 and len(b) > 4:
            at = rng.randrange(len(b) - 4); b[at:at + 4] = bytes(rng.randrange(256) for _ in range(4))
        elif kind < 0.8 and b: del b[rng.randrange(len(b)):]
        else:
            at = rng.randrange(len(b) + 1); b[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return bytes(b)

ONNX = [open(os.path.join(FIX, f), "rb").read() for f in ("squeezenet1_0.onnx", "mobilenet_v2.onnx")]
TRACE = gzip.open(os.path.join(FIX, "pytorch_profiler_googlenet_b1_h200.json.gz")).read()
GPU = json.load(open(os.path.join(ROOT, "Assets", "gpus", "h200.json")))

def onnx_file(): return mutate(rng.choice(ONNX), rng.randint(1, 4)), ".onnx"

def trace_file():
    if rng.random() < 0.5:
        data = mutate(TRACE, rng.randint(1, 6))
    else:
        t = TRACE.decode()
        for key in ["grid", "block", "registers per thread", "shared memory", "dur", "ts", "stream", "correlation"]:
            if rng.random() < 0.3: t = t.replace(f'"{key}": ', f'"{key}": {rng.choice(HOSTILE)}, "x{key}": ', 3)
        data = t.encode()
    if rng.random() < 0.3: data = gzip.compress(data)
    return data, ".json" if not data.startswith(b"\x1f\x8b") else ".json.gz"

def gpu_file():
    g = json.loads(json.dumps(GPU))
    for _ in range(rng.randint(1, 4)):
        k = rng.choice(list(g.keys()))
        g[k] = rng.choice([hv(), -hv(), 1e-300, 1e300, "x", None, [], 0.5, [rng.choice([0, hv(), -hv()]) for _ in range(rng.randint(1, 3))]])
    return json.dumps(g).encode(), ".json"

def session_file():
    header = {"type": "header", "format": "convtop-session", "version": rng.choice([1, 1, 1, 2, 0, -1]), "convtop": "0.1.0",
              "scenario": {"model": rng.choice(["googlenet", "resnet18", "nasnet:cells=1", "synthetic:ops=50", "/etc/passwd", "pathnet"]),
                           "gpu": rng.choice(["h100", "h200", "t4", "zz"]), "batch": hv(), "mode": rng.choice(["inference", "training", "x"]),
                           "policy": "branch", "streams": hv(), "launch": "graph", "precision": "tf32", "optimizer": "sgd-foreach", "seed": 0},
              "terminal": {"width": 80, "height": 24}, "start_time": 0, "traces": False}
    lines = [json.dumps(header)]
    for i in range(rng.randint(0, 3)):
        lines.append(json.dumps({"type": "iteration", "t": 0.1 * i, "iteration": rng.choice([i, -1, 2 ** 62]), "config": header["scenario"],
                                 "metrics": {"iteration_ms": 1.0}}))
    data = ("\r\n" if rng.random() < 0.2 else "\n").join(lines).encode()
    return mutate(data, rng.randint(0, 2)), ".jsonl"

def cli_args():
    opts = ["--batch", "--streams", "--connections", "--seed", "--policy", "--mode", "--launch", "--precision", "--gpu", "--iterations"]
    args = [rng.choice(["simulate", "compare", "models", "explain", "trace"]), rng.choice(["googlenet", "squeezenet1_0", "resnet18", "pathnet:L=2", "nasnet:cells=999", "synthetic:ops=99999999", "", "x:y=z"])]
    for _ in range(rng.randint(0, 3)):
        args += [rng.choice(opts), str(rng.choice(HOSTILE + ["-5", "abc", "", "1e9", "h100", "serial", "\x1b[31m"]))]
    if args[0] == "trace": args += ["-o", rng.choice(["-", "/dev/null", OUT + "/o.json", "/nonexistent/o.json"])] + (["--force"] if rng.random() < 0.5 else [])
    return args

CLASSES = [("graph", graph_file, ["models"]), ("onnx", onnx_file, ["models"]), ("trace", trace_file, ["import"]),
           ("gpu", gpu_file, None), ("session", session_file, ["replay", "--headless"]), ("cli", None, None)]

def run(args):
    t0 = time.time()
    try:
        p = subprocess.run(["/usr/bin/time", "-f", "%M", BIN] + args, capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return "hang", None, time.time() - t0
    err = p.stderr.decode(errors="replace").rstrip("\n").split("\n")
    rss = int(err[-1]) if err and err[-1].isdigit() else 0
    signalled = any(l.startswith("Command terminated by signal") for l in err)
    err = [l for l in err[:-1] if not l.startswith("Command ")]  # /usr/bin/time's own lines
    if signalled or p.returncode > 2 or p.returncode < 0:
        return f"exit {p.returncode}" + (" (signal)" if signalled else ""), err[:3], rss
    if rss > 1024 * 1024: return f"memory {rss // 1024} MB", err[:1], rss
    if p.returncode == 2 and len([l for l in err if l]) != 1: return "not one line", err[:3], rss
    return None, None, rss

bad, counts, peak = [], {}, 0
t_start = time.time()
for i in range(N):
    name, make, cmd = CLASSES[i % len(CLASSES)]
    if name == "cli":
        args = cli_args()
    else:
        data, ext = make()
        path = os.path.join(OUT, f"in{ext}")
        open(path, "wb").write(data)
        args = (cmd + [path]) if cmd else ["simulate", "googlenet", "--gpu", path]
    problem, detail, rss = run(args)
    peak = max(peak, rss or 0)
    counts[name] = counts.get(name, 0) + 1
    if problem:
        keep = os.path.join(OUT, f"bad{len(bad)}")
        os.makedirs(keep, exist_ok=True)
        if name != "cli": os.replace(path, os.path.join(keep, os.path.basename(path)))
        json.dump({"class": name, "args": args, "problem": problem, "stderr": detail}, open(os.path.join(keep, "case.json"), "w"))
        bad.append((name, problem))
    if (i + 1) % 500 == 0:
        print(f"{i + 1}/{N} inputs, {len(bad)} broken rules, peak {peak // 1024} MB, {time.time() - t_start:.0f} s", flush=True)
print(f"{N} inputs ({', '.join(f'{k} {v}' for k, v in counts.items())}): {len(bad)} broken rules; peak memory {peak // 1024} MB; {time.time() - t_start:.0f} s")
for name, problem in bad[:20]: print("  ", name, problem)
sys.exit(1 if bad else 0)
