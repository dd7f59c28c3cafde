"""Reduction kernels (`reduce_kernel`, 512-thread blocks): measured on the H200 against convtop's simulation.

PyTorch reduces a tensor's inner dimensions (F.normalize's norm, a mean over the spatial dimensions for global
average pooling or squeeze-excitation) with `reduce_kernel<512, 1>`: 16 outputs to a block of 32 x 16 threads, four
blocks to an SM. With a few dozen values per output, a block's load-shuffle-store chain is latency, not bandwidth: the
profiles of the ONNX corpus (Assets/onnx/measured/kernels.jsonl.gz) show 2.3-2.6 us per wave of 528 blocks from
3,000 blocks up. The fixed time per block in Sources/ConvtopCore/Lowering/TensorOpLowering.swift
(`reduceBlockLatencyUs`) is set so that the median of simulated over measured time is near 1. Run from the
repository root after `swift build -c release`:
    python3 Assets/onnx/reduce_times.py
It prints, per network, batch and grid, the median measured and simulated kernel time and their ratio.
"""
from kernel_times import compare, measured

NETS = ["swin_v2_t", "resnet50", "efficientnet_b0", "efficientnet_v2_s", "mobilenet_v3_large", "densenet121", "googlenet",
        "shufflenet_v2_x1_0", "mnasnet1_0", "regnet_y_400mf", "inception_v3", "maxvit_t", "mobilenet_v2", "squeezenet1_1"]
compare(NETS, measured(lambda r: "reduce_kernel<512" in r["name"] and r["block"][0] * r["block"][1] == 512),
        lambda k: k.startswith("reduce_kernel"), "grid", 18, priced=True)
