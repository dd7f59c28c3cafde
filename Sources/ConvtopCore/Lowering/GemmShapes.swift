/// Picks tile-based launch configurations for GEMM-like kernels the way cuDNN, CUTLASS and cuBLAS do.
struct GemmShapes {
    let gpu: GPUSpec
    let precision: Precision

    struct Config {
        var name: String
        var tileM: Int, tileN: Int
        var threads: Int
        var registers: Int
        var sharedMemory: Int
        var kernelClass: KernelClass
    }

    /// Whether tensor cores run this work (PyTorch: convolutions use TF32 by default, matmuls only at fp16/bf16).
    func usesTensorCores(isMatmul: Bool, k: Int) -> Bool {
        guard k >= 16 else { return false }
        switch precision {
        case .fp32: return false
        case .tf32: return !isMatmul && gpu.tf32TFLOPS > 0
        case .fp16: return gpu.fp16TFLOPS > 0
        case .bf16: return gpu.bf16TFLOPS > 0 || gpu.fp16TFLOPS > 0
        }
    }

    /// Shared memory that fits the chip: halve the pipeline stages until it does.
    func fitShared(_ bytes: Int) -> Int {
        var s = bytes
        while s > gpu.maxSharedMemoryPerBlock - gpu.reservedSharedMemoryPerBlock && s > 4096 { s /= 2 }
        return s
    }

    /// Registers that fit the chip's register file for this block size.
    func fitRegisters(_ regs: Int, threads: Int) -> Int {
        let cap = min(gpu.maxRegistersPerThread, gpu.registersPerSM / max(threads, 1) / 8 * 8)
        return min(regs, cap)
    }

    var tag: String { precision == .fp32 ? "f32" : precision.rawValue }

    /// Ampere-style tile kernels (CUTLASS/xmma), by problem size.
    func tileConfig(m: Int, n: Int, tensor: Bool, matmul: Bool = false) -> Config {
        if !tensor && matmul {
            // cuBLAS's CUDA-core GEMMs (sm80_xmma_gemm_f32f32 on Hopper, 128 threads): the largest tile that still
            // gives four blocks per SM. Measured choices (ViT-B/16, ConvNeXt-T at batch 32, kernels.jsonl.gz) range
            // from 64×64 to 256×64; this picks within a factor of two of their block counts. Registers and shared
            // memory are the profiled kernels' (Assets/onnx/measured/kernels.jsonl.gz): two 128×128 or 128×64 blocks
            // fit an SM, four 64×64 ones.
            let tiles = { (tm: Int, tn: Int) in (m + tm - 1) / tm * ((n + tn - 1) / tn) }
            // Small problems (ConvNeXt's stage 4 at batch 1) run 32×32 tiles (64 threads there; 128 here).
            let (tm, tn, regs, smem) = tiles(128, 128) >= 4 * gpu.smCount ? (128, 128, 255, 33792)
                : (tiles(128, 64) >= 4 * gpu.smCount ? (128, 64, 218, 19200)
                   : (tiles(64, 64) >= 2 * gpu.smCount ? (64, 64, 128, 13056) : (32, 32, 80, 6912)))
            return Config(name: "xmma_gemm_\(tag)_simt_\(tm)x\(tn)", tileM: tm, tileN: tn, threads: 128, registers: regs,
                          sharedMemory: smem, kernelClass: .simtGemm)
        }
        if !tensor {
            return Config(name: "xmma_gemm_\(tag)_ffma_32x32x8", tileM: 32, tileN: 32, threads: 64, registers: 92,
                          sharedMemory: 6528, kernelClass: .cudaCore)
        }
        let big = (m + 127) / 128 * ((n + 127) / 128) >= gpu.smCount
        if big {
            return Config(name: "cutlass_tensorop_\(tag)_gemm_128x128", tileM: 128, tileN: 128, threads: 128, registers: 216,
                          sharedMemory: 98304, kernelClass: .tensorGemm)
        }
        let mid = (m + 127) / 128 * ((n + 63) / 64) >= gpu.smCount / 2
        if mid {
            return Config(name: "cutlass_tensorop_\(tag)_gemm_128x64", tileM: 128, tileN: 64, threads: 128, registers: 136,
                          sharedMemory: 73728, kernelClass: .tensorGemm)
        }
        return Config(name: "cutlass_tensorop_\(tag)_gemm_64x64", tileM: 64, tileN: 64, threads: 128, registers: 92,
                      sharedMemory: 98304, kernelClass: .tensorGemm)
    }

    /// Hopper warp-group kernels that launch about one block per SM and loop over tiles (persistent).
    func persistentConfig() -> Config {
        Config(name: "sm90_xmma_\(tag)_warpgroup_64x128", tileM: 64, tileN: 128, threads: 384, registers: 168,
               sharedMemory: 231424, kernelClass: .tensorGemm)
    }

    /// Split-K factor that lifts a small grid towards three quarters of the SMs (a power of two, ≤ k/64).
    func splitK(tiles: Int, k: Int) -> Int {
        guard tiles < gpu.smCount / 2 else { return 1 }
        let want = max(1, Int(0.75 * Double(gpu.smCount)) / max(tiles, 1))
        let limit = max(1, k / 64)
        var s = 1
        while s * 2 <= min(want, limit, 16) { s *= 2 }
        return s
    }
}
