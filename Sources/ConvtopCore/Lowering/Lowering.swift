/// Lowers a graph to the kernels PyTorch (with cuDNN, CUTLASS and cuBLAS) launches for it on a given GPU.
///
/// Precision `tf32` (the default) means fp32 tensors with TF32 tensor-core convolutions, as PyTorch does;
/// `fp32` disables tensor cores; `fp16`/`bf16` halve memory traffic and use tensor cores for matmuls too.
public struct Lowering {
    public let gpu: GPUSpec
    public let precision: Precision
    let gemm: GemmShapes
    var kernels: [Kernel] = []
    /// The kernel catalog the graph is lowered with, if any: grouped convolutions take the path its measured ones took
    /// (`GroupPaths`).
    var catalog: KernelCatalog?

    public init(gpu: GPUSpec, precision: Precision = .tf32) {
        self.gpu = gpu
        self.precision = precision
        gemm = GemmShapes(gpu: gpu, precision: precision)
    }

    /// Lowers every node; kernels of one op form a chain, and an op's first kernel waits for its producers.
    /// With a catalog, ops it holds get their measured kernels and the others the time of their nearest measured
    /// neighbours (`CatalogLowering`).
    public static func lower(_ graph: Graph, gpu: GPUSpec, precision: Precision = .tf32, catalog: CatalogSource = .none) -> KernelGraph {
        var l = Lowering(gpu: gpu, precision: precision)
        l.catalog = catalog.catalog
        var measured = CatalogLowering(source: catalog, gpu: gpu, precision: precision)
        let weightsCold = ColdWeights.weightsCold(graph, gpu: gpu, precision: precision)
        if weightsCold {
            measured?.cold = catalog.catalog.flatMap(ColdWeights.forCatalog)
        }
        if graph.mode == .training || weightsCold,
           let table = catalog.catalog.flatMap(ColdSaved.forCatalog) {
            measured?.coldSaved = table
            measured?.coldNodes = ColdSaved.coldNodes(graph, gpu: gpu, precision: precision)
        }
        var opKernels = Array(repeating: [Int](), count: graph.nodes.count)
        // Last kernels an op's consumers must wait for (views pass their producers' through).
        var frontier = Array(repeating: [Int](), count: graph.nodes.count)
        for node in graph.nodes {
            let deps = Array(Set(node.inputs.flatMap { frontier[$0] })).sorted()
            let start = l.kernels.count
            l.emit(node, graph: graph)
            measured?.apply(to: &l, node: node, graph: graph, from: start)
            if l.kernels.count > start, let copy = l.savedInputCopy(node, graph: graph, clamp: l.kernels[l.kernels.count - 1]) {
                l.kernels.insert(copy, at: start)
            }
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

    /// Whether a gradient sum adds channel slices of a wider gradient (a concatenation's) at a batch above 1, where
    /// the slices are not contiguous.
    static func accumulatesSlices(_ node: Node, graph: Graph) -> Bool {
        node.kind == .gradAccumulate && node.inputs.contains { TrainingGraph.isStridedSlice($0, in: graph.nodes) }
    }

    /// The device-to-device copy autograd makes of an in-place activation's input in a training step, where the
    /// activation's gradient needs its input: ReLU6 (hardtanh_), SiLU (silu_) and hard-swish (hardswish_); ReLU's
    /// gradient needs only its output, GELU has no in-place form. torchvision's conv-norm-activation blocks (and
    /// EfficientNet's squeeze-excitation) run them in place, and so convtop assumes every one is. Measured: every
    /// ReLU6 of MobileNet-v2's training step, at every batch size, is a `Memcpy DtoD` node followed by the clamp
    /// kernel, the two moving the same bytes in about the same time (`Assets/calibration/round2/kernels.jsonl.gz`, 35
    /// per step); EfficientNet-B0 at batch 32 has 53 such copies (394 µs) and MobileNet-v3-Large 21, one per
    /// hard-swish (`Assets/onnx/measured/kernels.jsonl.gz`); networks with ReLU alone have none, and inference has
    /// none. The catalog measured kernels only, so the copy is added here, priced as the activation is.
    func savedInputCopy(_ node: Node, graph: Graph, clamp: Kernel) -> Kernel? {
        guard graph.mode == .training, node.phase == .forward else { return nil }
        switch node.kind {
        case .relu6, .unary(.silu), .unary(.hardSwish): break
        default: return nil
        }
        var copy = clamp
        copy.name = "Memcpy DtoD (Device -> Device)"
        copy.flops = 0
        return copy
    }

    /// Appends one kernel (registers and shared memory fitted to the chip) and returns its index, for the emitters
    /// that then set a measured rule on it (a time scale or a block latency).
    @discardableResult
    mutating func k(_ name: String, _ cls: KernelClass, grid: Dim3, block: Dim3, regs: Int, smem: Int,
                            flops: Double, bytes: Double) -> Int {
        let threads = block.count
        kernels.append(Kernel(id: 0, op: 0, name: name, kernelClass: cls, grid: grid, block: block,
                              registersPerThread: gemm.fitRegisters(regs, threads: threads),
                              sharedMemoryPerBlock: gemm.fitShared(smem), flops: flops, bytes: bytes,
                              precision: cls == .tensorGemm ? precision : (precision == .tf32 ? .fp32 : precision),
                              deps: []))
        return kernels.count - 1
    }

    /// PyTorch's vectorized element-wise kernel: 128 threads, 1024 elements per block.
    /// `n` rounded up to a multiple of `m`.
    func roundUp(_ n: Int, _ m: Int) -> Int { (n + m - 1) / m * m }

    mutating func elementwise(_ name: String, elements n: Int, tensors: Int, flopsPerElement: Double = 1) {
        k(name, .elementwise, grid: Dim3((n + 1023) / 1024), block: Dim3(128), regs: 28, smem: 0,
          flops: Double(n) * flopsPerElement, bytes: Double(n * tensors) * e)
    }

    mutating func transform(_ name: String, hw: Int, c: Int, n: Int) {
        k(name, .layout, grid: Dim3((hw + 31) / 32, (c + 31) / 32, n), block: Dim3(256), regs: 32, smem: 4224,
          flops: 0, bytes: Double(2 * hw * c * n) * e)
    }

    /// A GEMM of m×n×k (optionally batched) with split-K and its reduction kernel where the grid is small; `chunked`:
    /// a 1×1 convolution's forward pass or data gradient, whose reduction runs over channels (`chunkShare`).
    mutating func gemmKernels(_ label: String, m: Int, n: Int, k kk: Int, batch: Int = 1, matmul: Bool, chunked: Bool = false) {
        let tensor = gemm.usesTensorCores(isMatmul: matmul, k: kk)
        let c = gemm.tileConfig(m: m, n: n, tensor: tensor, matmul: matmul)
        let tiles = (m + c.tileM - 1) / c.tileM * ((n + c.tileN - 1) / c.tileN)
        let split = gemm.splitK(tiles: tiles * batch, k: kk)
        // CUDA-core tiles compute whole tiles: a skinny product (AlexNet's classifier at batch 16, M = 16 in a
        // 32-row tile) issues the padded work.
        let padded = c.kernelClass == .simtGemm ? (m + c.tileM - 1) / c.tileM * c.tileM : m
        let flops = 2.0 * Double(padded) * Double(n) * Double(kk) * Double(batch)
        let bytes = Double((m * kk + kk * n + m * n * split) * batch) * e
        let i = k("\(c.name)_\(label)", c.kernelClass, grid: Dim3(tiles, split, batch), block: Dim3(c.threads), regs: c.registers,
                  smem: kk >= 256 ? c.sharedMemory : c.sharedMemory / 2, flops: flops, bytes: bytes)
        kernels[i].issuedShare = Self.paddedShare(n, tile: c.tileN) * (chunked && c.kernelClass == .tensorGemm ? Self.chunkShare(kk) : 1)
        // cuBLAS's CUDA-core large-K kernels (sgemm_largek) reduce their K slices themselves: no second kernel.
        if split > 1 && c.kernelClass != .simtGemm {
            k("splitKreduce_\(label)", .reduction, grid: Dim3((m + 31) / 32, (n + 15) / 16, batch), block: Dim3(32, 16),
              regs: 32, smem: 0, flops: Double(m * n * split * batch), bytes: Double(m * n * (split + 1) * batch) * e)
        }
    }

    /// How much work a tile kernel issues for `x` output columns in tiles `tile` wide, per column counted: whole tiles,
    /// their masked lanes included. A layer of 48 channels in 64-wide tiles does 64 channels' work (session 20: round
    /// 19's random shapes were priced 11.8% short at the median before, 10.3% after; round 18's neighbour-priced layers
    /// 11.3% off, 9.8% after). Padding the pixel dimension the same way was tried and not kept: cuDNN runs narrower
    /// pixel tiles on small maps than `GemmShapes` picks (round 7's networks 3.0% → 3.8%).
    static func paddedShare(_ x: Int, tile: Int) -> Double { Double((x + tile - 1) / tile * tile) / Double(max(x, 1)) }

    /// How much work a tensor-core implicit GEMM issues for a reduction of `perTap` channels at each filter tap: its K
    /// loop walks the window's taps and, at each, the channels in chunks of `reductionChunk` (the "x32" of the kernels'
    /// tile names, 64x128x32), the last chunk masked. A 3×3 convolution of 200 channels in does 224 channels' work
    /// per tap, where the GEMM's K of 1,800 alone would pad to 1,824. For forward passes (channels in) and data
    /// gradients (channels out); a weight gradient reduces over pixels. Session 21: round 19's random shapes 21.8% →
    /// 21.5% at the median (signed −10.3% → −9.6%), round 7's conv layers 14.2% → 13.2%, round 18's networks 4.7% →
    /// 4.5%; round 18's neighbour-priced layers 9.8% → 9.9%, round 22's tile edges 10.6% → 10.8%, the fitted sets
    /// unchanged.
    static func chunkShare(_ perTap: Int) -> Double { paddedShare(perTap, tile: reductionChunk) }
    static let reductionChunk = 32

    /// A convolution seen as a GEMM, with what the kernel choice depends on.
    struct ConvGemm {
        var m: Int, n: Int, k: Int
        var images: Int, cinPerGroup: Int, kernelArea: Int
        var flops: Double, bytes: Double
    }

    /// Convolution-shaped work: forward (`fprop`), data gradient (`dgrad`) or weight gradient (`wgrad`).
    mutating func convolution(_ a: ConvAttributes, input: TensorShape, output: TensorShape, pass: ConvPass) {
        if Self.runsNativeDepthwise(a) {
            depthwise(a, input: input, output: output, pass: pass)
            return
        }
        let nImg = input.batch, cin = a.inChannels / a.groups, kArea = a.kernelH * a.kernelW
        // GEMM view: fprop M = N·P·Q, N = K_out, K = C·R·S; dgrad M = N·H·W, N = C; wgrad M = K_out, N = C·R·S.
        let (m, n, kk): (Int, Int, Int)
        switch pass {
        case .dgrad: (m, n, kk) = (nImg * input.spatial, a.inChannels, a.outChannels * kArea)
        case .wgrad: (m, n, kk) = (a.outChannels, cin * kArea, nImg * output.spatial)
        case .fprop: (m, n, kk) = (nImg * output.spatial, a.outChannels, cin * kArea)
        }
        if runsGroupByGroup(a, input: input, pass: pass) {
            groupByGroupConvolution(a, input: input, output: output, pass: pass)
            return
        }
        let g = ConvGemm(m: m, n: n, k: kk, images: nImg, cinPerGroup: cin, kernelArea: kArea,
                         flops: 2 * Double(output.elements) * Double(cin * kArea),
                         bytes: Double(input.elements + output.elements + a.parameterTensors[0]) * e)
        // cuDNN keeps few-channel k×k convolutions on FFMA kernels unless the problem is large (many output pixels).
        let enoughChannels = cin >= 48 || (kArea == 1 && cin >= 16) || (cin >= 32 && m >= 100_000) || pass == .wgrad
        guard gemm.usesTensorCores(isMatmul: false, k: kk) && a.outChannels >= 16 && enoughChannels else {
            cudaCoreConvolution(g, pass: pass)
            return
        }
        // cuDNN 9's heuristics on Hopper move larger problems to NHWC warp-group kernels that take one block per SM.
        // The thresholds come from the measured concurrency grid (Assets/calibration/round2/pairs.jsonl: 181 fprop
        // shapes, batch 1–64, 32–1024 channels, 7–112 maps): k×k convolutions from 0.8 GFLOP and 392 output pixels;
        // 1×1 ones from 1.5 GFLOP with maps of at least 28×28 and enough reduction depth (K ≥ 512, or ≥ 256 at
        // batch ≥ 16).
        if gpu.ccMajor >= 9 && pass == .fprop && a.groups == 1 && kArea >= Self.largeWindowArea {
            largeWindowConvolution(g, a, input: input, output: output)
            return
        }
        let persistent = gpu.ccMajor >= 9 && (kArea > 1
            ? g.flops >= 0.8e9 && m >= 392
            : a.strideH == 1 && g.flops >= 1.5e9 && input.spatial >= 784 && (kk >= 512 || (kk >= 256 && nImg >= 16)))
        if persistent {
            persistentConvolution(g, a, input: input, output: output, pass: pass)
        } else if kArea == 1 && a.strideH == 1 && a.strideW == 1 && pass != .wgrad {
            // 1×1 convolution in NCHW: one GEMM per image (batched), split-K where the grid is small.
            let hw = pass == .dgrad ? input.spatial : output.spatial
            gemmKernels(pass.rawValue, m: hw, n: n, k: kk, batch: nImg, matmul: false, chunked: true)
        } else if pass == .wgrad {
            gemmKernels("wgrad", m: m, n: n, k: kk, matmul: false)
        } else {
            // Ampere-style implicit GEMM in NHWC with input and filter transforms.
            transform("nchwToNhwc_in", hw: input.spatial, c: a.inChannels, n: nImg)
            filterTransform(a, pass: pass)
            let big = (m + 127) / 128 * ((n + 63) / 64) >= gpu.smCount / 2
            let (tm, tn, regs) = big ? (128, 64, 168) : (64, 32, 119)
            let i = k("xmma_implicit_gemm_\(gemm.tag)_\(tm)x\(tn)_\(pass.rawValue)", .tensorGemm,
                      grid: Dim3((n + tn - 1) / tn, (m + tm - 1) / tm), block: Dim3(128), regs: regs, smem: 122880,
                      flops: g.flops, bytes: g.bytes)
            kernels[i].issuedShare = Self.paddedShare(n, tile: tn) * Self.chunkShare(kk / kArea)
        }
    }

    /// cuDNN's FFMA kernels: `implicit_convolve_sgemm` for the first layer's few input channels, else 32×32 tiles
    /// (split-K for weight gradients).
    mutating func cudaCoreConvolution(_ g: ConvGemm, pass: ConvPass) {
        if g.cinPerGroup <= 4 && pass == .fprop {
            k("implicit_convolve_sgemm", .cudaCore, grid: Dim3((g.m + 31) / 32, (g.n + 31) / 32), block: Dim3(8, 8),
              regs: 64, smem: 2304, flops: g.flops, bytes: g.bytes)
            return
        }
        let c = gemm.tileConfig(m: g.m, n: g.n, tensor: false)
        let tiles = (g.m + 31) / 32 * ((g.n + 31) / 32)
        let split = pass == .wgrad ? gemm.splitK(tiles: tiles, k: g.k) : 1
        k("\(c.name)_\(pass.rawValue)", .cudaCore, grid: Dim3((g.n + 31) / 32, (g.m + 31) / 32, split), block: Dim3(64),
          regs: 92, smem: 6528, flops: g.flops, bytes: g.bytes)
    }

    /// Hopper warp-group kernels: about two blocks per 64×128 tile, capped near the SM count; k×k ones run in NHWC
    /// with layout transforms around them, 1×1 ones read NCHW as a GEMM directly.
    private mutating func persistentConvolution(_ g: ConvGemm, _ a: ConvAttributes, input: TensorShape, output: TensorShape,
                                                pass: ConvPass) {
        let c = gemm.persistentConfig()
        let tiles = (g.m + c.tileM - 1) / c.tileM * ((g.n + c.tileN - 1) / c.tileN)
        let grid = min(2 * tiles, g.kernelArea > 1 ? gpu.smCount * 10 / 11 : gpu.smCount)
        if g.kernelArea > 1 {
            transform("nchwToNhwc_in", hw: input.spatial, c: a.inChannels, n: g.images)
            filterTransform(a, pass: pass)
        }
        let i = k("\(c.name)_\(pass.rawValue)", .tensorGemm, grid: Dim3(grid), block: Dim3(c.threads), regs: c.registers,
                  smem: c.sharedMemory, flops: g.flops, bytes: g.bytes)
        // Whole tiles of 64 output channels, the narrowest warp-group tile cuDNN's kernels name (64x64x32, 64x128x32;
        // they pick widths up to 256): padding to the model's own 128 priced round 19's random shapes a little better
        // (21.6% at the median against 21.8%) but doubled every 64-channel layer's work (VGG-11-BN at batch 64:
        // −12.6% → −14.5%); without it, 22.5%.
        kernels[i].issuedShare = Self.paddedShare(g.n, tile: 64) * (pass == .wgrad ? 1 : Self.chunkShare(g.k / g.kernelArea))
        let outShape = pass == .dgrad ? input : output
        if g.kernelArea > 1 && pass != .wgrad { transform("nhwcToNchw_out", hw: outShape.spatial, c: outShape.channels, n: g.images) }
    }

    /// Emits the kernels of one node, by family.
    mutating func emit(_ node: Node, graph: Graph) {
        switch node.kind {
        case .input, .flatten, .gradientView, .external, .view:
            return
        case .conv, .convDataGrad, .convWeightGrad:
            emitConvolution(node, graph: graph)
        case .batchNorm, .batchNormBackward:
            emitBatchNorm(node, graph: graph)
        case .relu, .relu6, .reluBackward, .dropout, .dropoutBackward, .add, .gradAccumulate:
            emitPointwise(node, graph: graph)
        case .maxPool, .avgPool, .poolBackward, .adaptiveAvgPool, .adaptiveAvgPoolBackward, .concat:
            emitPooling(node, graph: graph)
        case .linear, .linearDataGrad, .linearWeightGrad, .softmax, .softmaxCrossEntropy, .lossBackward:
            emitLinearAndLoss(node, graph: graph)
        case .sgdUpdate, .sgdUpdateForeach:
            emitOptimizer(node, graph: graph)
        default:
            emitTensorOp(node, graph: graph)
        }
    }

    /// Convolutions: forward, data gradient and weight gradient (plus their bias kernels).
    private mutating func emitConvolution(_ node: Node, graph: Graph) {
        let out = node.shape
        let inShape = node.inputs.first.map { graph.nodes[$0].shape } ?? node.shape
        switch node.kind {
        case .conv(let a) where node.channelsLast && Self.runsNativeDepthwise(a):
            depthwiseChannelsLast(a, input: inShape, output: out)
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
        default:
            break
        }
    }

}
