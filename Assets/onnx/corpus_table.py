"""Prints the README's ONNX corpus table: each network's exports imported by convtop, against PyTorch's counts.

Run from the repository root after `swift build -c release`:
    python3 Assets/onnx/corpus_table.py
Columns: which exports import (ts17, ts13dyn = opset 13 with a symbolic batch, dyn = the dynamo exporter at opset
20); parameters (PyTorch's, and convtop's from the ts17 and dyn files); MACs against torch.utils.flop_counter
(ViT: a hand count, the counter misses its inference fast path); kernels at batch 1 (convtop's lowering of the
ts17 file, and the H200 profile); serial CUDA Graph time at batch 1 and 32 (measured in PyTorch, simulated from ts17).
"""
import json, subprocess

BIN = ".build/release/convtop"
nets = {}
for line in open("Assets/onnx/measured/networks.jsonl"):
    r = json.loads(line)
    nets[r["network"]] = r


def run(*args):
    p = subprocess.run([BIN, *args], capture_output=True, text=True)
    return json.loads(p.stdout) if p.returncode == 0 else None


print("| network | imports | params PyTorch | convtop ts17 / dyn | MACs vs counter | kernels b1 convtop / profiled | serial b1 meas → sim ms | serial b32 meas → sim ms |")
print("|---|---|---|---|---|---|---|---|")
for name, r in nets.items():
    f = lambda v: f"Assets/onnx/exported/{name}__{v}.onnx.gz"
    ok = [v for v in ("ts17", "ts13dyn", "dyn") if run("models", f(v), "--json")]
    ts = run("models", f("ts17"), "--json", "--gpu", "h200")
    dyn = run("models", f("dyn"), "--json")
    macs = 17_563_828_224 if name == "vit_b_16" else r["macs_flop_counter"]
    serial = []
    for b in (1, 32):
        s = run("simulate", f("ts17"), "--gpu", "h200", "--policy", "serial", "--batch", str(b), "--json")
        serial.append(f"{r[f'serial_graph_ms_b{b}']:.2f} → {s['iteration_ms']:.2f}" if s else "–")
    print(f"| {name} | {' '.join(ok)} | {r['params']:,} | {ts['parameters']:,} / {dyn['parameters']:,} | "
          f"{100 * (ts['forward_macs'] / macs - 1):+.1f}% | {ts['kernels']} / {r['kernels_b1']} | {serial[0]} | {serial[1]} |")
