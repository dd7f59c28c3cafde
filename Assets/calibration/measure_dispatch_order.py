#!/usr/bin/env python3
"""Whether the block dispatcher serves grids in order: does a later grid that fits beside an earlier one start its
blocks before every block of the earlier grid has been dispatched?

Runs on a CUDA machine with nvcc:  python3 measure_dispatch_order.py OUT.jsonl

Why: convtop's dispatcher gives a later grid blocks only once every block of the earlier ones is dispatched (the
seed paper's in-order rule), and `convtop explain` charges the wait as "in-order dispatch". Here grid A (132 x 8
blocks of 128 threads, shared memory sized so that 4 fit on an SM with 4 KB to spare: two waves, each block waiting 20 µs on the global
timer) runs on one stream and grid B (132 blocks of 128 threads, no shared memory, 5 µs each), which fits beside A's
first wave, is launched right after it on another stream:
  - `streams`: two non-blocking streams, A launched first, then B;
  - `graph`: the same two kernels as two branches of one CUDA Graph;
  - `one_wave`: A has 132 x 4 blocks only (one wave, every block dispatched at once), then B: B has nothing to
    wait behind;
  - `no_room`: B asks for A's shared memory too, so it cannot start beside A's blocks whatever the order.
(A first run sized A's blocks to fill the SM's shared memory exactly: then B, whose blocks reserve 1 KB each, could
not start beside them in any case and every case began B only when A's last wave ended.)
Every block records its start (%globaltimer). Per case, the medians over seven launches (after three warm-ups) of
when A's and B's first and last blocks started, in µs after A's first block.
Output: Assets/calibration/round25/dispatch_order.jsonl and dispatch_order.env.json (H200, CUDA 13.0).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuda_probe import run_probe, save  # noqa: E402

SOURCE = r"""
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <vector>
#include <cuda_runtime.h>

__device__ __forceinline__ unsigned long long gtimer() {
  unsigned long long t; asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t)); return t; }

__global__ void spin(int ns, unsigned long long* starts) {
  extern __shared__ char smem[];
  unsigned long long t0 = gtimer();
  if (threadIdx.x == 0) starts[blockIdx.x] = t0;
  while (gtimer() - t0 < (unsigned long long)ns) {}
  if (ns < 0) starts[0] = smem[threadIdx.x];
}

static void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) { fprintf(stderr, "%s: %s\n", what, cudaGetErrorString(e)); exit(1); }
}

static double med(std::vector<double> v) { std::sort(v.begin(), v.end()); return v[v.size() / 2]; }

int main() {
  cudaDeviceProp p; check(cudaGetDeviceProperties(&p, 0), "props");
  int sms = p.multiProcessorCount;
  size_t perSM = p.sharedMemPerMultiprocessor, reserved = p.reservedSharedMemPerBlock;
  // four of A's blocks fit an SM, a fifth does not, and 4 KB stay free for B's blocks (each reserves 1 KB)
  size_t smemA = (perSM - 4096) / 4 - reserved; smemA -= smemA % 128;
  check(cudaFuncSetAttribute((const void*)spin, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smemA), "attr");
  unsigned long long *da, *db;
  check(cudaMalloc(&da, sms * 8 * 8), "malloc"); check(cudaMalloc(&db, sms * 8), "malloc");
  std::vector<unsigned long long> ha(sms * 8), hb(sms);
  cudaStream_t s1, s2, cap;
  cudaStreamCreateWithFlags(&s1, cudaStreamNonBlocking); cudaStreamCreateWithFlags(&s2, cudaStreamNonBlocking);
  cudaStreamCreateWithFlags(&cap, cudaStreamNonBlocking);
  printf("{\"device\": \"%s\", \"sms\": %d, \"smem_a\": %zu}\n", p.name, sms, smemA);
  const char* cases[] = {"streams", "graph", "one_wave", "no_room"};
  for (const char* c : cases) {
    bool graph = c[0] == 'g', oneWave = c[0] == 'o', noRoom = c[0] == 'n';
    int gridA = sms * (oneWave ? 4 : 8), gridB = sms;
    size_t smemB = noRoom ? smemA : 0;
    cudaGraphExec_t exec = nullptr;
    if (graph) {
      cudaEvent_t fork, join; cudaEventCreateWithFlags(&fork, cudaEventDisableTiming); cudaEventCreateWithFlags(&join, cudaEventDisableTiming);
      check(cudaStreamBeginCapture(cap, cudaStreamCaptureModeGlobal), "capture");
      cudaEventRecord(fork, cap); cudaStreamWaitEvent(s2, fork, 0);
      spin<<<gridA, 128, smemA, cap>>>(20000, da);
      spin<<<gridB, 128, smemB, s2>>>(5000, db);
      cudaEventRecord(join, s2); cudaStreamWaitEvent(cap, join, 0);
      cudaGraph_t g; check(cudaStreamEndCapture(cap, &g), "end capture");
      check(cudaGraphInstantiate(&exec, g, 0), "instantiate");
    }
    std::vector<double> aFirst, aLast, bFirst, bLast, aWave2;
    for (int r = 0; r < 10; r++) {
      check(cudaDeviceSynchronize(), "sync");
      if (graph) check(cudaGraphLaunch(exec, cap), "launch graph");
      else { spin<<<gridA, 128, smemA, s1>>>(20000, da); spin<<<gridB, 128, smemB, s2>>>(5000, db); }
      check(cudaDeviceSynchronize(), "run");
      if (r < 3) continue;
      cudaMemcpy(ha.data(), da, gridA * 8, cudaMemcpyDeviceToHost); cudaMemcpy(hb.data(), db, gridB * 8, cudaMemcpyDeviceToHost);
      unsigned long long a0 = *std::min_element(ha.begin(), ha.begin() + gridA), a1 = *std::max_element(ha.begin(), ha.begin() + gridA);
      unsigned long long b0 = *std::min_element(hb.begin(), hb.begin() + gridB), b1 = *std::max_element(hb.begin(), hb.begin() + gridB);
      std::vector<unsigned long long> late;
      for (int i = 0; i < gridA; i++) if (ha[i] > a0 + 10000) late.push_back(ha[i]);
      aFirst.push_back(0); aLast.push_back((a1 - a0) / 1000.0);
      aWave2.push_back(late.empty() ? -1 : (*std::min_element(late.begin(), late.end()) - a0) / 1000.0);
      bFirst.push_back(((double)b0 - (double)a0) / 1000.0); bLast.push_back(((double)b1 - (double)a0) / 1000.0);
    }
    printf("{\"case\": \"%s\", \"grid_a\": %d, \"grid_b\": %d, \"smem_a\": %zu, \"smem_b\": %zu, \"spin_a_us\": 20, \"spin_b_us\": 5, "
           "\"a_last_start_us\": %.3f, \"a_second_wave_us\": %.3f, \"b_first_start_us\": %.3f, \"b_last_start_us\": %.3f}\n",
           c, gridA, gridB, smemA, smemB, med(aLast), med(aWave2), med(bFirst), med(bLast));
    fflush(stdout);
  }
  return 0;
}
"""


def main():
    out = sys.argv[1]
    for r in save(out, run_probe(SOURCE, "dispatch")):
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
