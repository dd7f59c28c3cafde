/// Depthwise convolutions (MobileNet, EfficientNet, NASNet's separable convolutions): PyTorch's own kernels, not cuDNN's.
extension Lowering {
    /// Whether PyTorch runs the convolution on its own depthwise kernels: a group per channel, one filter each.
    static func runsNativeDepthwise(_ a: ConvAttributes) -> Bool {
        a.groups > 1 && a.groups == a.inChannels && a.outChannels == a.inChannels
    }

    /// Warps in a block of the depthwise weight gradient: one per image, at most eight (256 threads).
    static func depthwiseWeightGradWarps(batch: Int) -> Int { min(max(batch, 1), 8) }

    /// PyTorch's native depthwise kernels (not cuDNN): one thread per output (forward) or input (data gradient)
    /// looping over the window, index-arithmetic bound; the weight gradient takes one block per weight element
    /// reducing over the batch and map, so few channels cap its parallelism (its time: `depthwiseWeightGradUs`).
    /// Operation counts per window element (40 forward, 70 data gradient) fit the depthwise sweep in
    /// Assets/calibration/round2/sweeps.jsonl.
    mutating func depthwise(_ a: ConvAttributes, input: TensorShape, output: TensorShape, pass: ConvPass) {
        let kArea = a.kernelH * a.kernelW
        let io = Double(input.elements + output.elements) * e
        switch pass {
        case .dgrad:
            k("conv_depthwise2d_backward", .elementwise, grid: Dim3((input.elements + 1023) / 1024), block: Dim3(1024), regs: 40,
              smem: 0, flops: Double(input.elements * kArea * 70), bytes: io)
        case .wgrad:
            let weights = a.outChannels * kArea
            let warps = Self.depthwiseWeightGradWarps(batch: input.batch)
            let i = k("conv_depthwise2d_grad_weight", .reduction, grid: Dim3(weights), block: Dim3(32 * warps), regs: 32, smem: 4 * warps,
                      flops: Double(output.elements * kArea * 2), bytes: Double(weights) * Double(2 * output.elements / max(a.outChannels, 1)) * e)
            // (its traffic re-reads each input and output-gradient plane k×k times; what it touches is both once)
            kernels[i].touchedBytes = io + Double(weights) * e
            kernels[i].timeScale = TimingModel(gpu: gpu).timeScale(kernels[i], toUs: Self.depthwiseWeightGradUs(
                weights: weights, batch: max(input.batch, 1), outputPlane: output.height * output.width, gpu: gpu))
        case .fprop:
            k("conv_depthwise2d_forward", .elementwise, grid: Dim3((output.elements + 1023) / 1024), block: Dim3(1024), regs: 40,
              smem: 0, flops: Double(output.elements * kArea * 40), bytes: io + Double(a.parameterTensors[0]) * e)
        }
    }

    /// A depthwise convolution on channels-last input, as PyTorch hands it to cuDNN: `conv2d_c1_k1_nhwc`, 256 threads
    /// of 4 outputs each (the H200 profiles of ConvNeXt-T, Assets/onnx/measured/kernels.jsonl.gz: 294 blocks for
    /// 96×56×56 outputs), then the bias added by PyTorch's strided loop (a broadcast over channels-last memory). Its time
    /// comes from the catalog's channels-last sweep (`CatalogManifest.addChannelsLastDepthwiseSweep`); the model alone
    /// prices it as the NCHW kernel's arithmetic.
    mutating func depthwiseChannelsLast(_ a: ConvAttributes, input: TensorShape, output: TensorShape) {
        let kArea = a.kernelH * a.kernelW
        k("conv2d_c1_k1_nhwc", .elementwise, grid: Dim3((output.elements + 1023) / 1024), block: Dim3(256), regs: 128, smem: 0,
          flops: Double(output.elements * kArea * 40), bytes: Double(input.elements + output.elements) * e + Double(a.parameterTensors[0]) * e)
        if a.bias { broadcastElementwise("elementwise_add_bias", elements: output.elements, bytes: Double(2 * output.elements) * e) }
    }

    /// PyTorch's depthwise weight gradient (`conv_depthwise2d_grad_weight_kernel`) alone, in µs: a block per weight
    /// element of min(32·N, 256) threads, a warp per image (warps loop over images beyond the eighth) striding over the
    /// output plane 32 positions at a time, then a block reduction. Fitted to the H200 catalog's 534 launches of it as
    /// c + a·waves + b·(warp-iterations per SM) + d·waves·(iterations per warp), in cycles at the H200's boost clock
    /// (`Assets/catalog/depthwise_wgrad_fit.py`: median error 9.8%; held out by layer, 9.4% and 10.9%; the catalog's
    /// nearest neighbours, which priced a miss before, 21%; the block-cost model 56%).
    static func depthwiseWeightGradUs(weights: Int, batch: Int, outputPlane: Int, gpu: GPUSpec) -> Double {
        let warps = depthwiseWeightGradWarps(batch: batch)
        let iterations = Double((batch + warps - 1) / warps * ((outputPlane + 31) / 32))
        let resident = max(1, min(gpu.maxBlocksPerSM, gpu.maxWarpsPerSM / warps))
        let waves = Double((weights + gpu.smCount * resident - 1) / (gpu.smCount * resident))
        let warpIterationsPerSM = Double(weights * warps) * iterations / Double(gpu.smCount)
        let cycles = 632 + 4295 * waves + 11.88 * warpIterationsPerSM + 111.0 * waves * iterations
        return cycles / Double(gpu.boostClockMHz)
    }
}
