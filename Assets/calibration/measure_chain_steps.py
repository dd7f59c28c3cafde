#!/usr/bin/env python3
"""A dependent step of one chain of in-place ReLUs, by grid size, on the device alone, in a clean process.

Runs on a CUDA machine with PyTorch:  python3 measure_chain_steps.py OUT.jsonl

Why: networks' serial replays spend about 0.3 µs a kernel between kernels at batch 2-8 but 0-0.15 µs at batch 1
(measure_batch_profiles.py), and convtop's per-kernel costs come from one-block kernels. Here one chain of N in-place
ReLUs on tensors of 1,024 to 1.6 million floats (1 to 1,568 blocks of PyTorch's vectorised kernel) is captured as a
CUDA Graph for N = 64 and 128 and timed on the device alone (cuda_timing.timed_device); the step is the difference
over 64 kernels, so the graph's start-up cancels. No profiler runs in this process.
Output: Assets/calibration/round13/chain_steps.jsonl (H200, PyTorch 2.11, CUDA 13.0).
"""
import json
import sys

import torch

from cuda_timing import capture, timed_device

SIZES = [1024, 50_176, 100_352, 200_704, 401_408, 802_816, 1_605_632]


def chain_step(kernel):
    """Device-side times of one CUDA Graph of 64 and of 128 kernels (`kernel(i)` launches the i-th), and the step
    between them: {"device_ms_64", "device_ms_128", "step_us"}."""
    ms = {}
    for count in (64, 128):
        def f(count=count):
            for i in range(count): kernel(i)
        ms[count], _ = timed_device(capture(f, warm=2).replay, reps=30)
    return {"device_ms_64": ms[64], "device_ms_128": ms[128], "step_us": (ms[128] - ms[64]) * 1000 / 64}


def main(path):
    out = open(path, "w")
    for n in SIZES:
        x = torch.randn(n, device="cuda")
        rec = {"floats": n, "blocks": (n + 1023) // 1024, **chain_step(lambda i: x.relu_())}
        out.write(json.dumps(rec) + "\n"); out.flush()
        print(rec, flush=True)
    out.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "chain_steps.jsonl")
