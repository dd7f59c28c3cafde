"""Layer-norm kernels: measured on the H200 against convtop's simulation, shape by shape.

PyTorch's `vectorized_layer_norm_kernel` takes one 128-thread block per row. The profiles of ConvNeXt-T, Swin-T,
Swin-V2-T, MaxViT-T and ViT-B/16 at batch 1 and 32 (Assets/onnx/measured/kernels.jsonl.gz) show it latency-bound; the
fixed time per block in Sources/ConvtopCore/Lowering/TensorOpLowering.swift (`layerNormBlockLatencyUs`) is set so
that the median of simulated over measured time is near 1. Run from the repository root after `swift build -c release`:
    python3 Assets/onnx/layer_norm_times.py
It prints, per network, batch and row count, the median measured and simulated kernel time and their ratio.
"""
from kernel_times import compare, measured

compare(["swin_t", "convnext_tiny", "vit_b_16", "swin_v2_t", "maxvit_t"], measured(lambda r: "vectorized_layer_norm" in r["name"]),
        lambda k: k == "vectorized_layer_norm_kernel", "rows", 14)
