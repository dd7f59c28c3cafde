#!/usr/bin/env python3
"""Round 24: larger and newer torchvision networks than any earlier set holds, at batch and input sizes nobody
fitted, both exporters: held out of everything, measured in session 21.

Run on a machine with an NVIDIA GPU, PyTorch, torchvision, onnx and onnxscript:
    python3 Assets/calibration/measure_large_networks.py OUTDIR [SECONDS]
Round 18's script with other cases (measure_new_networks.py: round 7's export and timing code, the segmenters'
wrapper): ResNet-101 and -152, ResNeXt-101 64x4d, ConvNeXt-B, Swin-B, Swin-V2-S, ViT-L/16, RegNet-X-8GF and
-Y-16GF, EfficientNet-B6 and V2-L at their large inputs, DenseNet-169, VGG-16, ShuffleNet-v2 2.0, MNASNet 0.75 and
MobileNet-v3-Large at new sizes. Writes what round 18 writes: exported/, exports.jsonl, runs.jsonl,
kernels.jsonl.gz, env.json.
Precision: fp32 tensors, TF32 convolutions, cudnn.benchmark off (PyTorch's defaults), as in every earlier round.
`convtop validate` simulates each case from each export ("Round 24") and fits nothing on it.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import measure_new_networks as mnn  # noqa: E402  (sets round 18's builder, with the segmenters, on measure_other_shapes)

mos = mnn.mos
# (torchvision network, input size, inference batches, training batch or None)
mos.CASES = [
    ("resnet152", 224, (2, 16), 8),
    ("resnet101", 256, (1, 12), None),
    ("resnext101_64x4d", 224, (1, 8), None),
    ("convnext_base", 224, (1, 8), None),
    ("swin_b", 224, (1, 6), None),
    ("swin_v2_s", 256, (2, 4), None),
    ("vit_l_16", 224, (1, 8), None),
    ("regnet_y_16gf", 224, (2, 12), None),
    ("regnet_x_8gf", 224, (1, 16), 8),
    ("efficientnet_b6", 528, (1, 4), None),
    ("efficientnet_v2_l", 480, (1, 4), None),
    ("densenet169", 288, (2, 10), None),
    ("vgg16", 192, (4, 24), None),
    ("shufflenet_v2_x2_0", 288, (1, 40), None),
    ("mnasnet0_75", 224, (3, 32), 16),
    ("mobilenet_v3_large", 320, (2, 20), 16),
]
mos.DYNAMO = {"resnet152_224", "convnext_base_224", "swin_v2_s_256", "vit_l_16_224", "regnet_y_16gf_224",
              "efficientnet_v2_l_480", "mnasnet0_75_224"}

if __name__ == "__main__":
    mos.measure_with_exports(lambda: mos.gpu_phase(mos.T0 + mos.BUDGET * 0.85))
