"""Layer-norm kernels: measured on the H200 against convtop's simulation, shape by shape.

PyTorch's `vectorized_layer_norm_kernel` takes one 128-thread block per row. The profiles of ConvNeXt-T, Swin-T,
Swin-V2-T, MaxViT-T and ViT-B/16 at batch 1 and 32 (Assets/onnx/measured/kernels.jsonl.gz) show it latency-bound; the
fixed time per block in Sources/ConvtopCore/Lowering/TensorOpLowering.swift (`layerNormBlockLatencyUs`) is set so
that the median of simulated over measured time is near 1. Run from the repository root after `swift build -c release`:
    python3 Assets/onnx/layer_norm_times.py
It prints, per network, batch and row count, the median measured and simulated kernel time and their ratio.
"""
import statistics

from kernel_times import measured as measured_times, simulated as simulated_times

measured = measured_times(lambda r: "vectorized_layer_norm" in r["name"])
ratios = []
for net in ["swin_t", "convnext_tiny", "vit_b_16", "swin_v2_t", "maxvit_t"]:
    for batch in [1, 32]:
        simulated = simulated_times(net, batch, lambda k: k == "vectorized_layer_norm_kernel")
        for rows, durs in sorted(simulated.items()):
            m = measured.get((f"inf_{net}_b{batch}", rows))
            if not m:
                continue
            meas, sim = statistics.median(m), statistics.median(d for d, _ in durs)
            ratios.append(sim / meas)
            print(f"{net:14s} b{batch:<3d} rows {rows:6d}  measured {meas:7.2f} us  simulated {sim:7.2f} us  ratio {sim / meas:.2f}")
print(f"simulated / measured: median {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f}) over {len(ratios)} shapes")
