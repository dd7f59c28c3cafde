#!/usr/bin/env python3
"""How one SM's throughput is shared among co-resident blocks: the saturation point behind the profiles'
`gemm_saturation_warps` and `saturation_warps`.

Runs on a CUDA machine with nvcc:  python3 measure_sm_sharing.py OUT.jsonl

Why: convtop prices a block by its share of its SM, warps over the resident warps but never more than the warps that
saturate the SM (4 for matrix products, 16 for the rest; set in round 1 without a recorded measurement). Whether a
second kernel's blocks slow the first's, or run in what the first leaves idle, is what decides how much two
mid-size kernels gain side by side. Here a probe kernel of 4 warps (128 threads, as cuDNN's and CUTLASS's sm80
tensor-core kernels) runs exactly B blocks on every SM (grid 132 x B, shared memory sized so that no more fit),
B = 1-16, each warp issuing a fixed number of
  - `mma`: TF32 tensor-core products (`mma.sync.m16n8k8`, the instruction of the sm80 kernels cuDNN runs on the H200),
    with 1, 2 or 4 independent accumulators (instruction-level parallelism, ILP);
  - `ffma`: FP32 fused multiply-adds with 1 or 4 independent chains;
  - `spin`: a wait on the global timer (no issue), as a check that the blocks do run together.
Every block records its start, end and SM (%globaltimer, %smid). Per case: the median block time and the SM's
throughput (work per microsecond, all B blocks together) over five launches after three warm-ups. A kernel class
whose throughput keeps rising with B is not saturated at 4 warps; the warps where it reaches 90% of its best is its
saturation point.
Output: Assets/calibration/round25/sm_sharing.jsonl and sm_sharing.env.json (H200, CUDA 13.0).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuda_probe import run_probe, save  # noqa: E402

SOURCE = r"""
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

__device__ __forceinline__ unsigned long long gtimer() {
  unsigned long long t; asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t)); return t; }
__device__ __forceinline__ unsigned smid() { unsigned s; asm volatile("mov.u32 %0, %%smid;" : "=r"(s)); return s; }

template <int ILP>
__global__ void mma_probe(int iters, float* sink, unsigned long long* rec) {
  extern __shared__ char smem[];
  __syncthreads();
  unsigned long long t0 = gtimer();
  float d[ILP][4];
  for (int i = 0; i < ILP; i++) for (int j = 0; j < 4; j++) d[i][j] = 0.f;
  unsigned a0 = __float_as_uint(1.0f + threadIdx.x * 1e-3f), a1 = __float_as_uint(0.5f), a2 = __float_as_uint(0.25f),
           a3 = __float_as_uint(2.0f), b0 = __float_as_uint(0.75f), b1 = __float_as_uint(1.5f);
  for (int it = 0; it < iters; ++it) {
#pragma unroll
    for (int i = 0; i < ILP; i++)
      asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                   : "+f"(d[i][0]), "+f"(d[i][1]), "+f"(d[i][2]), "+f"(d[i][3])
                   : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
  }
  float s = 0; for (int i = 0; i < ILP; i++) for (int j = 0; j < 4; j++) s += d[i][j];
  if (s == 12345.f) sink[threadIdx.x] = s + smem[threadIdx.x];
  __syncthreads();
  if (threadIdx.x == 0) { rec[blockIdx.x * 3] = t0; rec[blockIdx.x * 3 + 1] = gtimer(); rec[blockIdx.x * 3 + 2] = smid(); }
}

template <int ILP>
__global__ void ffma_probe(int iters, float* sink, unsigned long long* rec) {
  extern __shared__ char smem[];
  __syncthreads();
  unsigned long long t0 = gtimer();
  float x[ILP];
  for (int i = 0; i < ILP; i++) x[i] = threadIdx.x * 1e-3f + i;
  float m = 0.9999f + sink[1023] , c = 0.5f + sink[1022];
  for (int it = 0; it < iters; ++it) {
#pragma unroll
    for (int k = 0; k < 8; k++)
#pragma unroll
      for (int i = 0; i < ILP; i++) x[i] = fmaf(x[i], m, c);
  }
  float s = 0; for (int i = 0; i < ILP; i++) s += x[i];
  if (s == 12345.f) sink[threadIdx.x] = s + smem[threadIdx.x];
  __syncthreads();
  if (threadIdx.x == 0) { rec[blockIdx.x * 3] = t0; rec[blockIdx.x * 3 + 1] = gtimer(); rec[blockIdx.x * 3 + 2] = smid(); }
}

__global__ void spin_probe(int ns, float* sink, unsigned long long* rec) {
  extern __shared__ char smem[];
  __syncthreads();
  unsigned long long t0 = gtimer();
  while (gtimer() - t0 < (unsigned long long)ns) {}
  if (ns < 0) sink[threadIdx.x] = smem[threadIdx.x];
  __syncthreads();
  if (threadIdx.x == 0) { rec[blockIdx.x * 3] = t0; rec[blockIdx.x * 3 + 1] = gtimer(); rec[blockIdx.x * 3 + 2] = smid(); }
}

typedef void (*Probe)(int, float*, unsigned long long*);

static void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) { fprintf(stderr, "%s: %s\n", what, cudaGetErrorString(e)); exit(1); }
}

int main() {
  cudaDeviceProp p; check(cudaGetDeviceProperties(&p, 0), "props");
  int sms = p.multiProcessorCount;
  size_t perSM = p.sharedMemPerMultiprocessor, optin = p.sharedMemPerBlockOptin, reserved = p.reservedSharedMemPerBlock;
  struct Case { const char* kind; int ilp; Probe f; int iters; double workPerIter; };
  // work per warp per iteration: mma = ILP x 2*16*8*8 FLOPs; ffma = 8*ILP x 32 lanes x 2 FLOPs; spin: ns
  Case cases[] = {
    {"mma", 1, mma_probe<1>, 4096, 1 * 2048.0}, {"mma", 2, mma_probe<2>, 2048, 2 * 2048.0},
    {"mma", 4, mma_probe<4>, 1024, 4 * 2048.0}, {"ffma", 1, ffma_probe<1>, 2048, 8 * 1 * 64.0},
    {"ffma", 4, ffma_probe<4>, 1024, 8 * 4 * 64.0}, {"spin", 0, spin_probe, 20000, 0.0}};
  int Bs[] = {1, 2, 3, 4, 5, 6, 8, 10, 12, 16};
  float* sink; check(cudaMalloc(&sink, 4096 * sizeof(float)), "malloc"); check(cudaMemset(sink, 0, 4096 * sizeof(float)), "memset");
  unsigned long long* rec; check(cudaMalloc(&rec, (size_t)sms * 16 * 3 * 8), "malloc rec");
  unsigned long long* host = (unsigned long long*)malloc((size_t)sms * 16 * 3 * 8);
  cudaEvent_t a, b; cudaEventCreate(&a); cudaEventCreate(&b);
  printf("{\"device\": \"%s\", \"sms\": %d, \"smem_per_sm\": %zu, \"reserved_per_block\": %zu}\n", p.name, sms, perSM, reserved);
  for (auto& c : cases) {
    for (int B : Bs) {
      size_t smem = perSM / B - reserved; smem -= smem % 128;
      if (smem > optin) smem = optin;
      check(cudaFuncSetAttribute((const void*)c.f, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem), "attr");
      int fit = 0; check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&fit, c.f, 128, smem), "occupancy");
      int grid = sms * B;
      double ms[5]; double med[5]; int sm_ok = 1;
      for (int r = 0; r < 8; r++) {
        cudaEventRecord(a);
        c.f<<<grid, 128, smem>>>(c.iters, sink, rec);
        cudaEventRecord(b); check(cudaEventSynchronize(b), "run");
        if (r < 3) continue;
        float t; cudaEventElapsedTime(&t, a, b); ms[r - 3] = t;
        check(cudaMemcpy(host, rec, (size_t)grid * 3 * 8, cudaMemcpyDeviceToHost), "copy");
        double* d = (double*)malloc(grid * sizeof(double)); int* cnt = (int*)calloc(sms, sizeof(int));
        unsigned long long first = ~0ull, last = 0;
        for (int i = 0; i < grid; i++) {
          d[i] = (host[i * 3 + 1] - host[i * 3]) / 1000.0; cnt[host[i * 3 + 2] % sms]++;
          if (host[i * 3] < first) first = host[i * 3];
          if (host[i * 3 + 1] > last) last = host[i * 3 + 1];
        }
        for (int s = 0; s < sms; s++) if (cnt[s] != B) sm_ok = 0;
        // median block time
        for (int i = 1; i < grid; i++) { double v = d[i]; int j = i - 1; while (j >= 0 && d[j] > v) { d[j + 1] = d[j]; j--; } d[j + 1] = v; }
        med[r - 3] = d[grid / 2];
        free(d); free(cnt);
      }
      // medians of the five launches
      for (int i = 1; i < 5; i++) for (int j = i; j > 0 && ms[j] < ms[j - 1]; j--) { double t = ms[j]; ms[j] = ms[j - 1]; ms[j - 1] = t; }
      for (int i = 1; i < 5; i++) for (int j = i; j > 0 && med[j] < med[j - 1]; j--) { double t = med[j]; med[j] = med[j - 1]; med[j - 1] = t; }
      printf("{\"kind\": \"%s\", \"ilp\": %d, \"blocks_per_sm\": %d, \"occupancy_fit\": %d, \"warps_per_sm\": %d, \"smem\": %zu, "
             "\"iters\": %d, \"work_per_warp\": %.1f, \"block_us\": %.3f, \"kernel_ms\": %.5f, \"every_sm_B_blocks\": %s}\n",
             c.kind, c.ilp, B, fit, 4 * B, smem, c.iters, c.workPerIter * c.iters, med[2], ms[2], sm_ok ? "true" : "false");
      fflush(stdout);
    }
  }
  return 0;
}
"""


def main():
    out = sys.argv[1]
    rows = save(out, run_probe(SOURCE, "probe"))
    # a short reading: throughput per SM (work per µs of all B blocks) against warps
    for kind in sorted({(r["kind"], r["ilp"]) for r in rows}):
        sel = [r for r in rows if (r["kind"], r["ilp"]) == kind]
        for r in sel:
            tp = r["blocks_per_sm"] * 4 * r["work_per_warp"] / r["block_us"] if r["work_per_warp"] else 0
            print(kind, r["warps_per_sm"], r["occupancy_fit"], r["every_sm_B_blocks"], f"block {r['block_us']:.2f} us",
                  f"per-SM throughput {tp:.0f}/us", flush=True)


if __name__ == "__main__":
    main()
