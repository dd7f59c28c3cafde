#!/usr/bin/env python3
"""Round 18: torchvision networks that no earlier set holds, at batch sizes and input sizes nobody fitted, both exporters.

Run on a machine with an NVIDIA GPU, PyTorch, torchvision, onnx and onnxscript:
    python3 Assets/calibration/measure_new_networks.py OUTDIR [SECONDS]
A held-out set in round 7's format (measure_other_shapes.py, whose export and timing code this reuses): DenseNet-161
and -201, ResNeXt-101, Wide-ResNet-101-2, EfficientNet-B2/B4/V2-M, RegNet-X-1.6GF and -Y-3.2GF, ShuffleNet-v2 0.5
and 1.5, MNASNet 1.3, ConvNeXt-S, Swin-S, VGG-19-BN, the MobileNet-v3 segmenters (LR-ASPP, DeepLabv3), and the
branchy GoogLeNet and Inception-v3 at input sizes no set had. Writes, as it goes (a killed run keeps what it wrote):
  exported/NAME_SIZE__ts17.onnx.gz  TorchScript exporter, opset 17, batch 1, no weights
  exported/NAME_SIZE__dyn.onnx.gz   the dynamo exporter (optimize=True; external weights dropped), where listed
  exports.jsonl   one line per export (ok or the error)
  runs.jsonl      per case: network, input size, batch, mode, serial CUDA Graph replay ms, branch-rule (8 streams,
                  Opara's rule, measure_round2.Branchy) replay ms where torch.fx traces the network, kernel count and
                  sum (every case timed, then profiled once, in one process: the first is timed before any profiler run)
  kernels.jsonl.gz every profiled kernel (measure_round2.py's rows)
  env.json        driver, clocks, versions, wall time
Precision: fp32 tensors, TF32 convolutions, cudnn.benchmark off (PyTorch's defaults), as in every earlier round.
`convtop validate` simulates each case from each export ("Round 18") and fits nothing on it.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import measure_other_shapes as mos  # noqa: E402  (reads OUTDIR and SECONDS from argv, as this script does)
sys.path.insert(0, os.path.join(HERE, "..", "onnx"))
import export_and_measure as em  # noqa: E402  (its OUT and budget read the same arguments; its main does not run)

# (torchvision network, input size, inference batches, training batch or None)
mos.CASES = [
    ("densenet201", 224, (3, 24), 8),
    ("densenet161", 224, (1, 12), None),
    ("resnext101_32x8d", 224, (2, 16), None),
    ("wide_resnet101_2", 224, (1, 6), None),
    ("efficientnet_b2", 260, (1, 12), 12),
    ("efficientnet_b4", 380, (2, 6), None),
    ("efficientnet_v2_m", 384, (1, 6), None),
    ("regnet_x_1_6gf", 224, (2, 24), 16),
    ("regnet_y_3_2gf", 224, (1, 12), None),
    ("shufflenet_v2_x0_5", 224, (1, 48), 32),
    ("shufflenet_v2_x1_5", 224, (3, 24), None),
    ("mnasnet1_3", 224, (2, 24), 16),
    ("convnext_small", 224, (1, 12), None),
    ("swin_s", 224, (2, 8), None),
    ("vgg19_bn", 224, (1, 12), None),
    ("lraspp_mobilenet_v3_large", 512, (1, 8), None),
    ("deeplabv3_mobilenet_v3_large", 512, (1, 8), None),
    ("googlenet", 160, (3, 24), 24),
    ("inception_v3", 342, (2, 12), None),
]
mos.DYNAMO = {"densenet201_224", "resnext101_32x8d_224", "efficientnet_b2_260", "regnet_x_1_6gf_224",
              "shufflenet_v2_x0_5_224", "convnext_small_224", "swin_s_224", "googlenet_160",
              "lraspp_mobilenet_v3_large_512"}
SEGMENTERS = {"lraspp_mobilenet_v3_large", "deeplabv3_mobilenet_v3_large"}
classify = mos.build


def build(name):
    """round 7's builder, plus the segmenters (export_and_measure.segmenter: the output dict's "out" map)."""
    return em.segmenter(name) if name in SEGMENTERS else classify(name)


mos.build = build  # (module level, so that the spawned export workers build the segmenters too)

if __name__ == "__main__":
    mos.measure_with_exports(lambda: mos.gpu_phase(mos.T0 + mos.BUDGET * 0.85))
