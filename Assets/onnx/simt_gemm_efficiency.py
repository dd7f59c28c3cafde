"""FP32 SIMT GEMM efficiency (cuBLAS sm80_xmma_gemm_f32f32 kernels) from the H200 profiles of ViT-B/16 and ConvNeXt-T.

PyTorch runs fp32 matrix products without TF32 by default, on cuBLAS's CUDA-core GEMM kernels. Their problem sizes are
known from the networks' definitions (rows M = batch × tokens, N and K from the layer widths), so each profiled
kernel's achieved fraction of FP32 peak is 2·M·N·K / (duration × peak). Run from the repository root:
    python3 Assets/onnx/simt_gemm_efficiency.py
It prints every matched kernel and the median, the value of `efficiency.simt_gemm` in Assets/gpus/*.json.
"""
import gzip, json, statistics

PEAK = 66.9e12  # H200 FP32 (Assets/gpus/h200.json fp32_tflops)
# case → {grid: (M, N, K)}; only grids that identify one layer.
SHAPES = {
    "inf_vit_b_16_b32": {(25, 36, 1): (32 * 197, 2304, 768), (50, 24, 1): (32 * 197, 3072, 768)},
    "inf_convnext_tiny_b32": {(1568, 3, 1): (100352, 384, 96), (784, 1, 1): (100352, 96, 384), (392, 6, 1): (25088, 768, 192),
                              (392, 3, 1): (25088, 192, 768), (49, 24, 1): (6272, 1536, 384), (98, 6, 1): (6272, 384, 1536),
                              (25, 48, 1): (1568, 3072, 768), (25, 12, 1): (1568, 768, 3072)},
}
effs = []
for line in gzip.open("Assets/onnx/measured/kernels.jsonl.gz", "rt"):
    r = json.loads(line)
    shape = SHAPES.get(r["case"], {}).get(tuple(r["grid"]))
    if shape is None or "xmma_gemm_f32f32" not in r["name"] or r["dur"] <= 0:
        continue
    m, n, k = shape
    e = 2 * m * n * k / (r["dur"] * 1e-6) / PEAK
    effs.append(e)
    print(f"{r['case']:24s} grid {tuple(r['grid'])!s:14s} M={m} N={n} K={k}  {r['dur']:8.1f} us  {e:.3f} of FP32 peak")
print(f"median {statistics.median(effs):.3f} over {len(effs)} kernels (min {min(effs):.3f}, max {max(effs):.3f})")
