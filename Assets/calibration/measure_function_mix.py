#!/usr/bin/env python3
"""Does a small kernel run longer beside a different kernel than beside a copy of itself?

Runs on a CUDA machine with nvcc and PyTorch:  python3 measure_function_mix.py OUT_DIR

Why (session 27): in seven profiled branch-rule replays (rounds 5, 13 and 14: GoogLeNet, Inception-v3, SqueezeNet,
NASNet, RandWire), a memory-bound kernel that overlaps another stream's kernel of a different function runs a median
0.5-0.7 µs longer than in the serial replay, whether that neighbour is a matrix product or another memory-bound
kernel; beside copies of its own function only, 0.1-0.2 µs. convtop stretched only kernels whose blocks shared an SM
with another branch's product. This measures what decides it: the function, the code, or the SMs.

Part 1 (kernels of its own, blocks stamp their SM, start and end with %globaltimer): chains of 32 kernels on two
branches of one CUDA Graph. Each kernel's blocks (128 threads) load, do a dependent arithmetic loop and store;
`workA` and `workB` are the same code under two names, `workC` other code (another loop, unrolled: more
instructions). Cases per grid size (1, 8, 33 and 132 blocks, and 66 blocks from one chain beside 1 from the other):
A alone; A beside A (one function); A beside B (same code, another function); A beside C (other code). Per kernel of
the first chain: its time (first block start to last block end) and whether a block of the other chain's kernels ran
on one of its SMs while it ran. Medians over 5 replays after warm-ups, the last replay's stamps kept.

Part 2 (PyTorch's own kernels, CUDA events around graph replays): chains of 48 ops on b1-sized tensors (ReLU, sigmoid,
add, batch norm, 1x1 convolution), each chain on its own branch: each kind alone, beside a copy of its own chain and
beside each other kind's chain ("pair"), then four and eight chains at once, copies or mixed kinds ("mix"); median
of 20 replays, in a process that has not profiled ("clean"). Then PyTorch's profiler times one replay of three
chains alone and five pairs, per kernel ("profiled" lines: each chain's median kernel time), and the pairs are timed
again in the now profiled process.

Output in OUT_DIR: function_mix.jsonl (part 1, one line per case and kernel position of A's chain),
function_mix_ops.jsonl (part 2) and function_mix.env.json. `convtop validate` prints both parts.
"""
import json
import os
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

#define STAMP_START unsigned long long t0 = gtimer();
#define STAMP_END \
  __syncthreads(); \
  if (threadIdx.x == 0) { rec[3 * blockIdx.x] = t0; rec[3 * blockIdx.x + 1] = gtimer(); rec[3 * blockIdx.x + 2] = smid(); }

#define WORK_AB_BODY \
  STAMP_START \
  int i = blockIdx.x * blockDim.x + threadIdx.x; \
  float v = x[i]; \
  for (int j = 0; j < iters; ++j) v = v * 1.0001f + 0.5f; \
  y[i] = v; \
  STAMP_END

__global__ void workA(const float* x, float* y, int64_t* rec, int iters) { WORK_AB_BODY }
__global__ void workB(const float* x, float* y, int64_t* rec, int iters) { WORK_AB_BODY }
__global__ void workC(const float* x, float* y, int64_t* rec, int iters) {
  STAMP_START
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  float v = x[i], w = v + 1.0f;
  for (int j = 0; j < iters / 8; ++j) {
#pragma unroll
    for (int u = 0; u < 8; ++u) { v = fmaf(v, 0.9999f, w); w = fmaf(w, 1.0001f, -v * 0.5f); }
  }
  y[i] = v + w;
  STAMP_END
}

void run_work(int64_t which, torch::Tensor x, torch::Tensor y, torch::Tensor rec, int64_t blocks, int64_t iters) {
  auto s = at::cuda::getCurrentCUDAStream();
  const float* xp = x.data_ptr<float>(); float* yp = y.data_ptr<float>(); int64_t* r = rec.data_ptr<int64_t>();
  if (which == 0) workA<<<(int)blocks, 128, 0, s>>>(xp, yp, r, (int)iters);
  else if (which == 1) workB<<<(int)blocks, 128, 0, s>>>(xp, yp, r, (int)iters);
  else workC<<<(int)blocks, 128, 0, s>>>(xp, yp, r, (int)iters);
}
"""
CPP = "void run_work(int64_t which, torch::Tensor x, torch::Tensor y, torch::Tensor rec, int64_t blocks, int64_t iters);"

CHAIN = 32
ITERS = 256
FUNCTIONS = {"A": 0, "B": 1, "C": 2}


class Chain:
    """A chain of CHAIN kernels of one function, each with its own stamps."""

    def __init__(self, ext, fn, blocks):
        self.ext, self.fn, self.blocks = ext, FUNCTIONS[fn], blocks
        self.x = torch.randn(blocks * 128, device="cuda")
        self.y = torch.empty_like(self.x)
        self.rec = torch.zeros(CHAIN, 3 * blocks, dtype=torch.int64, device="cuda")

    def launch(self):
        for k in range(CHAIN):
            self.ext.run_work(self.fn, self.x, self.y, self.rec[k], self.blocks, ITERS)

    def stamps(self):
        return [r.view(-1, 3).cpu().tolist() for r in self.rec]


def kernel_rows(first, second):
    """Per kernel of the first chain: time (µs), and whether a block of the second chain shared one of its SMs."""
    other = [b for k in (second or []) for b in k]
    rows = []
    for blocks in first:
        start, end = min(b[0] for b in blocks), max(b[1] for b in blocks)
        sms = {b[2] for b in blocks}
        shared = any(o[2] in sms and o[0] < end and o[1] > start for o in other)
        overlap = any(o[0] < end and o[1] > start for o in other)
        rows.append(((end - start) / 1000, shared, overlap))
    return rows


def work_case(ext, label, blocks_a, fn_b, blocks_b, replays=5):
    a = Chain(ext, "A", blocks_a)
    b = Chain(ext, fn_b, blocks_b) if fn_b else None
    g = branches(a.launch, b.launch) if b else branches(a.launch)
    for _ in range(3):
        g.replay()
    torch.cuda.synchronize()
    per_kernel, spans = [[] for _ in range(CHAIN)], []
    for _ in range(replays):
        g.replay()
        torch.cuda.synchronize()
        sa = a.stamps()
        sb = b.stamps() if b else None
        rows = kernel_rows(sa, sb)
        for k, r in enumerate(rows):
            per_kernel[k].append(r)
        t0 = min(x[0] for k in sa for x in k)
        t1 = max(x[1] for k in sa for x in k)
        spans.append((t1 - t0) / 1000)
    out, span = [], statistics.median(spans)
    for k, rs in enumerate(per_kernel):
        out.append({"case": label, "blocks": blocks_a, "neighbour": fn_b or "none", "neighbour_blocks": blocks_b,
                    "kernel": k, "us": statistics.median(r[0] for r in rs), "shared_sm": rs[-1][1],
                    "overlapped": rs[-1][2], "chain_span_us": span})
    return out, span


OPS_SHAPE = (1, 64, 28, 28)


def op_chain(kind):
    """A function launching a chain of 48 ops of one kind on its own b1-sized tensors."""
    x = torch.randn(*OPS_SHAPE, device="cuda")
    if kind == "relu":
        return lambda: [torch.relu(x) for _ in range(48)]
    if kind == "sigmoid":
        return lambda: [torch.sigmoid(x) for _ in range(48)]
    if kind == "add":
        z = torch.randn_like(x)
        return lambda: [torch.add(x, z) for _ in range(48)]
    if kind == "batchnorm":
        bn = torch.nn.BatchNorm2d(OPS_SHAPE[1]).cuda().eval()
        return lambda: [bn(x) for _ in range(48)]
    if kind == "conv1x1":
        conv = torch.nn.Conv2d(OPS_SHAPE[1], OPS_SHAPE[1], 1, bias=False).cuda()
        return lambda: [conv(x) for _ in range(48)]
    raise ValueError(kind)


def op_pairs(kinds, chains, process):
    """Each op chain alone and beside each chain (a copy of itself for its own kind), graph replays timed."""
    alone = {k: replay_us(branches(chains[k][0])) for k in kinds}
    rows = []
    for i, a in enumerate(kinds):
        for b in kinds[i:]:
            pair = replay_us(branches(chains[a][0], chains[b][1]))
            rows.append({"part": "pair", "process": process, "a": a, "b": b, "a_alone_us": alone[a], "b_alone_us": alone[b], "pair_us": pair})
            print(f"{process:8s} {a:9s} | {b:9s}  alone {alone[a]:7.2f} / {alone[b]:7.2f} µs  together {pair:7.2f} µs  "
                  f"over the longer alone {pair - max(alone[a], alone[b]):+7.2f} µs", flush=True)
    return rows


MIXES = {"relu x4": ["relu"] * 4, "mixed x4": ["relu", "sigmoid", "add", "batchnorm"],
         "relu x8": ["relu"] * 8, "mixed x8": ["relu", "sigmoid", "add", "batchnorm"] * 2,
         "batchnorm x4": ["batchnorm"] * 4, "conv + relu x3": ["conv1x1", "relu", "relu", "relu"],
         "conv + mixed x3": ["conv1x1", "relu", "sigmoid", "add"], "conv x4": ["conv1x1"] * 4}


def op_mixes(chains, process):
    """Four and eight chains at once, copies of one kind or mixed kinds."""
    rows = []
    for label, kinds in MIXES.items():
        used = {}
        fns = []
        for k in kinds:
            fns.append(chains[k][used.get(k, 0)])
            used[k] = used.get(k, 0) + 1
        span = replay_us(branches(*fns))
        longest = max(replay_us(branches(chains[k][0])) for k in set(kinds))
        rows.append({"part": "mix", "process": process, "mix": label, "kinds": kinds, "span_us": span, "longest_alone_us": longest})
        print(f"{process:8s} {label:16s} span {span:7.2f} µs  longest chain alone {longest:7.2f} µs  ({span / longest:.2f}x)", flush=True)
    return rows


def profiled_pairs(chains, out_dir):
    """Per-kernel times from PyTorch's profiler: chains alone and in pairs, one replay each (the process is profiled
    from here on)."""
    cases = [("relu",), ("sigmoid",), ("batchnorm",), ("relu", "relu"), ("relu", "sigmoid"), ("relu", "batchnorm"),
             ("batchnorm", "batchnorm"), ("relu", "conv1x1")]
    graphs = {c: branches(*[chains[k][i] for i, k in enumerate(c)]) for c in cases}
    rows = []
    for c, g in graphs.items():
        for _ in range(3):
            g.replay()
        torch.cuda.synchronize()
        path = os.path.join(out_dir, "profile_tmp.json")
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
            g.replay()
            torch.cuda.synchronize()
        prof.export_chrome_trace(path)
        with open(path) as f:
            events = json.load(f)["traceEvents"]
        os.remove(path)
        kernels = [e for e in events if e.get("cat") == "kernel"]
        by_stream = {}
        for e in kernels:
            by_stream.setdefault(e.get("tid"), []).append(e["dur"])
        durs = sorted(by_stream.values(), key=len, reverse=True)[:len(c)]
        rows.append({"part": "profiled", "chains": list(c), "kernel_us_median": [statistics.median(d) for d in durs],
                     "kernels": [len(d) for d in durs]})
        print(f"profiled {' | '.join(c):22s} kernel medians " + " / ".join(f"{statistics.median(d):.2f}" for d in durs) + " µs", flush=True)
    return rows


def replay_us(g):
    """Median µs of 20 replays of graph g after 5 warm-ups (CUDA events from an idle GPU)."""
    return timed(g.replay, reps=20, warm=5) * 1000


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    ext = load_inline("function_mix", cpp_sources=CPP, cuda_sources=CUDA, functions=["run_work"],
                      extra_cuda_cflags=["-O3"], verbose=False)
    props = torch.cuda.get_device_properties(0)
    rows = []
    cases = [(n, fb, n) for n in (1, 8, 33, 132) for fb in (None, "A", "B", "C")]
    cases += [(66, fb, 1) for fb in ("A", "C")] + [(1, fb, 66) for fb in ("A", "C")]
    for blocks_a, fn_b, blocks_b in cases:
        label = f"A{blocks_a}" + (f" | {fn_b}{blocks_b}" if fn_b else " alone")
        krows, span = work_case(ext, label, blocks_a, fn_b, blocks_b)
        rows += krows
        mid = statistics.median(r["us"] for r in krows)
        shared = sum(r["shared_sm"] for r in krows)
        print(f"{label:14s} chain span {span:7.2f} µs  kernel median {mid:5.2f} µs  sharing an SM {shared}/{CHAIN}", flush=True)
    with open(os.path.join(out_dir, "function_mix.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    kinds = ["relu", "sigmoid", "add", "batchnorm", "conv1x1"]
    with torch.no_grad():
        chains = {k: [op_chain(k) for _ in range(8)] for k in kinds}
        for k in kinds:
            chains[k][0]()
        torch.cuda.synchronize()
        ops = op_pairs(kinds, chains, "clean")
        ops += op_mixes(chains, "clean")
        ops += profiled_pairs(chains, out_dir)
        ops += op_pairs(kinds, chains, "profiled")
    with open(os.path.join(out_dir, "function_mix_ops.jsonl"), "w") as f:
        for r in ops:
            f.write(json.dumps(r) + "\n")
    env = {"gpu": props.name, "sms": props.multi_processor_count, "torch": torch.__version__, "cuda": torch.version.cuda,
           "chain": CHAIN, "iters": ITERS, "ops_shape": OPS_SHAPE}
    with open(os.path.join(out_dir, "function_mix.env.json"), "w") as f:
        json.dump(env, f, indent=1)


if __name__ == "__main__":
    main()
