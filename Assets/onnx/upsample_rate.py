#!/usr/bin/env python3
"""The rate of PyTorch's bilinear upsampling kernel, fitted on the ONNX corpus's profiles and checked on new batches.

    python3 Assets/onnx/upsample_rate.py

`upsample_bilinear2d_out_frame` (NCHW) gives each thread one output pixel and loops it over every image and channel:
ceil(H_out x W_out / 1024) blocks of 1024 threads, whatever the batch. FCN-ResNet50 and DeepLabv3-ResNet50 at 512 px
run it twice: DeepLabv3's ASPP pooling branch, 256 channels from 1x1 to 64x64 (4 blocks: four SMs stream 268 MB at
batch 64), and both networks' head, 21 classes from 64x64 to 512x512 (256 blocks). convtop prices the kernel as
memory-bound at a share of the DRAM bandwidth, with the timing model's per-SM cap (4x an SM's fair share of the chip
rate), its L2 boost (1.2 where the bytes fit half the L2) and the kernel latency (0.814 us), as it does the strided
element-wise loop. The share is the median of the four launch shapes of the corpus's profiles at batch 1 and 32
(Assets/onnx/measured/kernels.jsonl.gz); the corpus at batch 4, 16 and 64 (Assets/onnx/measured/batches/) is the
held-out check.
"""
import gzip, json, os, statistics

HERE = os.path.dirname(os.path.abspath(__file__))
DRAM, SMS, BURST, L2, BOOST, LATENCY = 4.8e12, 132, 4.0, 62914560, 1.2, 0.814


def shape(grid, batch):
    """Bytes moved (output + input) and blocks of the two launches: the head (256 blocks) and ASPP's (4 blocks)."""
    if grid == 256: return batch * 21 * (512 * 512 + 64 * 64) * 4, 256
    return batch * 256 * (64 * 64 + 1) * 4, 4


def predicted(nbytes, blocks, share):
    chip = share * DRAM * (BOOST if nbytes <= L2 / 2 else 1.0)
    rate = min(chip, min(blocks, SMS) * chip / SMS * BURST)
    return nbytes / rate * 1e6 + LATENCY


def launches(path):
    out = {}
    for line in gzip.open(os.path.join(HERE, "measured", path), "rt"):
        r = json.loads(line)
        if "upsample_bilinear2d_out_frame" not in r["name"]: continue
        batch = int(r["case"].rsplit("_b", 1)[1])
        out.setdefault((r["case"].split("_")[1], r["grid"][0], batch), []).append(r["dur"])
    return {k: statistics.median(v) for k, v in out.items()}


def share_for(nbytes, blocks, us):
    lo, hi = 0.01, 2.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if predicted(nbytes, blocks, mid) > us else (lo, mid)
    return lo


fit = launches("kernels.jsonl.gz")
shares = {}
for (net, grid, batch), us in sorted(fit.items()):
    nbytes, blocks = shape(grid, batch)
    shares.setdefault((grid, batch), []).append(share_for(nbytes, blocks, us))
share = statistics.median(statistics.median(v) for v in shares.values())
print(f"fitted on {len(fit)} launches of the corpus at batch 1 and 32: share {share:.3f} of the DRAM bandwidth")
errors = []
for (net, grid, batch), us in sorted(launches("batches/kernels.jsonl.gz").items()):
    nbytes, blocks = shape(grid, batch)
    p = predicted(nbytes, blocks, share)
    errors.append(p / us - 1)
    print(f"  held out: {net:10s} {blocks:3d} blocks, batch {batch:2d}: measured {us:8.1f} us, predicted {p:8.1f} ({errors[-1]:+.1%})")
print(f"held-out error: median {statistics.median(abs(e) for e in errors):.1%}, worst {max(abs(e) for e in errors):.1%} over {len(errors)}")
