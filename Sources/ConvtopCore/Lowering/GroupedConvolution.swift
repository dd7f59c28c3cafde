/// Grouped convolutions that cuDNN 9 runs one group at a time: for each group a generic transpose gathers the group's
/// slice of the input, an FP32 FFMA convolution computes the group, and a second generic transpose scatters its slice
/// of the output back (profiled in RegNet-X at batch 32 and RegNet-Y-800MF at batch 4: grids of one 512-thread block
/// per 512 elements of a group's slice). On the H200 that path costs several times the grouped kernels cuDNN uses
/// otherwise (RegNet-X at batch 32: one such layer is 960 µs of a 3.2 ms forward pass).
extension Lowering {
    /// Whether cuDNN takes the group-by-group path for this convolution (a grouped one of square window and stride, as
    /// many channels out as in): as the catalog's nearest measured grouped convolutions did (`GroupPaths`), or, without
    /// a catalog that measured any of its pass, window and stride, by the rule below.
    func runsGroupByGroup(_ a: ConvAttributes, input: TensorShape, pass: ConvPass) -> Bool {
        guard let shape = GroupPaths.shape(a, input: input, pass: pass) else { return false }
        if let catalog, let voted = GroupPaths.byGroup(shape, catalog: catalog) { return voted }
        return GroupPaths.rule(shape)
    }

    /// The rule a lowering without a catalog (or whose catalog measured no grouped convolution of the pass, window and
    /// stride) follows: whether cuDNN takes the group-by-group path, read off the H200 catalog's first sweep of 3×3
    /// grouped convolutions
    /// (Assets/catalog/h200/catalog.tsv.gz; 2–256 groups of 4–64 channels, maps 7–56, batch 1, 8 and 32, forward and
    /// both gradients): forward passes with 16 channels per group in 2 groups (16 of 16 shapes at batch 8 and 32) or
    /// 4 groups up to batch 8 (8 of 8; at batch 32 none of 8), and 32 channels per group in 2 groups (11 of 16) or 4
    /// groups up to batch 8 (8 of 8); data gradients with 16 channels per group in 2 or 4 groups up to batch 8 (15 of
    /// 16). Never at batch 1 (none of 48), never for weight gradients, and no other width or window was measured.
    static func runsGroupByGroup(inChannels: Int, outChannels: Int, groups: Int, window: (Int, Int), batch: Int,
                                 pass: ConvPass) -> Bool {
        guard groups == 2 || groups == 4, window == (3, 3), batch >= 2 else { return false }
        let width = inChannels / groups
        guard outChannels / groups == width else { return false }
        switch pass {
        case .fprop: return (width == 16 || width == 32) && (groups == 2 || batch <= 8)
        case .dgrad: return width == 16 && batch <= 8
        case .wgrad: return false
        }
    }

    /// cuDNN's `genericTranspose_kernel`: 512 threads, one element each, at 2.47% of the datasheet DRAM bandwidth plus
    /// 3.13 µs beyond the launch latency — the least-squares line through the catalog's 2,788 launches of it (4.18 µs +
    /// 8 bytes per element at 118.5 GB/s on the H200; the 32 over a million elements median 125 GB/s).
    static let genericTransposeBandwidthShare = 0.0247
    static let genericTransposeExtraUs = 3.13

    /// The group-by-group path for a convolution `runsGroupByGroup` accepts.
    mutating func groupByGroupConvolution(_ a: ConvAttributes, input: TensorShape, output: TensorShape, pass: ConvPass) {
        let read = pass == .fprop ? input : output, written = pass == .fprop ? output : input
        let width = a.inChannels / a.groups, kArea = a.kernelH * a.kernelW
        let m = pass == .fprop ? output.batch * output.spatial : input.batch * input.spatial
        let n = pass == .fprop ? a.outChannels / a.groups : width
        let kk = (pass == .fprop ? width : a.outChannels / a.groups) * kArea
        let one = ConvGemm(m: m, n: n, k: kk, images: input.batch, cinPerGroup: width, kernelArea: kArea,
                           flops: 2 * Double(output.elements / a.groups) * Double(width * kArea),
                           bytes: Double((read.elements + written.elements) / a.groups + a.parameterTensors[0] / a.groups) * e)
        for _ in 0..<a.groups {
            genericTranspose(elements: read.elements / a.groups)
            cudaCoreConvolution(one, pass: pass)
            genericTranspose(elements: written.elements / a.groups)
        }
    }

    private mutating func genericTranspose(elements: Int) {
        let bytes = Double(2 * elements) * e
        let i = k("genericTranspose_kernel", .layout, grid: Dim3((elements + 511) / 512), block: Dim3(512), regs: 30, smem: 0,
                  flops: 0, bytes: bytes)
        pin(i, extraUs: Self.genericTransposeExtraUs, bandwidthShare: Self.genericTransposeBandwidthShare)
    }

    /// Prices cuDNN's layout kernel `i` as fitted: the GPU's kernel latency, `extraUs`, and its bytes at `bandwidthShare`
    /// of the datasheet DRAM bandwidth.
    private mutating func pin(_ i: Int, extraUs: Double, bandwidthShare: Double) {
        let us = gpu.kernelLatencyUs + extraUs + kernels[i].bytes / (gpu.dramBandwidthGBs * 1e9 * bandwidthShare) * 1e6
        kernels[i].timeScale = TimingModel(gpu: gpu).timeScale(kernels[i], toUs: us)
    }

    /// cuDNN's NHWC kernels take the filter in NHWC: the fast `nchwToNhwcKernel`, or, for a grouped convolution whose
    /// channels per group are not a power of two, cuDNN's `tensorTransformGeneric` (264 blocks of 1,024 threads on
    /// the H200, two per SM). The H200 catalog's grouped 3×3 convolutions: widths 4, 8, 16, 32 and 64 never ran it;
    /// 12, 20, 40 and 48 did in forward passes wherever they did not run group by group (138 of 167), and in data
    /// gradients in 144 of 208; weight gradients half the time, so they keep the fast transform
    /// (`Assets/catalog/tensor_transform_fit.py`). RegNets' wider groups (112 and 120 channels in round 24) run it.
    mutating func filterTransform(_ a: ConvAttributes, pass: ConvPass) {
        let width = a.inChannels / max(a.groups, 1), kArea = a.kernelH * a.kernelW
        guard Self.transformsFilterGenerically(a, pass: pass) else {
            transform("nchwToNhwc_filter", hw: kArea, c: width, n: a.outChannels)
            return
        }
        let bytes = Double(2 * a.outChannels * width * kArea) * e
        let i = k("tensorTransformGeneric_filter", .layout, grid: Dim3(2 * gpu.smCount), block: Dim3(1024), regs: 30, smem: 0,
                  flops: 0, bytes: bytes)
        pin(i, extraUs: Self.tensorTransformExtraUs, bandwidthShare: Self.tensorTransformBandwidthShare)
    }

    /// Whether cuDNN transforms this convolution's filter with its generic tensor transform (`filterTransform`).
    static func transformsFilterGenerically(_ a: ConvAttributes, pass: ConvPass) -> Bool {
        let width = a.inChannels / max(a.groups, 1)
        return pass != .wgrad && a.groups > 1 && a.groups < a.inChannels && width & (width - 1) != 0
    }

    /// `tensorTransformGeneric`: 8.61 µs + the filter's bytes read and written at 984 GB/s (20.5% of the H200's
    /// datasheet DRAM bandwidth), least squares in relative error over the H200 catalog's 442 launches of it (filters
    /// up to 0.7 MB); held out, round 19's 157 launches come out +2.7% at the median (filters up to 8 MB), and round
    /// 24's RegNet-Y-16GF filters of 5.0 and 12.2 MB 18.7 and 33.4 µs against 18.0 and 32.7 profiled
    /// (`Assets/catalog/tensor_transform_fit.py`). The extra time is the fixed part less the H200's kernel latency.
    static let tensorTransformBandwidthShare = 0.2050
    static let tensorTransformExtraUs = 7.80
}
