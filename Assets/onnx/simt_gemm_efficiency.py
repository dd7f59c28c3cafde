"""FP32 SIMT GEMM efficiency (cuBLAS sm80_xmma_gemm_f32f32 kernels) from the H200 profiles of ViT-B/16 and ConvNeXt-T.

PyTorch runs fp32 matrix products without TF32 by default, on cuBLAS's CUDA-core GEMM kernels. Their problem sizes are
known from the networks' definitions (rows M = batch × tokens, N and K from the layer widths), so each profiled
kernel's achieved fraction of FP32 peak is 2·M·N·K / (duration × peak). That whole-kernel figure already contains the
tail wave and each tile's prologue and epilogue, which convtop's timing model adds itself (waves of blocks, the GEMM
block overhead). So `efficiency.simt_gemm` is the rate of a busy SM instead: the value at which convtop, simulating
the same two networks with its own kernels (`--kernels model`), gives these layers their measured times (the median
of simulated over measured kernel time is 1).

Run from the repository root after `swift build -c release`:
    python3 Assets/onnx/simt_gemm_efficiency.py
It prints the whole-kernel efficiencies, then the simulated/measured ratio per candidate value and the chosen one.
"""
import gzip, json, os, statistics, subprocess, tempfile

PEAK = 66.9e12  # H200 FP32 (Assets/gpus/h200.json fp32_tflops)
BIN = ".build/release/convtop"
# case → {grid: (M, N, K)}; only grids that identify one layer.
SHAPES = {
    "inf_vit_b_16_b32": {(25, 36, 1): (32 * 197, 2304, 768), (50, 24, 1): (32 * 197, 3072, 768)},
    "inf_convnext_tiny_b32": {(1568, 3, 1): (100352, 384, 96), (784, 1, 1): (100352, 96, 384), (392, 6, 1): (25088, 768, 192),
                              (392, 3, 1): (25088, 192, 768), (49, 24, 1): (6272, 1536, 384), (98, 6, 1): (6272, 384, 1536),
                              (25, 48, 1): (1568, 3072, 768), (25, 12, 1): (1568, 768, 3072)},
}
measured = {}  # (network, M, N, K) -> durations (µs)
for line in gzip.open("Assets/onnx/measured/kernels.jsonl.gz", "rt"):
    r = json.loads(line)
    shape = SHAPES.get(r["case"], {}).get(tuple(r["grid"]))
    if shape is None or "xmma_gemm_f32f32" not in r["name"] or r["dur"] <= 0:
        continue
    net = r["case"][len("inf_"):-len("_b32")]
    measured.setdefault((net, *shape), []).append(r["dur"])
effs = []
for (net, m, n, k), durs in sorted(measured.items()):
    e = [2 * m * n * k / (d * 1e-6) / PEAK for d in durs]
    effs += e
    print(f"{net:14s} M={m:6d} N={n:5d} K={k:5d}  {len(durs):2d} kernels, median {statistics.median(durs):8.1f} us, "
          f"{statistics.median(e):.3f} of FP32 peak")
print(f"whole-kernel efficiency: median {statistics.median(effs):.3f} over {len(effs)} kernels "
      f"(min {min(effs):.3f}, max {max(effs):.3f})")


def simulated(profile):
    """Simulated duration (µs) of each measured layer: convtop's kernel whose FLOPs match 2·M·N·K within 3% (tiles pad M)."""
    out = {}
    for net in ("vit_b_16", "convnext_tiny"):
        trace = os.path.join(tempfile.mkdtemp(), "t.json")
        subprocess.run([BIN, "trace", f"Assets/onnx/exported/{net}__ts17.onnx.gz", "--gpu", profile, "--batch", "32",
                        "--policy", "serial", "--kernels", "model", "--output", trace], check=True, capture_output=True)
        kernels = [e for e in json.load(open(trace))["traceEvents"] if e.get("cat") == "kernel"
                   and e["args"].get("class") == "simt_gemm"]
        for (nm, m, n, k) in measured:
            if nm != net:
                continue
            f = 2 * m * n * k
            durs = [e["dur"] for e in kernels if abs(e["args"]["flops"] / f - 1) < 0.03]
            if durs:
                out[(nm, m, n, k)] = statistics.median(durs)
    return out


base = json.load(open("Assets/gpus/h200.json"))
best = None
folder = tempfile.mkdtemp()
for step in range(0, 41):
    value = round(0.55 + 0.01 * step, 2)
    profile = dict(base, efficiency=dict(base["efficiency"], simt_gemm=value))
    path = os.path.join(folder, "h200.json")
    json.dump(profile, open(path, "w"))
    sim = simulated(path)
    ratios = []
    for key, durs in measured.items():
        if key in sim:
            ratios += [sim[key] / d for d in durs]
    mid = statistics.median(ratios)
    print(f"simt_gemm {value:.2f}: simulated / measured median {mid:.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f}) over {len(ratios)} kernels")
    if best is None or abs(mid - 1) < abs(best[1] - 1):
        best = (value, mid)
print(f"chosen efficiency.simt_gemm {best[0]:.2f} (simulated / measured median {best[1]:.3f})")
