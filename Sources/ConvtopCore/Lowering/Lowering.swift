/// Lowers a graph to the kernels PyTorch (with cuDNN, CUTLASS and cuBLAS) launches for it on a given GPU.
///
/// Precision `tf32` (the default) means fp32 tensors with TF32 tensor-core convolutions, as PyTorch does;
/// `fp32` disables tensor cores; `fp16`/`bf16` halve memory traffic and use tensor cores for matmuls too.
public struct Lowering {
    public let gpu: GPUSpec
    public let precision: Precision
    let gemm: GemmShapes
    private var kernels: [Kernel] = []

    public init(gpu: GPUSpec, precision: Precision = .tf32) {
        self.gpu = gpu
        self.precision = precision
        gemm = GemmShapes(gpu: gpu, precision: precision)
    }

    /// Lowers every node; kernels of one op form a chain, and an op's first kernel waits for its producers.
    public static func lower(_ graph: Graph, gpu: GPUSpec, precision: Precision = .tf32) -> KernelGraph {
        var l = Lowering(gpu: gpu, precision: precision)
        var opKernels = Array(repeating: [Int](), count: graph.nodes.count)
        // Last kernels an op's consumers must wait for (views pass their producers' through).
        var frontier = Array(repeating: [Int](), count: graph.nodes.count)
        for node in graph.nodes {
            let deps = Array(Set(node.inputs.flatMap { frontier[$0] })).sorted()
            let start = l.kernels.count
            l.emit(node, graph: graph)
            if l.kernels.count == start {
                frontier[node.id] = deps
                continue
            }
            for k in start..<l.kernels.count {
                l.kernels[k].id = k
                l.kernels[k].op = node.id
                l.kernels[k].deps = k == start ? deps : [k - 1]
            }
            opKernels[node.id] = Array(start..<l.kernels.count)
            frontier[node.id] = [l.kernels.count - 1]
        }
        return KernelGraph(graph: graph, kernels: l.kernels, opKernels: opKernels, precision: precision)
    }

    var e: Double { Double(precision.bytes) }

    mutating func k(_ name: String, _ cls: KernelClass, grid: Dim3, block: Dim3, regs: Int, smem: Int,
                            flops: Double, bytes: Double) {
        let threads = block.count
        kernels.append(Kernel(id: 0, op: 0, name: name, kernelClass: cls, grid: grid, block: block,
                              registersPerThread: gemm.fitRegisters(regs, threads: threads),
                              sharedMemoryPerBlock: gemm.fitShared(smem), flops: flops, bytes: bytes,
                              precision: cls == .tensorGemm ? precision : (precision == .tf32 ? .fp32 : precision),
                              deps: []))
    }

    /// PyTorch's vectorized element-wise kernel: 128 threads, 1024 elements per block.
    /// `n` rounded up to a multiple of `m`.
    func roundUp(_ n: Int, _ m: Int) -> Int { (n + m - 1) / m * m }

    mutating func elementwise(_ name: String, elements n: Int, tensors: Int, flopsPerElement: Double = 1) {
        k(name, .elementwise, grid: Dim3((n + 1023) / 1024), block: Dim3(128), regs: 28, smem: 0,
          flops: Double(n) * flopsPerElement, bytes: Double(n * tensors) * e)
    }

    private mutating func transform(_ name: String, hw: Int, c: Int, n: Int) {
        k(name, .layout, grid: Dim3((hw + 31) / 32, (c + 31) / 32, n), block: Dim3(256), regs: 32, smem: 4224,
          flops: 0, bytes: Double(2 * hw * c * n) * e)
    }

    /// A GEMM of m×n×k (optionally batched) with split-K and its reduction kernel where the grid is small.
    mutating func gemmKernels(_ label: String, m: Int, n: Int, k kk: Int, batch: Int = 1, matmul: Bool) {
        let tensor = gemm.usesTensorCores(isMatmul: matmul, k: kk)
        let c = gemm.tileConfig(m: m, n: n, tensor: tensor, matmul: matmul)
        let tiles = (m + c.tileM - 1) / c.tileM * ((n + c.tileN - 1) / c.tileN)
        let split = gemm.splitK(tiles: tiles * batch, k: kk)
        // CUDA-core tiles compute whole tiles: a skinny product (AlexNet's classifier at batch 16, M = 16 in a
        // 32-row tile) issues the padded work.
        let padded = c.kernelClass == .simtGemm ? (m + c.tileM - 1) / c.tileM * c.tileM : m
        let flops = 2.0 * Double(padded) * Double(n) * Double(kk) * Double(batch)
        let bytes = Double((m * kk + kk * n + m * n * split) * batch) * e
        k("\(c.name)_\(label)", c.kernelClass, grid: Dim3(tiles, split, batch), block: Dim3(c.threads), regs: c.registers,
          smem: kk >= 256 ? c.sharedMemory : c.sharedMemory / 2, flops: flops, bytes: bytes)
        // cuBLAS's CUDA-core large-K kernels (sgemm_largek) reduce their K slices themselves: no second kernel.
        if split > 1 && c.kernelClass != .simtGemm {
            k("splitKreduce_\(label)", .reduction, grid: Dim3((m + 31) / 32, (n + 15) / 16, batch), block: Dim3(32, 16),
              regs: 32, smem: 0, flops: Double(m * n * split * batch), bytes: Double(m * n * (split + 1) * batch) * e)
        }
    }

    /// Convolution-shaped work: forward (`fprop`), data gradient (`dgrad`) or weight gradient (`wgrad`).
    mutating func convolution(_ a: ConvAttributes, input: TensorShape, output: TensorShape, pass: ConvPass) {
        let nImg = input.batch
        let cin = a.inChannels / a.groups
        let kArea = a.kernelH * a.kernelW
        let macs = Double(output.elements) * Double(cin * kArea)
        if a.groups > 1 && a.groups == a.inChannels && a.outChannels == a.inChannels {
            depthwise(a, input: input, output: output, pass: pass)
            return
        }
        // GEMM view: fprop M = N·P·Q, N = K_out, K = C·R·S; dgrad M = N·H·W, N = C; wgrad M = K_out, N = C·R·S.
        let (m, n, kk): (Int, Int, Int)
        switch pass {
        case .dgrad: (m, n, kk) = (nImg * input.spatial, a.inChannels, a.outChannels * kArea)
        case .wgrad: (m, n, kk) = (a.outChannels, cin * kArea, nImg * output.spatial)
        case .fprop: (m, n, kk) = (nImg * output.spatial, a.outChannels, cin * kArea)
        }
        // cuDNN keeps few-channel k×k convolutions on FFMA kernels unless the problem is large (many output pixels).
        let enoughChannels = cin >= 48 || (kArea == 1 && cin >= 16) || (cin >= 32 && m >= 100_000) || pass == .wgrad
        let tensor = gemm.usesTensorCores(isMatmul: false, k: kk) && a.outChannels >= 16 && enoughChannels
        let flops = 2 * macs
        let bytes = Double(input.elements + output.elements + a.parameterTensors[0]) * e
        if !tensor {
            if cin <= 4 && pass == .fprop {
                k("implicit_convolve_sgemm", .cudaCore, grid: Dim3((m + 31) / 32, (n + 31) / 32), block: Dim3(8, 8),
                  regs: 64, smem: 2304, flops: flops, bytes: bytes)
            } else {
                let c = gemm.tileConfig(m: m, n: n, tensor: false)
                let tiles = (m + 31) / 32 * ((n + 31) / 32)
                let split = pass == .wgrad ? gemm.splitK(tiles: tiles, k: kk) : 1
                k("\(c.name)_\(pass.rawValue)", .cudaCore, grid: Dim3((n + 31) / 32, (m + 31) / 32, split), block: Dim3(64),
                  regs: 92, smem: 6528, flops: flops, bytes: bytes)
            }
            return
        }
        // cuDNN 9's heuristics on Hopper move larger problems to NHWC warp-group kernels that take one block per SM.
        // The thresholds come from the measured concurrency grid (Assets/calibration/round2/pairs.jsonl: 181 fprop
        // shapes, batch 1–64, 32–1024 channels, 7–112 maps): k×k convolutions from 0.8 GFLOP and 392 output pixels;
        // 1×1 ones from 1.5 GFLOP with maps of at least 28×28 and enough reduction depth (K ≥ 512, or ≥ 256 at
        // batch ≥ 16). The grid is about two blocks per 64×128 tile, capped near the SM count.
        let persistent = gpu.ccMajor >= 9 && (kArea > 1
            ? flops >= 0.8e9 && m >= 392
            : a.strideH == 1 && flops >= 1.5e9 && input.spatial >= 784 && (kk >= 512 || (kk >= 256 && nImg >= 16)))
        if persistent {
            let c = gemm.persistentConfig()
            let tiles = (m + c.tileM - 1) / c.tileM * ((n + c.tileN - 1) / c.tileN)
            let grid = min(2 * tiles, kArea > 1 ? gpu.smCount * 10 / 11 : gpu.smCount)
            // k×k kernels run in NHWC with layout transforms around them; 1×1 ones read NCHW as a GEMM directly.
            if kArea > 1 {
                transform("nchwToNhwc_in", hw: input.spatial, c: a.inChannels, n: nImg)
                transform("nchwToNhwc_filter", hw: kArea, c: cin, n: a.outChannels)
            }
            k("\(c.name)_\(pass.rawValue)", .tensorGemm, grid: Dim3(grid), block: Dim3(c.threads), regs: c.registers,
              smem: c.sharedMemory, flops: flops, bytes: bytes)
            let outShape = pass == .dgrad ? input : output
            if kArea > 1 && pass != .wgrad { transform("nhwcToNchw_out", hw: outShape.spatial, c: outShape.channels, n: nImg) }
            return
        }
        if kArea == 1 && a.strideH == 1 && a.strideW == 1 && pass != .wgrad {
            // 1×1 convolution in NCHW: one GEMM per image (batched), split-K where the grid is small.
            let hw = pass == .dgrad ? input.spatial : output.spatial
            gemmKernels(pass.rawValue, m: hw, n: n, k: kk, batch: nImg, matmul: false)
            return
        }
        if pass == .wgrad {
            gemmKernels("wgrad", m: m, n: n, k: kk, matmul: false)
            return
        }
        // Ampere-style implicit GEMM in NHWC with input and filter transforms.
        transform("nchwToNhwc_in", hw: input.spatial, c: a.inChannels, n: nImg)
        transform("nchwToNhwc_filter", hw: kArea, c: cin, n: a.outChannels)
        let big = (m + 127) / 128 * ((n + 63) / 64) >= gpu.smCount / 2
        let (tm, tn, regs) = big ? (128, 64, 168) : (64, 32, 119)
        k("xmma_implicit_gemm_\(gemm.tag)_\(tm)x\(tn)_\(pass.rawValue)", .tensorGemm, grid: Dim3((n + tn - 1) / tn, (m + tm - 1) / tm),
          block: Dim3(128), regs: regs, smem: 122880, flops: flops, bytes: bytes)
    }

    /// PyTorch's native depthwise kernels (not cuDNN): one thread per output (forward) or input (data gradient)
    /// looping over the window, index-arithmetic bound; the weight gradient takes one 256-thread block per weight
    /// element reducing over the batch and map, so few channels cap its parallelism. Operation counts per window
    /// element (40 forward, 70 data gradient) fit the depthwise sweep in Assets/calibration/round2/sweeps.jsonl.
    private mutating func depthwise(_ a: ConvAttributes, input: TensorShape, output: TensorShape, pass: ConvPass) {
        let kArea = a.kernelH * a.kernelW
        let io = Double(input.elements + output.elements) * e
        switch pass {
        case .dgrad:
            k("conv_depthwise2d_backward", .elementwise, grid: Dim3((input.elements + 1023) / 1024), block: Dim3(1024), regs: 40,
              smem: 0, flops: Double(input.elements * kArea * 70), bytes: io)
        case .wgrad:
            let weights = a.outChannels * kArea
            k("conv_depthwise2d_grad_weight", .reduction, grid: Dim3(weights), block: Dim3(256), regs: 32, smem: 1024,
              flops: Double(output.elements * kArea * 2), bytes: Double(weights) * Double(2 * output.elements / max(a.outChannels, 1)) * e)
        case .fprop:
            k("conv_depthwise2d_forward", .elementwise, grid: Dim3((output.elements + 1023) / 1024), block: Dim3(1024), regs: 40,
              smem: 0, flops: Double(output.elements * kArea * 40), bytes: io + Double(a.parameterTensors[0]) * e)
        }
    }

    private mutating func emit(_ node: Node, graph: Graph) {
        let training = graph.mode == .training
        let out = node.shape
        let inShape = node.inputs.first.map { graph.nodes[$0].shape } ?? out
        switch node.kind {
        case .input, .flatten, .gradientView, .external, .view:
            return
        case .conv(let a):
            convolution(a, input: inShape, output: out, pass: .fprop)
            if a.bias { elementwise("add_bias", elements: out.elements, tensors: 2) }
        case .convDataGrad(let a):
            let fwd = graph.nodes[node.forwardOf!]
            convolution(a, input: out, output: fwd.shape, pass: .dgrad)
        case .convWeightGrad(let a):
            let fwd = graph.nodes[node.forwardOf!]
            let x = graph.nodes[fwd.inputs[0]].shape
            convolution(a, input: x, output: fwd.shape, pass: .wgrad)
            if a.bias {
                k("reduce_bias_grad", .reduction, grid: Dim3(a.outChannels), block: Dim3(512), regs: 32, smem: 0,
                  flops: Double(fwd.shape.elements), bytes: Double(fwd.shape.elements) * e)
            }
        case .batchNorm:
            let c = out.channels, n = out.batch, hw = out.spatial
            if training {
                // cuDNN's NCHW training kernels take one 512-thread block per channel (grid = C, measured at every
                // shape in Assets/calibration/round2/sweeps.jsonl), so few channels cap their parallelism. Up to
                // 32 K elements per channel the "singleread" variant keeps the channel on chip: 2 passes, else 3.
                // Registers and shared memory as measured (Assets/calibration/launch_configs.json): the single-read
                // kernel holds the channel in shared memory, 144 B + 4 B per element rounded up to 512 elements.
                let perChannel = n * hw
                let single = perChannel <= 32768
                k(single ? "bn_fw_tr_1C11_singleread" : "bn_fw_tr_1C11_kernel_NCHW", .reduction, grid: Dim3(c),
                  block: Dim3(512), regs: single ? 47 : 48, smem: single ? 144 + 4 * roundUp(perChannel, 512) : 144,
                  flops: Double(out.elements * 4), bytes: Double(out.elements * (single ? 2 : 3)) * e)
                // num_batches_tracked += 1
                k("add_num_batches_tracked", .elementwise, grid: Dim3(1), block: Dim3(128), regs: 16, smem: 0, flops: 1, bytes: 16)
            } else {
                let threads = hw >= 3136 ? 512 : (hw >= 784 ? 256 : 64)
                k("bn_fw_inf_1C11_kernel_NCHW", .elementwise, grid: Dim3(c, n), block: Dim3(threads), regs: 19, smem: 0,
                  flops: Double(out.elements * 2), bytes: Double(out.elements * 2) * e)
            }
        case .batchNormBackward:
            // One block per channel as in the forward pass. Single-read up to 16 K elements per channel (x and dy read
            // once, dx written: 3 passes); beyond, the kernel reads x and dy for the reductions and again for dx: 5.
            // Registers and shared memory as measured (launch_configs.json): single-read keeps x and dy of the channel,
            // 272 B + 8 B per element rounded up to 512 elements.
            let c = out.channels, perChannel = out.batch * out.spatial
            let single = perChannel <= 16384
            k(single ? "bn_bw_1C11_singleread" : "bn_bw_1C11_kernel_new", .reduction, grid: Dim3(c),
              block: Dim3(512), regs: single ? 48 : 32, smem: single ? 272 + 8 * roundUp(perChannel, 512) : 400,
              flops: Double(out.elements * 6), bytes: Double(out.elements * (single ? 3 : 5)) * e)
        case .relu, .relu6:
            elementwise("vectorized_elementwise_clamp", elements: out.elements, tensors: 2)
        case .reluBackward:
            elementwise("threshold_backward", elements: out.elements, tensors: 3)
        case .dropout:
            if training { elementwise("fused_dropout", elements: out.elements, tensors: 3, flopsPerElement: 4) }
        case .dropoutBackward:
            elementwise("masked_scale", elements: out.elements, tensors: 3)
        case .add, .gradAccumulate:
            elementwise(node.kind == .add ? "add" : "grad_accumulate_add", elements: out.elements, tensors: node.inputs.count + 1)
        case .maxPool, .avgPool:
            let name = { if case .maxPool = node.kind { return "max_pool_forward_nchw" } else { return "avg_pool2d_out_frame" } }()
            // Window loops with index arithmetic: about 60 operations per window element, not bandwidth, bound these.
            let window: Int = { switch node.kind { case .maxPool(let a), .avgPool(let a): return a.kernel * a.kernel; default: return 1 } }()
            k(name, .elementwise, grid: Dim3((out.elements + 255) / 256), block: Dim3(256), regs: 23, smem: 0,
              flops: Double(out.elements * window * 60), bytes: Double(out.elements + inShape.elements) * e)
        case .poolBackward(let isMax):
            // The input gradient (this op's output) is zero-filled, then gathered: each input element loops over the
            // ⌈k/s⌉² windows that cover it, about 80 operations each for max pooling (an index compare) and 100 for
            // average pooling (from the pooling sweep, Assets/calibration/round2/sweeps.jsonl: 3×3/2 max pooling
            // 287 µs and 3×3/1 average pooling 764 µs at 32×64×112×112; GoogLeNet's 3×3/1 max pools in training).
            let fwd = graph.nodes[node.forwardOf!]
            let window: (Int, Int) = { switch fwd.kind { case .maxPool(let a), .avgPool(let a): return (a.kernel, a.stride); default: return (1, 1) } }()
            let cover = (window.0 + window.1 - 1) / max(window.1, 1)
            elementwise("fill_zero", elements: out.elements, tensors: 1, flopsPerElement: 0)
            k(isMax ? "max_pool_backward_nchw" : "avg_pool2d_backward", .elementwise, grid: Dim3((out.elements + 255) / 256),
              block: Dim3(256), regs: 30, smem: 0, flops: Double(out.elements * cover * cover * (isMax ? 80 : 100)),
              bytes: Double(out.elements * 3) * e)
        case .adaptiveAvgPool:
            if out.spatial == 1 {
                let rows = out.batch * out.channels
                k("reduce_kernel_mean", .reduction, grid: Dim3((rows + 15) / 16), block: Dim3(32, 16), regs: 32, smem: 16,
                  flops: Double(inShape.elements), bytes: Double(inShape.elements + rows) * e)
            } else {
                k("adaptive_avg_pool2d", .elementwise, grid: Dim3((out.elements + 255) / 256), block: Dim3(256), regs: 30,
                  smem: 0, flops: Double(inShape.elements), bytes: Double(inShape.elements + out.elements) * e)
            }
        case .adaptiveAvgPoolBackward:
            elementwise("adaptive_avg_pool2d_backward", elements: out.elements, tensors: 2)
        case .concat:
            let largest = node.inputs.map { graph.nodes[$0].shape.elements }.max() ?? 0
            // PyTorch caps the grid at 32 blocks per SM and loops (grid-stride) over the rest.
            k("CatArrayBatchedCopy", .elementwise, grid: Dim3(min((largest + 511) / 512, gpu.smCount * 32), node.inputs.count), block: Dim3(128),
              regs: 18, smem: 0, flops: 0, bytes: Double(out.elements * 2) * e)
        case .linear(let i, let o, _):
            // Rows: every leading index (batch, and tokens for a transformer's N×S×D activations).
            gemmKernels("linear", m: out.elements / max(o, 1), n: o, k: i, matmul: true)
        case .linearDataGrad(let i, let o):
            gemmKernels("linear_dgrad", m: out.elements / max(i, 1), n: i, k: o, matmul: true)
        case .linearWeightGrad(let i, let o, let bias):
            let rows = out.elements / max(o, 1)
            gemmKernels("linear_wgrad", m: o, n: i, k: rows, matmul: true)
            if bias {
                k("reduce_bias_grad", .reduction, grid: Dim3((o + 15) / 16), block: Dim3(32, 16), regs: 32, smem: 0,
                  flops: Double(o * rows), bytes: Double(o * rows) * e)
            }
        case .softmax:
            let cols = max(inShape.dims.last ?? 1, 1), rows = inShape.elements / cols
            k("cunn_SoftMaxForward", .reduction, grid: Dim3(rows), block: Dim3(min(1024, max(32, cols / 4))), regs: 32,
              smem: 64, flops: Double(inShape.elements * 4), bytes: Double(inShape.elements * 2) * e)
        case .softmaxCrossEntropy:
            let rows = inShape.batch, cols = inShape.elements / max(rows, 1)
            k("cunn_SoftMaxForward", .reduction, grid: Dim3(rows), block: Dim3(min(1024, max(32, cols / 4))), regs: 32,
              smem: 64, flops: Double(inShape.elements * 4), bytes: Double(inShape.elements * 2) * e)
            k("nll_loss_forward_reduce", .reduction, grid: Dim3(1), block: Dim3(32), regs: 24, smem: 0,
              flops: Double(rows), bytes: Double(rows * 2) * e)
        case .lossBackward:
            k("nll_loss_backward", .elementwise, grid: Dim3(max(1, (out.elements + 1023) / 1024)), block: Dim3(128), regs: 24,
              smem: 0, flops: Double(out.elements), bytes: Double(out.elements) * e)
            k("cunn_SoftMaxBackward", .reduction, grid: Dim3(out.batch), block: Dim3(min(1024, max(32, out.elements / out.batch / 4))),
              regs: 32, smem: 64, flops: Double(out.elements * 3), bytes: Double(out.elements * 3) * e)
        case .sgdUpdate:
            // Momentum SGD per tensor: buf = m·buf + g; p -= lr·buf.
            elementwise("sgd_momentum_buf", elements: out.elements, tensors: 3, flopsPerElement: 2)
            elementwise("sgd_param_add", elements: out.elements, tensors: 3, flopsPerElement: 2)
        case .sgdUpdateForeach:
            // multi_tensor_apply: 65,536-element chunks, at most 320 blocks and 110 tensors per launch, three passes.
            let sizes = node.updates.map { graph.nodes[$0.node].parameterTensors[$0.index] }
            let chunks = sizes.reduce(0) { $0 + ($1 + 65535) / 65536 }
            let launches = max((chunks + 319) / 320, (sizes.count + 109) / 110)
            for pass in ["foreach_mul_", "foreach_add_buf", "foreach_add_param"] {
                var left = chunks
                for _ in 0..<launches {
                    let blocks = max(1, min(320, (left + launches - 1) / launches, left))
                    left -= blocks
                    let share = Double(out.elements) / Double(launches)
                    k("multi_tensor_apply_\(pass)", .elementwise, grid: Dim3(blocks), block: Dim3(512), regs: 32, smem: 0,
                      flops: share, bytes: share * 3 * e)
                }
            }
        default:
            emitTensorOp(node, graph: graph)
        }
    }
}
