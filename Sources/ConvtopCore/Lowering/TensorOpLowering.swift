/// Kernels of the general tensor ops (element-wise, reductions, normalisation, data movement, matrix products,
/// attention) and their gradients, as PyTorch's ATen CUDA kernels launch them.
///
/// Launch shapes were read from H200 profiles of ConvNeXt-T, ViT-B/16, Swin-T, EfficientNet and MobileNet-v3
/// (Assets/onnx/measured/kernels.jsonl.gz): `vectorized_layer_norm_kernel` takes one 128-thread block per row;
/// copies of permuted tensors run `elementwise_kernel<128, 2>` (256 elements per block); fp32 attention runs
/// `fmha_cutlassF_f32_aligned_64x64_rf_sm80` with one 128-thread block per 64 queries, head and sequence.
extension Lowering {
    /// Each block of `vectorized_layer_norm_kernel` (one row) lives about this long however little its row holds:
    /// the H200 profiles (Assets/onnx/measured/kernels.jsonl.gz) show rows of 96–768 values taking 2.0–2.5 µs a block
    /// at batch 1 (ConvNeXt-T, Swin-T, ViT-B/16: 49–3,136 rows, under two waves) and 3.4–5.2 µs at batch 32 with 12–16
    /// blocks per SM (Swin-T: 100,352 rows of 96 in 160 µs, 0.5 TB/s) — latency, not bandwidth. The fixed part is set
    /// so that the model gives the 39 profiled layer-norm shapes of five transformers at batch 1 and 32 their
    /// measured times (simulated/measured median 0.94, from 0.62 to 1.21; at 2.0 µs it was 0.74; printed by
    /// Assets/onnx/layer_norm_times.py, and `LoweringTests` checks two); the rest is the model's memory time shared
    /// among resident blocks.
    static let layerNormBlockLatencyUs = 2.7

    /// Each 512-thread block of PyTorch's `reduce_kernel` (16 outputs of a few dozen values each: F.normalize's norm,
    /// a mean over a small map) lives about this long: its load-shuffle-store chain is latency, not bandwidth. The H200
    /// profiles of the ONNX corpus (Assets/onnx/measured/kernels.jsonl.gz) show 2.3-2.6 µs per wave of four blocks per
    /// SM from 3,000 blocks up (Swin-V2-T's query and key norms at batch 32: 18,816 blocks in 87 µs, 0.44 TB/s).
    /// Set so that the 8 Swin-V2-T shapes the model prices come out at their measured times (simulated/measured
    /// 0.89-1.20; at 2.0 µs 0.76-1.01), printed by Assets/onnx/reduce_times.py. Until session 16 these blocks took the
    /// element-wise class's 0.07 µs, and Swin-V2-T's 24 norms ran 18 µs where the profile shows 87.
    static let reduceBlockLatencyUs = 2.4

    mutating func emitTensorOp(_ node: Node, graph: Graph) {
        let out = node.shape
        let inShape = node.inputs.first.map { graph.nodes[$0].shape } ?? out
        switch node.kind {
        case .unary(let u):
            elementwise("vectorized_elementwise_\(u.name)", elements: out.elements, tensors: 2, flopsPerElement: u.flopsPerElement)
        case .binary(let b):
            // An operand's elements in memory: a view that expands a smaller tensor (ONNX's Expand) reads that tensor.
            let stored = { (i: Int) -> Int in
                let x = graph.nodes[i]
                guard x.kind == .view, let source = x.inputs.first else { return x.shape.elements }
                return min(x.shape.elements, graph.nodes[source].shape.elements)
            }
            let reads = node.inputs.reduce(0) { $0 + stored($1) }
            let broadcast = node.inputs.contains { graph.nodes[$0].shape != out || stored($0) < out.elements }
            let bytes = Double(out.elements + reads) * e
            if broadcast {
                broadcastElementwise("elementwise_\(b.rawValue)", elements: out.elements, bytes: bytes)
            } else {
                k("elementwise_\(b.rawValue)", .elementwise, grid: Dim3((out.elements + 1023) / 1024), block: Dim3(128), regs: 28,
                  smem: 0, flops: Double(out.elements), bytes: bytes)
            }
        case .reduce:
            innerReduction("reduce_kernel", input: inShape.elements, output: out.elements)
        case .layerNorm(let n):
            let rows = out.elements / max(n, 1)
            let i = k("vectorized_layer_norm_kernel", .reduction, grid: Dim3(rows), block: Dim3(32, 4), regs: 39, smem: 24,
              flops: Double(out.elements * 8), bytes: Double(out.elements * 2) * e)
            kernels[i].blockLatencyUs = Self.layerNormBlockLatencyUs
        case .groupNorm(let g):
            let rows = out.batch * g
            k("RowwiseMomentsCUDAKernel", .reduction, grid: Dim3(rows), block: Dim3(512), regs: 32, smem: 0,
              flops: Double(out.elements * 3), bytes: Double(out.elements) * e)
            k("ComputeFusedParamsCUDAKernel", .elementwise, grid: Dim3((out.batch * out.channels + 255) / 256), block: Dim3(256),
              regs: 24, smem: 0, flops: Double(out.batch * out.channels * 4), bytes: Double(out.batch * out.channels * 4) * e)
            elementwise("group_norm_apply", elements: out.elements, tensors: 2, flopsPerElement: 2)
        case .copy(let c):
            if node.inferenceView && graph.mode == .inference { return }
            copyKernel("copy_\(c.rawValue)", elements: out.elements)
        case .resize(.bilinear) where out.rank == 4:
            bilinearUpsample(out: out, input: inShape)
        case .resize(let m):
            k("upsample_\(m.rawValue)2d_out_frame", .elementwise, grid: Dim3((out.elements + 511) / 512), block: Dim3(512), regs: 32,
              smem: 0, flops: Double(out.elements * (m == .bilinear ? 20 : 6)), bytes: Double(out.elements + inShape.elements) * e)
        case .convTranspose(let a):
            // The data gradient of the convolution that maps this op's output shape to its input shape (as cuDNN runs it).
            convolution(a, input: out, output: inShape, pass: .dgrad)
            if a.bias { elementwise("add_bias", elements: out.elements, tensors: 2) }
        case .matmul(let s):
            gemmKernels("bmm", m: s.m, n: s.n, k: s.k, batch: s.batch, matmul: true)
        case .attention(let s):
            attention(s, backward: false)
        default:
            emitTensorOpBackward(node, graph: graph)
        }
    }

    /// Gradients of the general tensor ops.
    private mutating func emitTensorOpBackward(_ node: Node, graph: Graph) {
        let out = node.shape
        switch node.kind {
        case .softmaxBackward:
            let cols = max(out.dims.last ?? 1, 1), rows = out.elements / cols
            k("cunn_SoftMaxBackward", .reduction, grid: Dim3(rows), block: Dim3(min(1024, max(32, cols / 4))), regs: 32, smem: 64,
              flops: Double(out.elements * 3), bytes: Double(out.elements * 3) * e)
        case .unaryBackward(let u):
            elementwise("\(u.name)_backward", elements: out.elements, tensors: 3, flopsPerElement: u.flopsPerElement)
        case .binaryBackward(let b):
            // The incoming gradient has the op's output shape; a broadcast operand's gradient is summed down to it.
            let g = node.inputs.first.map { graph.nodes[$0].shape.elements } ?? out.elements
            elementwise("\(b.rawValue)_backward", elements: g, tensors: 3)
            if out.elements < g { reduction("sum_to_size", input: g, output: out.elements) }
        case .reduceBackward:
            elementwise("expand_grad", elements: out.elements, tensors: 2)
        case .layerNormBackward(let n):
            let rows = out.elements / max(n, 1)
            k("layer_norm_grad_input_kernel", .reduction, grid: Dim3(rows), block: Dim3(32, 4), regs: 48, smem: 0,
              flops: Double(out.elements * 10), bytes: Double(out.elements * 3) * e)
            reduction("GammaBetaBackward", input: out.elements * 2, output: 2 * n)
        case .groupNormBackward(let g):
            reduction("Compute1dBackwardFusedParams", input: out.elements * 2, output: out.batch * g * 2)
            elementwise("group_norm_backward_apply", elements: out.elements, tensors: 3, flopsPerElement: 4)
            reduction("GammaBeta1dBackward", input: out.elements * 2, output: out.channels * 2)
        case .copyBackward(let c):
            if c != .transpose { elementwise("fill_zero", elements: out.elements, tensors: 1, flopsPerElement: 0) }
            let g = node.inputs.first.map { graph.nodes[$0].shape.elements } ?? out.elements
            copyKernel("copy_\(c.rawValue)_backward", elements: g)
        case .resizeBackward(let m):
            let g = node.inputs.first.map { graph.nodes[$0].shape.elements } ?? out.elements
            elementwise("fill_zero", elements: out.elements, tensors: 1, flopsPerElement: 0)
            k("upsample_\(m.rawValue)2d_backward", .elementwise, grid: Dim3((g + 511) / 512), block: Dim3(512), regs: 32, smem: 0,
              flops: Double(g * (m == .bilinear ? 24 : 6)), bytes: Double(g + out.elements * 2) * e)
        case .convTransposeDataGrad(let a):
            convolution(a, input: graph.nodes[node.forwardOf!].shape, output: out, pass: .fprop)
        case .convTransposeWeightGrad(let a):
            let fwd = graph.nodes[node.forwardOf!]
            convolution(a, input: fwd.shape, output: graph.nodes[fwd.inputs[0]].shape, pass: .wgrad)
            if a.bias { reduction("reduce_bias_grad", input: fwd.shape.elements, output: a.inChannels) }
        case .matmulGrad(let s):
            gemmKernels("bmm_grad", m: s.m, n: s.k, k: s.n, batch: s.batch, matmul: true)
        case .attentionBackward(let s):
            attention(s, backward: true)
        default:
            return
        }
    }

    /// PyTorch's `reduce_kernel`: 16 outputs per 512-thread block when many outputs are reduced; a single output is
    /// split over up to four blocks per SM. Returns the kernel's index.
    @discardableResult
    mutating func reduction(_ name: String, input: Int, output: Int) -> Int {
        let grid = output >= 16 ? (output + 15) / 16 : max(1, min(input / 16384, gpu.smCount * 4))
        return k(name, .reduction, grid: Dim3(grid), block: Dim3(32, 16), regs: 32, smem: 16, flops: Double(input),
                 bytes: Double(input + output) * e)
    }

    /// PyTorch's `reduce_kernel` over a contiguous inner dimension (a global average pool's H×W, a mean over a row), its
    /// grid as `setReduceConfig` (ATen's Reduce.cuh) sets it for 512-thread blocks of 32 × 16: a warp per output, 16
    /// outputs a block, while each thread has fewer than 256 values; past that the block's 16 warps share one output;
    /// and where a thread would still have 256 or more and the grid is under 4 blocks per SM, each output is split over
    /// blocks too (`ctas_per_output`: as many as fill 4 blocks per SM, at least 16 values a thread, at most 256), their
    /// partial sums combined in global memory. EfficientNet-B6's squeeze-excitation pools at 528 px (56 channels of
    /// 264 × 264) launch 56 blocks, as profiled in round 24 (10.9 µs); at 16 outputs a block convtop gave them 4 blocks
    /// and 212 µs. Each block lives at least `reduceBlockLatencyUs`. (An imported `.reduce` op is taken to reduce its
    /// innermost dimensions, as the exports of torchvision's networks do: a mean over H×W or over a row.)
    mutating func innerReduction(_ name: String, input: Int, output: Int) {
        let outputs = max(output, 1), length = max(input / outputs, 1)
        var perThread = (length + 31) / 32, grid = (outputs + 15) / 16, split = 1
        if perThread >= 256 {
            perThread = (length + 511) / 512
            grid = outputs
            let target = gpu.smCount * max(gpu.maxThreadsPerSM / 512, 1)
            if perThread >= 256 && grid <= target {
                split = max(min((target + grid - 1) / grid, (perThread + 15) / 16), (perThread + 255) / 256)
            }
        }
        let i = k(name, .reduction, grid: Dim3(grid, split), block: Dim3(32, 16), regs: 32, smem: 16, flops: Double(input),
                  bytes: Double(input + output) * e)
        kernels[i].blockLatencyUs = Self.reduceBlockLatencyUs
    }

    /// A broadcast element-wise op: PyTorch vectorises only contiguous operands, so it runs the strided loop
    /// (`elementwise_kernel<128, 2>`, 256 elements a block), as the profiles show for squeeze-excitation's scaling,
    /// F.normalize's division and a bias added to channels-last output (2.0-2.7 TB/s,
    /// Assets/onnx/measured/kernels.jsonl.gz; the vectorised kernels reach 4.2).
    mutating func broadcastElementwise(_ name: String, elements n: Int, bytes: Double) {
        atStridedLoopRate(k(name, .elementwise, grid: Dim3((n + 255) / 256), block: Dim3(128), regs: 28, smem: 0,
                            flops: Double(n), bytes: bytes))
    }

    /// PyTorch's bilinear upsampling (`upsample_bilinear2d_out_frame`, NCHW): a thread per output pixel that loops over
    /// every image and channel, so ceil(H×W / 1024) blocks of 1024 threads whatever the batch (DeepLabv3's ASPP pooling
    /// branch, 1×1 to 64×64: 4 blocks, four SMs streaming 268 MB at batch 64, 2,121 µs), at its measured rate. It is
    /// priced by that rate alone: its few operations an element never bind there, and the time scale that sets the rate
    /// would stretch them too.
    mutating func bilinearUpsample(out: TensorShape, input: TensorShape) {
        let plane = out.height * out.width
        let i = k("upsample_bilinear2d_out_frame", .elementwise, grid: Dim3(max(1, (plane + 1023) / 1024)), block: Dim3(1024), regs: 32,
                  smem: 0, flops: 0, bytes: Double(out.elements + input.elements) * e)
        atBandwidthShare(i, Self.bilinearUpsampleBandwidthShare)
    }

    /// The share of the datasheet DRAM bandwidth the bilinear upsampling loop streams at, an SM held to its usual cap
    /// (4× its fair share): 0.231 on the H200, the median over the launch shapes of the ONNX corpus's FCN and DeepLabv3
    /// profiles at batch 1 and 32; held out, their launches at batch 4, 16 and 64 come within a median 7.0%, worst 27.9%
    /// (`Assets/onnx/upsample_rate.py`). Priced as an element-wise kernel of one thread per output element before
    /// session 17, DeepLabv3's two took 408 µs at batch 64 against 3,378 profiled.
    static let bilinearUpsampleBandwidthShare = 0.231

    /// `elementwise_kernel<128, 2>`, the copy of a non-contiguous tensor: 256 elements per 128-thread block.
    mutating func copyKernel(_ name: String, elements n: Int) {
        atStridedLoopRate(k(name, .layout, grid: Dim3((n + 255) / 256), block: Dim3(128), regs: 24, smem: 0, flops: 0,
                            bytes: Double(2 * n) * e))
    }

    /// The share of the datasheet DRAM bandwidth PyTorch's non-vectorised element-wise loop (`elementwise_kernel<128,
    /// 2>`, two elements a thread with index arithmetic for each) streams at: 2.36 TB/s on the H200, the median of its
    /// 1,306 profiled launches over 5 µs in the ONNX corpus's networks (Assets/onnx/measured/kernels.jsonl.gz; 10th–90th
    /// percentile 1.49–2.71 TB/s), against 4.2 TB/s for the vectorised kernels (`efficiency.memory`).
    static let stridedLoopBandwidthShare = 0.49

    /// The loop's block latency (µs): a block's load-compute-store chain, which a block alone on its SM cannot hide.
    /// Launches of 2-64 blocks (under a wave) take a median 1.536 µs on the H200, the kernel latency (0.814) and
    /// this: 633 launches of the ONNX corpus's profiles (Assets/onnx/strided_loop_latency.py). Priced as 0.15 µs
    /// until session 14 (the class's block cost), DenseNet-121's training step at batch 8 ran its 396 sums of
    /// 49-196 blocks in 0.96-1.03 µs each against 1.47-2.02 profiled (round2/kernels.jsonl.gz).
    static let stridedLoopBlockUs = 0.72

    /// Slows kernel `i`, which runs that loop (a permuted copy, a sum of gradient slices), from its class's rate to
    /// the loop's; its blocks take at least the loop's block latency (hidden behind the memory time of a busy SM's
    /// blocks). A sum (element-wise class, 0.07 µs a block) takes the latency; a copy keeps the layout class's block
    /// cost (1.0 µs), which the copies' own launches of 65-2,112 blocks (1.73-2.24 µs) sit closer to: priced at 0.72,
    /// the ONNX corpus's serial median improved (4.0% → 3.8%) but ShuffleNet's channel shuffles and the transformers'
    /// copies at batch 1 came out 1-4 points faster, away from their measurements.
    mutating func atStridedLoopRate(_ i: Int) {
        let scale = atBandwidthShare(i, Self.stridedLoopBandwidthShare)
        let classCost = TimingModel(gpu: gpu).blockOverhead(kernels[i])
        // (a block latency is stretched by the time scale like every rate, so it is given before the stretch)
        if classCost < Self.stridedLoopBlockUs { kernels[i].blockLatencyUs = Self.stridedLoopBlockUs / scale }
    }

    /// Slows kernel `i` from its class's share of the DRAM bandwidth to `share` (never speeds it up); returns the scale.
    @discardableResult
    mutating func atBandwidthShare(_ i: Int, _ share: Double) -> Double {
        let scale = max(1, TimingModel(gpu: gpu).bandwidthShare(kernels[i].kernelClass) / share)
        kernels[i].timeScale = scale
        return scale
    }

    /// Memory-efficient attention (CUTLASS, fp32) or flash attention (fp16/bf16): one block per 64 (128) queries,
    /// head and sequence; the backward pass runs one block per 64 keys and about 2.5× the forward arithmetic.
    mutating func attention(_ s: AttentionShape, backward: Bool) {
        let half = precision == .fp16 || precision == .bf16
        let tile = half ? 128 : 64
        let rows = backward ? s.seqK : s.seqQ
        // The fp32 forward kernel works on whole 64-key tiles: a sequence of 197 costs what 256 keys do.
        let paddedKeys = !half && !backward ? (s.seqK + tile - 1) / tile * tile : s.seqK
        let flops = 2.0 * Double(s.macs) * (backward ? 2.5 : 1) * Double(paddedKeys) / Double(max(s.seqK, 1))
        let tokens = Double(s.batch * s.heads * s.headDim)
        let bytes = tokens * Double(2 * s.seqQ + 2 * s.seqK) * (backward ? 2 : 1) * e
        let name = half ? (backward ? "flash_bwd_kernel" : "flash_fwd_kernel")
            : (backward ? "fmha_cutlassB_f32_aligned_64x64_k64_sm80" : "fmha_cutlassF_f32_aligned_64x64_rf_sm80")
        let fp32Forward = !half && !backward
        let i = k(name, half ? .tensorGemm : .cudaCore, grid: Dim3((rows + tile - 1) / tile, s.heads, s.batch), block: Dim3(32, 4),
          regs: fp32Forward ? 168 : 128, smem: fp32Forward ? 36352 : (half ? 49152 : 40960), flops: flops, bytes: bytes)
        if fp32Forward {
            let scale = max(1, gpu.efficiency.cudaCore / Self.fp32AttentionShare)
            kernels[i].timeScale = scale
            // (a block latency is stretched by the time scale like every rate, so it is given before the stretch)
            kernels[i].blockLatencyUs = Self.fp32AttentionBlockUs / scale
        }
    }

    /// PyTorch's fp32 forward attention kernel (`fmha_cutlassF_f32_aligned_64x64_rf_sm80`: one 128-thread block of 168
    /// registers per 64 queries, three blocks per SM) on the H200: a busy SM computes its 64-key tiles at this share of
    /// FP32 peak, and each block also spends a fixed time loading its queries and writing its output. Both set from the
    /// seven profiled shapes of Assets/calibration/round6/tensor_ops.jsonl and ViT-B/16 at batch 1 (sequences of
    /// 49–1,024, heads of 32–128, 32–1,536 blocks): a least-squares fit of the timing formula, then both scaled so that
    /// the simulator's median matches — simulated over measured 0.94–1.40, median 0.99
    /// (`Assets/calibration/tensor_ops_check.py`). The backward kernel was not profiled and keeps the CUDA-core rate.
    static let fp32AttentionShare = 0.53
    static let fp32AttentionBlockUs = 12.4
}
