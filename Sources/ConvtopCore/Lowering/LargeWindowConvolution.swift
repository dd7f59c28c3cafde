/// Convolutions with 7×7 and larger windows, which cuDNN 9 on Hopper runs on CUTLASS's Ampere tensor-op kernel
/// (`cutlass_tensorop_s1688fprop_optimized_tf32_128x128_16x4_nhwc`): one 128-thread block per 128×128 output tile
/// (256×64 when the output has at most 24 channels), no split-K, so a layer with few output tiles walks its whole
/// C·7·7 reduction in a few blocks, each at 0.46 of one SM's TF32 peak (mma.sync, not Hopper's warp-group MMA).
/// Read off round 7's ten 7×7 forward layers (Assets/calibration/round7/conv_ops.tsv.gz: all ten ran tile kernels
/// without split-K; 24×768×12×12 → 24 channels, stride 2: 4 blocks of 256×64 in 710 µs, 0.46 of an SM's peak each)
/// and checked on forty held-out 7×7 layers (round 9, `convtop validate`).
extension Lowering {
    /// Window area from which the rule applies (7×7); 5×5 convolutions went either way in round 7.
    static let largeWindowArea = 49
    /// The name the rule's tile kernel starts with (a catalog miss that lowered to it keeps the rule's time).
    static let largeWindowKernelPrefix = "cutlass_tensorop_s1688fprop_"

    /// The tile kernel's rate on one SM as a share of its TF32 peak.
    static let largeWindowTensorShare = 0.46

    mutating func largeWindowConvolution(_ g: ConvGemm, _ a: ConvAttributes, input: TensorShape, output: TensorShape) {
        let (tm, tn) = a.outChannels <= 24 ? (256, 64) : (128, 128)
        let tiles = (g.m + tm - 1) / tm * ((g.n + tn - 1) / tn)
        transform("nchwToNhwc_in", hw: input.spatial, c: a.inChannels, n: g.images)
        filterTransform(a, pass: .fprop)
        // Every block computes a whole tile over the whole reduction: the padded work is what it issues.
        let flops = 2 * Double(tiles * tm * tn) * Double(g.k)
        let i = k(Self.largeWindowKernelPrefix + "\(tm)x\(tn)", .tensorGemm, grid: Dim3(tiles), block: Dim3(128),
                  regs: 242, smem: tm == 256 ? 81920 : 65536, flops: flops, bytes: g.bytes)
        kernels[i].timeScale = max(1, gpu.efficiency.tensorGemm / Self.largeWindowTensorShare)
        transform("nhwcToNchw_out", hw: output.spatial, c: output.channels, n: g.images)
    }
}
