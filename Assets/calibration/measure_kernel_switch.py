#!/usr/bin/env python3
"""Does a kernel cost more when it follows a different kernel? Chains of in-place element-wise kernels that repeat
one kernel, or cycle through 2 or 8 different ones, on the device alone, in a clean process.

Runs on a CUDA machine with PyTorch:  python3 measure_kernel_switch.py OUT.jsonl

Why: networks' serial replays spend about 0.3 µs a kernel between kernels at batch 2-8 (measure_batch_profiles.py)
while one chain of the same ReLU steps as convtop says (measure_chain_steps.py). In a network each kernel follows a
different one. Each chain of N kernels (N = 64 and 128) is captured as a CUDA Graph and timed on the device alone
(measure_chain_steps.chain_step); the step is the difference over 64 kernels. Sizes: 49, 196 and 784 blocks.
Output: Assets/calibration/round13/kernel_switch.jsonl (H200, PyTorch 2.11, CUDA 13.0).
"""
import json
import sys

import torch

from measure_chain_steps import chain_step

SIZES = [50_176, 200_704, 802_816]
OPS = [lambda x: x.relu_(), lambda x: x.mul_(1.0), lambda x: x.add_(0.0), lambda x: x.abs_(),
       lambda x: x.neg_(), lambda x: x.clamp_(-1e9, 1e9), lambda x: x.sub_(0.0), lambda x: x.div_(1.0)]
VARIANTS = {"same": 1, "cycle2": 2, "cycle8": 8}


def main(path):
    out = open(path, "w")
    for n in SIZES:
        x = torch.rand(n, device="cuda")
        for name, k in VARIANTS.items():
            rec = {"floats": n, "blocks": (n + 1023) // 1024, "variant": name, "kernels_cycled": k,
                   **chain_step(lambda i, k=k: OPS[i % k](x))}
            out.write(json.dumps(rec) + "\n"); out.flush()
            print(rec, flush=True)
    out.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "kernel_switch.jsonl")
