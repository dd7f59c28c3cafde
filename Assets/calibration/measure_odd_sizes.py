#!/usr/bin/env python3
"""Round 20: known torchvision networks at input sizes that are not multiples of 32 and at odd batch sizes, both
exporters: the held-out check of session 19's neighbour scale and vector-alignment classes, measured after them.

Run on a machine with an NVIDIA GPU, PyTorch, torchvision, onnx and onnxscript:
    python3 Assets/calibration/measure_odd_sizes.py OUTDIR [SECONDS]
Round 18's script with other cases (measure_new_networks.py: round 7's export and timing code, the segmenters'
wrapper). Input sizes of 176-416 px give feature maps such as 9×9, 13×13, 25×25 and 51×51, whose 1×1 convolutions
have positions that are not multiples of 4; batch sizes 3-60 are mostly not powers of two. Writes what round 18
writes: exported/, exports.jsonl, runs.jsonl, kernels.jsonl.gz, env.json.
Precision: fp32 tensors, TF32 convolutions, cudnn.benchmark off (PyTorch's defaults), as in every earlier round.
`convtop validate` simulates each case from each export ("Round 20") and fits nothing on it.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import measure_new_networks as mnn  # noqa: E402  (sets round 18's builder, with the segmenters, on measure_other_shapes)

mos = mnn.mos
# (torchvision network, input size, inference batches, training batch or None)
mos.CASES = [
    ("resnet50", 288, (5, 20), 10),
    ("resnet18", 416, (3, 12), None),
    ("densenet121", 200, (7, 28), None),
    ("mobilenet_v2", 256, (10, 40), 24),
    ("efficientnet_b0", 300, (3, 18), None),
    ("regnet_y_1_6gf", 224, (6, 36), None),
    ("googlenet", 256, (5, 20), 12),
    ("inception_v3", 320, (3, 10), None),
    ("vgg11", 176, (9, 30), None),
    ("squeezenet1_1", 300, (20, 52), None),
    ("convnext_tiny", 256, (3, 10), None),
    ("shufflenet_v2_x1_0", 256, (7, 40), None),
    ("mobilenet_v3_small", 288, (6, 60), None),
    ("resnext50_32x4d", 176, (7, 28), 14),
    ("wide_resnet50_2", 208, (5, 15), None),
    ("fcn_resnet50", 400, (1, 3), None),
]
mos.DYNAMO = {"resnet50_288", "densenet121_200", "mobilenet_v2_256", "googlenet_256", "regnet_y_1_6gf_224",
              "convnext_tiny_256", "resnext50_32x4d_176"}
mnn.SEGMENTERS.add("fcn_resnet50")

if __name__ == "__main__":
    mos.measure_with_exports(lambda: mos.gpu_phase(mos.T0 + mos.BUDGET * 0.85))
