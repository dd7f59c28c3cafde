#!/usr/bin/env python3
"""How much of the host's per-node replay cost a network's kernels hide, before and after PyTorch's profiler ran.

Runs on a CUDA machine with PyTorch and torchvision:  python3 measure_network_replay.py OUT.jsonl

measure_graph_replay.py found that once the profiler has run in a process, the host's call of a CUDA Graph replay
grows about 0.22 µs a node and the device waits for it (graphs of tiny adds). Round 8 saw networks slow by only 4%.
Here the same torchvision networks (serial forward, fp32 with TF32 convolutions, CUDA Graph) are timed in one process
before any profiler run and after one: the host's call (wall clock around replay(), median of 30), the replay by CUDA
events from an idle GPU (median of 30) and on the device alone (behind a spin kernel, median of 30), in three
interleaved rounds. The kernels per replay come from one profiled forward pass, taken after the clean measurements
(that profile is the state change). Output: Assets/calibration/round12/network_replay.jsonl.
"""
import json
import sys

import torch

from cuda_timing import capture, replay_costs
from measure_round2 import build  # the zoo's torchvision builds; importing it only defines (its OUT reads sys.argv[1])

DEV = "cuda"
CASES = [("googlenet", 1), ("resnet50", 1), ("densenet121", 1), ("mobilenet_v2", 1), ("inception_v3", 1),
         ("resnet50", 32), ("googlenet", 32)]
ROUNDS = 3


def main():
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.allow_tf32 = True
    out = open(sys.argv[1] if len(sys.argv) > 1 else "network_replay.jsonl", "w")
    prop = torch.cuda.get_device_properties(0)
    out.write(json.dumps({"kind": "device", "name": prop.name, "torch": torch.__version__, "cuda": torch.version.cuda}) + "\n")
    graphs, fns = {}, {}
    with torch.no_grad():
        for name, batch in CASES:
            model = build(name).to(DEV).eval()
            size = 299 if name == "inception_v3" else 224
            x = torch.randn(batch, 3, size, size, device=DEV)
            fns[(name, batch)] = (lambda m, t: (lambda: m(t)))(model, x)
            graphs[(name, batch)] = capture(fns[(name, batch)])
        torch.cuda._sleep(1000); torch.cuda.synchronize()

        def measure(state):
            for r in range(ROUNDS):
                for key, g in graphs.items():
                    rec = {"kind": "network", "model": key[0], "batch": key[1], "state": state, "round": r, **replay_costs(g)}
                    out.write(json.dumps(rec) + "\n"); out.flush()
                    if r == 0:
                        print(f"{state:8s} {key[0]:13s} b{key[1]:<3d} host {rec['host_call_us']:7.1f} us, replay "
                              f"{rec['replay_ms'] * 1000:8.1f} us, device {rec['device_ms'] * 1000:8.1f} us", flush=True)

        measure("clean")
        for key, fn in fns.items():
            with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as p:
                fn(); torch.cuda.synchronize()
            n = sum(1 for e in p.events() if e.device_type == torch.autograd.DeviceType.CUDA)
            out.write(json.dumps({"kind": "kernels", "model": key[0], "batch": key[1], "kernels": n}) + "\n")
        measure("profiled")


if __name__ == "__main__":
    main()
