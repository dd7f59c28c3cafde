/// Kernels of the CNN layers other than convolutions: batch norm, activations, pooling, concat, fully connected
/// layers, the loss and the optimizer, with PyTorch's and cuDNN's launch configurations (checked against the measured
/// kernels by LoweringTests and LaunchConfigTests).
extension Lowering {
    /// cuDNN batch norm, inference and training, forward and backward.
    mutating func emitBatchNorm(_ node: Node, graph: Graph) {
        let training = graph.mode == .training
        let out = node.shape
        switch node.kind {
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
        default:
            break
        }
    }

    /// Activations, dropout and additions: PyTorch element-wise kernels.
    mutating func emitPointwise(_ node: Node, graph: Graph) {
        let training = graph.mode == .training
        let out = node.shape
        switch node.kind {
        case .relu, .relu6:
            elementwise("vectorized_elementwise_clamp", elements: out.elements, tensors: 2)
        case .reluBackward:
            elementwise("threshold_backward", elements: out.elements, tensors: 3)
        case .dropout:
            if training { elementwise("fused_dropout", elements: out.elements, tensors: 3, flopsPerElement: 4) }
        case .dropoutBackward:
            elementwise("masked_scale", elements: out.elements, tensors: 3)
        case .gradAccumulate where Lowering.accumulatesSlices(node, graph: graph):
            // Gradients that arrive as channel slices of a concatenation's gradient are not contiguous once the batch
            // exceeds 1: autograd adds them pairwise and PyTorch's element-wise kernel cannot vectorise, so it runs its
            // strided loop (128 threads, 2 elements each; DenseNet-121's training steps in
            // Assets/calibration/round2/kernels.jsonl.gz, 540 per step at batch 8 and 32).
            for _ in 1..<node.inputs.count {
                atStridedLoopRate(k("elementwise_kernel_strided_add", .elementwise, grid: Dim3((out.elements + 255) / 256),
                                    block: Dim3(128), regs: 32, smem: 0, flops: Double(out.elements), bytes: Double(3 * out.elements) * e))
            }
        case .add, .gradAccumulate:
            elementwise(node.kind == .add ? "add" : "grad_accumulate_add", elements: out.elements, tensors: node.inputs.count + 1)
        default:
            break
        }
    }

    /// Pooling forward and backward, and concatenation.
    mutating func emitPooling(_ node: Node, graph: Graph) {
        let out = node.shape
        let inShape = node.inputs.first.map { graph.nodes[$0].shape } ?? node.shape
        switch node.kind {
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
                innerReduction("reduce_kernel_mean", input: inShape.elements, output: out.batch * out.channels)
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
        default:
            break
        }
    }

    /// Fully connected layers, softmax and the loss.
    mutating func emitLinearAndLoss(_ node: Node, graph: Graph) {
        let out = node.shape
        let inShape = node.inputs.first.map { graph.nodes[$0].shape } ?? node.shape
        switch node.kind {
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
            k("nll_loss_forward_reduce", .reduction, grid: Dim3(1), block: Dim3(32), regs: 32, smem: 256,
              flops: Double(rows), bytes: Double(rows * 2) * e)
        case .lossBackward:
            k("nll_loss_backward", .elementwise, grid: Dim3(max(1, (out.elements + 1023) / 1024)), block: Dim3(128), regs: 24,
              smem: 0, flops: Double(out.elements), bytes: Double(out.elements) * e)
            k("cunn_SoftMaxBackward", .reduction, grid: Dim3(out.batch), block: Dim3(min(1024, max(32, out.elements / out.batch / 4))),
              regs: 32, smem: 64, flops: Double(out.elements * 3), bytes: Double(out.elements * 3) * e)
        default:
            break
        }
    }

    /// The SGD update, per tensor or multi-tensor.
    mutating func emitOptimizer(_ node: Node, graph: Graph) {
        let out = node.shape
        switch node.kind {
        case .sgdUpdate:
            // Momentum SGD per tensor: buf = m·buf + g; p -= lr·buf.
            elementwise("sgd_momentum_buf", elements: out.elements, tensors: 3, flopsPerElement: 2)
            elementwise("sgd_param_add", elements: out.elements, tensors: 3, flopsPerElement: 2)
        case .sgdUpdateForeach:
            // PyTorch's foreach SGD with momentum: buf *= m (one list, buffers read and written), buf += g (two lists,
            // three tensors touched), p -= lr·buf (two lists, three touched); each a run of `multi_tensor_apply`
            // launches, each launch taking its measured time alone (see `MultiTensorApply`).
            let sizes = node.updates.map { graph.nodes[$0.node].parameterTensors[$0.index] }
            let timing = TimingModel(gpu: gpu)
            for (pass, lists, touched) in [("foreach_mul_", 1, 2), ("foreach_add_buf", 2, 3), ("foreach_add_param", 2, 3)] {
                for launch in MultiTensorApply.launches(sizes, lists: lists) {
                    let bytes = Double(launch.elements * touched) * e
                    let i = k("multi_tensor_apply_\(pass)", .elementwise, grid: Dim3(launch.blocks), block: Dim3(MultiTensorApply.threadsPerBlock),
                      regs: 32, smem: 0, flops: Double(launch.elements), bytes: bytes)
                    let alone = MultiTensorApply.standaloneUs(launch, bytes: bytes, gpu: gpu)
                    kernels[i].timeScale = timing.timeScale(kernels[i], toUs: alone)
                }
            }
        default:
            break
        }
    }
}
