#!/usr/bin/env python3
"""Can blocks of two kernels that ask for different amounts of shared memory share an SM?

Runs on a CUDA machine with nvcc and PyTorch:  python3 measure_smem_config.py OUT.jsonl

Why (session 26): two copies of a library convolution side by side overlap on the H200 more than convtop gives
(round 27's pairs, 1.16-1.22x at the median), while the networks' branches, whose co-running products are different
kernels, overlap less than every change that lets the copies overlap makes them. One thing that separates the two:
an SM splits its on-chip memory between L1 and shared memory, and a kernel runs with the split its shared memory
needs. If an SM holding blocks of one split cannot take a block that needs another until it drains, copies of one
kernel share SMs freely and different kernels do not.

How: grid A (one 128-thread block an SM, each asking for sA bytes of dynamic shared memory) spins 20 µs a block on
stream A; stream B waits 2 µs (a one-block spin) and launches grid B (the same, asking for sB bytes), in one CUDA
Graph. Every block stamps its SM, start and end (%globaltimer). Both grids fit on an SM together by threads,
registers and shared memory in every case (sA + sB + 2 KB reserved <= 228 KB). If the SMs take B's blocks beside
A's, B starts about 2 µs after A and the pair spans about 22 µs; if not, B waits for A's blocks and it spans about
40. Cases: shared memory pairs from 0 to 160 KB, A and B as one kernel function or two, the carveout left to the
driver or set to its maximum for both. Five replays per case after warm-ups; the last replay's stamps are kept
and the medians of the spans over the five.
Output: Assets/calibration/round28/smem_config.jsonl (one line per case) and smem_config.env.json.

With --library: which configuration PyTorch's library kernels ask for. Grid A (one 128-thread block an SM, no shared
memory, its carveout left to the driver or set to its maximum) spins 20 µs; stream B waits 2 µs and runs one op
(convolutions that cuBLAS, CUTLASS and cuDNN serve, a ReLU, a batch norm, a max pool), then a marker kernel stamps
the time. If the op's kernels wait for A's blocks to leave their SMs, B ends after A (20 µs and more); if they join
them, it ends a few µs after the op's own time. Output: smem_config_library.jsonl. With --library-smem 48 the spin
grid's blocks ask for 48 KB each (the driver's 196 KB split): a product whose own split is 196 KB or less joins them,
one that asks for more (or for the largest split whatever it needs) waits; smem_config_library48.jsonl.
"""
import json
import statistics
import sys

import torch
from torch.utils.cpp_extension import load_inline

from cuda_timing import branches, timed

CUDA = r"""
#include <torch/extension.h>
#include <ATen/cuda/CUDAContext.h>

__device__ __forceinline__ unsigned long long gtimer() {
  unsigned long long t; asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t)); return t; }
__device__ __forceinline__ unsigned smid() { unsigned s; asm volatile("mov.u32 %0, %%smid;" : "=r"(s)); return s; }

#define HOLD_BODY \
  extern __shared__ char smem[]; \
  unsigned long long t0 = gtimer(); \
  if (threadIdx.x == 0 && ns < 0) smem[0] = 1; \
  while (gtimer() - t0 < (unsigned long long)ns) {} \
  if (threadIdx.x == 0) { rec[3 * blockIdx.x] = t0; rec[3 * blockIdx.x + 1] = gtimer(); rec[3 * blockIdx.x + 2] = smid(); }

__global__ void holdA(int64_t* rec, int ns) { HOLD_BODY }
__global__ void holdB(int64_t* rec, int ns) { HOLD_BODY }
__global__ void spin(int ns) { unsigned long long t0 = gtimer(); while (gtimer() - t0 < (unsigned long long)ns) {} }

static void prepare(const void* f, int smem, bool maxCarveout) {
  cudaFuncSetAttribute(f, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
  if (maxCarveout) cudaFuncSetAttribute(f, cudaFuncAttributePreferredSharedMemoryCarveout, 100);
  else cudaFuncSetAttribute(f, cudaFuncAttributePreferredSharedMemoryCarveout, -1);
}

void setup(int64_t smemA, int64_t smemB, bool twoFunctions, bool maxCarveout) {
  prepare((const void*)holdA, (int)smemA, maxCarveout);
  if (twoFunctions) prepare((const void*)holdB, (int)smemB, maxCarveout);
  else prepare((const void*)holdA, (int)std::max(smemA, smemB), maxCarveout);
}

void run_hold(torch::Tensor rec, int64_t ns, int64_t smem, bool second) {
  int blocks = rec.numel() / 3;
  auto s = at::cuda::getCurrentCUDAStream();
  if (second) holdB<<<blocks, 128, (size_t)smem, s>>>(rec.data_ptr<int64_t>(), (int)ns);
  else holdA<<<blocks, 128, (size_t)smem, s>>>(rec.data_ptr<int64_t>(), (int)ns);
}

void run_spin(int64_t ns) { spin<<<1, 32, 0, at::cuda::getCurrentCUDAStream()>>>((int)ns); }

__global__ void marker(int64_t* rec) { if (threadIdx.x == 0) rec[0] = gtimer(); }
void run_marker(torch::Tensor rec) { marker<<<1, 32, 0, at::cuda::getCurrentCUDAStream()>>>(rec.data_ptr<int64_t>()); }
"""
CPP = """
void setup(int64_t smemA, int64_t smemB, bool twoFunctions, bool maxCarveout);
void run_hold(torch::Tensor rec, int64_t ns, int64_t smem, bool second);
void run_spin(int64_t ns);
void run_marker(torch::Tensor rec);
"""

HOLD_NS = 20_000
DELAY_NS = 2_000
KB = 1024


def case(ext, sms, smem_a, smem_b, two, max_carveout, replays=5):
    ext.setup(smem_a, smem_b, two, max_carveout)
    rec_a = torch.zeros(3 * sms, dtype=torch.int64, device="cuda")
    rec_b = torch.zeros(3 * sms, dtype=torch.int64, device="cuda")

    def branch_b():
        ext.run_spin(DELAY_NS)
        ext.run_hold(rec_b, HOLD_NS, smem_b, two)

    g = branches(lambda: ext.run_hold(rec_a, HOLD_NS, smem_a, False), branch_b)
    for _ in range(3):
        g.replay()
    torch.cuda.synchronize()
    spans, b_waits = [], []
    for _ in range(replays):
        g.replay()
        torch.cuda.synchronize()
        a = rec_a.view(-1, 3).cpu().tolist()
        b = rec_b.view(-1, 3).cpu().tolist()
        t0 = min(r[0] for r in a)
        spans.append((max(r[1] for r in a + b) - t0) / 1000)
        b_waits.append((min(r[0] for r in b) - t0) / 1000)
    # Co-residency in the last replay: SMs where a block of B started before A's block there ended.
    a_end = {}
    for r in a:
        a_end[r[2]] = max(a_end.get(r[2], 0), r[1])
    shared = sum(1 for r in b if r[2] in a_end and r[0] < a_end[r[2]])
    return {
        "smem_a": smem_a, "smem_b": smem_b, "two_functions": two, "max_carveout": max_carveout,
        "span_us": statistics.median(spans), "b_first_start_us": statistics.median(b_waits),
        "b_blocks_beside_a": shared, "blocks": sms,
        "a_us": sorted(round((r[1] - r[0]) / 1000, 3) for r in a)[len(a) // 2],
        "b_start_us_by_rank": sorted(round((r[0] - t0) / 1000, 3) for r in b),
    }


def library_ops():
    """(label, function) pairs: each op runs on its own inputs, made once."""
    ops = []
    for b, c, m, k in [(1, 128, 112, 1), (8, 1024, 7, 1), (1, 1024, 28, 1), (1, 256, 28, 3), (32, 256, 7, 1),
                       (64, 128, 14, 1), (8, 32, 28, 3)]:
        x = torch.randn(b, c, m, m, device="cuda")
        conv = torch.nn.Conv2d(c, c, k, padding=k // 2, bias=False).cuda()
        ops.append((f"conv b{b} c{c} {m}x{m} {k}x{k}", lambda conv=conv, x=x: conv(x)))
    y = torch.randn(8, 64, 56, 56, device="cuda")
    bn = torch.nn.BatchNorm2d(64).cuda().eval()
    ops.append(("relu b8 c64 56x56", lambda: torch.relu(y)))
    ops.append(("batchnorm b8 c64 56x56", lambda: bn(y)))
    ops.append(("maxpool 3x3 b8 c64 56x56", lambda: torch.nn.functional.max_pool2d(y, 3, 2, 1)))
    return ops


def library_case(ext, sms, label, op, max_carveout, smem_a=0, replays=5):
    ext.setup(smem_a, smem_a, False, max_carveout)
    rec_a = torch.zeros(3 * sms, dtype=torch.int64, device="cuda")
    end = torch.zeros(1, dtype=torch.int64, device="cuda")
    with torch.no_grad():
        for _ in range(3):
            op()
        torch.cuda.synchronize()

        def branch_b():
            ext.run_spin(DELAY_NS)
            op()
            ext.run_marker(end)

        g = branches(lambda: ext.run_hold(rec_a, HOLD_NS, smem_a, False), branch_b)
        alone = branches(op)
    for _ in range(3):
        g.replay()
    torch.cuda.synchronize()
    ends, a_ends = [], []
    for _ in range(replays):
        g.replay()
        torch.cuda.synchronize()
        a = rec_a.view(-1, 3).cpu().tolist()
        t0 = min(r[0] for r in a)
        ends.append((end.item() - t0) / 1000)
        a_ends.append((max(r[1] for r in a) - t0) / 1000)
    alone_us = timed(alone.replay, reps=replays, warm=0) * 1000
    return {"op": label, "max_carveout": max_carveout, "spin_smem": smem_a, "op_end_us": statistics.median(ends),
            "spin_end_us": statistics.median(a_ends), "op_alone_replay_us": alone_us}


def main_library(ext, sms, out, smem_a=0):
    rows = []
    for label, op in library_ops():
        for max_carveout in (False, True):
            r = library_case(ext, sms, label, op, max_carveout, smem_a)
            rows.append(r)
            print(f"{label:28s} spin max={max_carveout!s:5}  op ends {r['op_end_us']:6.2f} µs after the spin grid's "
                  f"start (spin ends {r['spin_end_us']:6.2f}; op alone {r['op_alone_replay_us']:6.2f} µs replay)", flush=True)
    with open(out, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


def main():
    out = sys.argv[1]
    ext = load_inline("smem_config", cpp_sources=CPP, cuda_sources=CUDA, functions=["setup", "run_hold", "run_spin", "run_marker"],
                      extra_cuda_cflags=["-O3"], verbose=False)
    props = torch.cuda.get_device_properties(0)
    sms = props.multi_processor_count
    if "--library" in sys.argv:
        # --library-smem KB: the spin grid's blocks ask for KB of shared memory (48: the driver runs them with a
        # 196 KB split, so a product that asks for a larger split waits and one that fits in 196 KB joins them).
        smem_a = int(sys.argv[sys.argv.index("--library-smem") + 1]) * KB if "--library-smem" in sys.argv else 0
        main_library(ext, sms, out, smem_a)
        return
    pairs = [(0, 0), (0, 48), (48, 0), (48, 48), (32, 96), (96, 32), (48, 100), (100, 100), (8, 160), (160, 8),
             (64, 64), (16, 16), (100, 0)]
    rows = []
    for two in (True, False):
        for max_carveout in (False, True):
            for a, b in pairs:
                rows.append(case(ext, sms, a * KB, b * KB, two, max_carveout))
                r = rows[-1]
                print(f"A {a:3d} KB  B {b:3d} KB  two={two!s:5}  max={max_carveout!s:5}  span {r['span_us']:6.2f} µs  "
                      f"B first {r['b_first_start_us']:6.2f} µs  beside A {r['b_blocks_beside_a']}", flush=True)
    with open(out, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    env = {"gpu": props.name, "sms": sms, "torch": torch.__version__, "cuda": torch.version.cuda,
           "hold_ns": HOLD_NS, "delay_ns": DELAY_NS}
    with open(out.replace(".jsonl", ".env.json"), "w") as f:
        json.dump(env, f, indent=1)


if __name__ == "__main__":
    main()
