#!/usr/bin/env python3
"""What a cuDNN convolution takes from the SMs it runs on: probe kernels of one block an SM, each leaning on one
resource, timed alone and beside the convolutions of the chain grid that convtop gets most wrong.

Runs on a CUDA machine with PyTorch and nvcc:  python3 measure_interference.py OUT.jsonl

Why: round 25's probe found that one 4-warp block of tensor-core products can leave most of its SM idle, but every
way of letting cuDNN's kernels leave room made convtop's network gains too large. So what does a cuDNN convolution
use up? Each probe (132 blocks of 4 warps, one an SM, built with torch's load_inline) leans on one thing and waits on
its own results, so that it slows only when that thing is busy:
  - `mma`: one dependent chain of TF32 `mma.sync` products (the tensor cores' issue);
  - `ffma`: one dependent chain of FP32 FMAs (the issue slots);
  - `dram`: one load per thread at a time from a 1 GB buffer (DRAM and the memory system's queues);
  - `l2`: the same from a 4 MB buffer (the L2);
  - `smem`: dependent shared-memory loads (the SM's load/store pipe and shared memory).
Each convolution (the chain grid's shapes, TF32, cudnn.benchmark off) is captured 200 times back to back in one CUDA
Graph on one stream; a probe runs on another stream while the graph replays (launched after it, five times; the
median block time), and alone. The convolutions' own time beside a stream of probes is timed too.
Output: Assets/calibration/round25/interference.jsonl (H200, PyTorch 2.11, CUDA 13.0).
"""
import json
import statistics
import sys

import torch
from torch.utils.cpp_extension import load_inline

CUDA = r"""
#include <torch/extension.h>
#include <ATen/cuda/CUDAContext.h>

__device__ __forceinline__ unsigned long long gtimer() {
  unsigned long long t; asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t)); return t; }

template <int KIND>
__global__ void probe(int iters, const float* buf, long long n, float* sink, unsigned long long* rec) {
  __shared__ float sm[2048];
  for (int i = threadIdx.x; i < 2048; i += blockDim.x) sm[i] = i;
  __syncthreads();
  unsigned long long t0 = gtimer();
  float acc = 0.f;
  if (KIND == 0) {
    float d0 = 0, d1 = 0, d2 = 0, d3 = 0;
    unsigned a0 = __float_as_uint(1.0f + threadIdx.x * 1e-3f), a1 = __float_as_uint(0.5f), b0 = __float_as_uint(0.75f);
    for (int it = 0; it < iters; ++it)
      asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                   : "+f"(d0), "+f"(d1), "+f"(d2), "+f"(d3) : "r"(a0), "r"(a1), "r"(a1), "r"(a0), "r"(b0), "r"(b0));
    acc = d0 + d1 + d2 + d3;
  } else if (KIND == 1) {
    float x = threadIdx.x * 1e-3f, m = 0.9999f + sink[1], c = 0.5f + sink[2];
    for (int it = 0; it < iters; ++it) x = fmaf(x, m, c);
    acc = x;
  } else if (KIND == 2) {
    long long idx = (long long)(blockIdx.x * blockDim.x + threadIdx.x) * 4;
    long long stride = (long long)gridDim.x * blockDim.x * 4 * 33;
    for (int it = 0; it < iters; ++it) { acc += buf[idx]; idx = (idx + stride + (long long)(acc == 12345.f)) % n; }
  } else {
    int j = threadIdx.x;
    for (int it = 0; it < iters; ++it) { float v = sm[j]; j = (j + 32 + (int)(v == -1.f)) & 2047; acc += v; }
  }
  if (acc == 12345.f) sink[threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.x == 0) rec[blockIdx.x] = gtimer() - t0;
}

void run_probe(int64_t kind, int64_t iters, torch::Tensor buf, torch::Tensor sink, torch::Tensor rec) {
  auto s = at::cuda::getCurrentCUDAStream();
  int blocks = rec.numel();
  long long n = buf.numel();
  if (kind == 0) probe<0><<<blocks, 128, 0, s>>>(iters, buf.data_ptr<float>(), n, sink.data_ptr<float>(), (unsigned long long*)rec.data_ptr<int64_t>());
  if (kind == 1) probe<1><<<blocks, 128, 0, s>>>(iters, buf.data_ptr<float>(), n, sink.data_ptr<float>(), (unsigned long long*)rec.data_ptr<int64_t>());
  if (kind == 2 || kind == 3) probe<2><<<blocks, 128, 0, s>>>(iters, buf.data_ptr<float>(), n, sink.data_ptr<float>(), (unsigned long long*)rec.data_ptr<int64_t>());
  if (kind == 4) probe<3><<<blocks, 128, 0, s>>>(iters, buf.data_ptr<float>(), n, sink.data_ptr<float>(), (unsigned long long*)rec.data_ptr<int64_t>());
}
"""
CPP = "void run_probe(int64_t kind, int64_t iters, torch::Tensor buf, torch::Tensor sink, torch::Tensor rec);"

# name, kind passed to run_probe, iterations (about 30-60 µs alone), buffer elements
PROBES = [("mma", 0, 3000, 1024), ("ffma", 1, 16000, 1024), ("dram", 2, 60, 1 << 28), ("l2", 3, 200, 1 << 20),
          ("smem", 4, 3000, 1024)]
# the chain grid's cases convtop gets most wrong, and one it gets right: batch, channels, map, kernel
SHAPES = [(1, 128, 112, 1), (32, 256, 7, 1), (8, 1024, 7, 1), (1, 32, 7, 1), (64, 128, 14, 1), (1, 256, 28, 3),
          (8, 32, 28, 3), (32, 512, 14, 3)]


def main():
    out = sys.argv[1]
    torch.backends.cudnn.benchmark = False
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    ext = load_inline("interference_probe", cpp_sources=CPP, cuda_sources=CUDA, functions=["run_probe"],
                      extra_cuda_cflags=["-O3", "-arch=sm_90"], verbose=False)
    sms = torch.cuda.get_device_properties(0).multi_processor_count
    main_stream, side = torch.cuda.Stream(), torch.cuda.Stream()
    sink = torch.zeros(4096, device="cuda")
    recs = [torch.zeros(sms, dtype=torch.int64, device="cuda") for _ in range(5)]
    bufs = {n: torch.rand(n, device="cuda") for n in {p[3] for p in PROBES}}

    def probe(p, rec):
        ext.run_probe(p[1], p[2], bufs[p[3]], sink, rec)

    def block_us(rec):
        return statistics.median(rec.cpu().tolist()) / 1000

    def alone(p):
        for _ in range(3):
            probe(p, recs[0])
        torch.cuda.synchronize()
        ts = []
        for _ in range(5):
            probe(p, recs[0]); torch.cuda.synchronize(); ts.append(block_us(recs[0]))
        return statistics.median(ts)

    rows = []
    with open(out, "w") as f:
        for b, c, m, k in SHAPES:
            conv = torch.nn.Conv2d(c, c, k, padding=k // 2, bias=False).cuda().eval()
            x = torch.randn(b, c, m, m, device="cuda")
            with torch.no_grad():
                for _ in range(3):
                    conv(x)
                torch.cuda.synchronize()
                g = torch.cuda.CUDAGraph()
                reps = 200
                s = torch.cuda.Stream()
                with torch.cuda.stream(s):
                    conv(x)
                    torch.cuda.synchronize()
                    with torch.cuda.graph(g, stream=s):
                        for _ in range(reps):
                            conv(x)
            torch.cuda.synchronize()

            def graph_us():
                a, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                with torch.cuda.stream(main_stream):
                    a.record(); g.replay(); e.record()
                e.synchronize()
                return a.elapsed_time(e) * 1000 / reps
            for _ in range(3):
                graph_us()
            conv_alone = statistics.median([graph_us() for _ in range(5)])
            for p in PROBES:
                p_alone = alone(p)
                corun, conv_beside = [], []
                for _ in range(3):
                    torch.cuda.synchronize()
                    with torch.cuda.stream(main_stream):
                        g.replay()
                    with torch.cuda.stream(side):
                        for r in recs:
                            probe(p, r)
                    torch.cuda.synchronize()
                    corun.append(statistics.median([block_us(r) for r in recs[1:4]]))
                    # the convolutions beside a stream of probes
                    with torch.cuda.stream(side):
                        for _ in range(max(8, int(reps * conv_alone / p_alone) + 4)):
                            probe(p, recs[4])
                    conv_beside.append(graph_us())
                    torch.cuda.synchronize()
                row = {"batch": b, "channels": c, "map": m, "kernel": k, "probe": p[0], "conv_us": conv_alone,
                       "conv_beside_probe_us": statistics.median(conv_beside), "probe_alone_us": p_alone,
                       "probe_beside_conv_us": statistics.median(corun)}
                rows.append(row)
                f.write(json.dumps(row) + "\n")
                print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
