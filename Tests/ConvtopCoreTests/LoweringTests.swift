import Testing
@testable import ConvtopCore

/// Launch configurations against the kernels PyTorch/cuDNN really launched for GoogLeNet on an H200.
struct LoweringTests {
    func measured(_ file: String) throws -> [MeasuredKernel] {
        try CalibrationData.parseCSV(try Fixture.text(file), file: file).filter { !$0.isMemset }
    }

    func lowered(batch: Int) throws -> KernelGraph {
        Lowering.lower(try ModelZoo.build("googlenet", batch: batch), gpu: try GPUCatalog.load("h200"))
    }

    /// Measured kernels of one family, in launch order.
    func family(_ ks: [MeasuredKernel], _ needle: String) -> [MeasuredKernel] { ks.filter { $0.name.contains(needle) } }

    @Test(arguments: [1, 32])
    func elementwiseKernelsMatchExactly(batch: Int) throws {
        let real = try measured("h200_googlenet_inf_b\(batch).csv")
        let kg = try lowered(batch: batch)
        func ours(_ prefix: String) -> [Kernel] { kg.kernels.filter { $0.name.hasPrefix(prefix) } }
        let relu = family(real, "launch_clamp_scalar"), myRelu = ours("vectorized_elementwise_clamp")
        #expect(relu.map(\.grid.count) == myRelu.map(\.grid.count))
        #expect(myRelu.allSatisfy { $0.threadsPerBlock == 128 })
        let pool = family(real, "max_pool_forward_nchw"), myPool = ours("max_pool_forward_nchw")
        #expect(pool.map(\.grid.count) == myPool.map(\.grid.count))
        #expect(myPool.allSatisfy { $0.threadsPerBlock == 256 })
        let bn = family(real, "bn_fw_inf"), myBN = ours("bn_fw_inf")
        #expect(bn.map(\.grid.count) == myBN.map(\.grid.count))
        #expect(bn.map(\.block.count) == myBN.map(\.threadsPerBlock))
        let cat = family(real, "CatArrayBatchedCopy"), myCat = ours("CatArrayBatchedCopy")
        #expect(cat.map(\.grid.count) == myCat.map(\.grid.count))
    }

    @Test(arguments: [1, 32])
    func convolutionKernelsLookLikeTheLibraries(batch: Int) throws {
        let real = try measured("h200_googlenet_inf_b\(batch).csv")
        let kg = try lowered(batch: batch)
        // About as many kernels in total and per class.
        #expect(abs(Double(kg.kernels.count) / Double(real.count) - 1) < 0.12)
        let convNodes = kg.graph.nodes.filter { if case .conv = $0.kind { return true } else { return false } }
        var classAgree = 0, gridClose = 0, matched = 0
        for n in convNodes {
            let fx = n.name.replacingOccurrences(of: ".", with: "_")
            let mk = real.filter { $0.node == fx && [.tensorGemm, .cudaCore, .simtGemm].contains($0.kernelClass) }
            let ok = kg.opKernels[n.id].map { kg.kernels[$0] }.filter { [.tensorGemm, .cudaCore, .simtGemm].contains($0.kernelClass) }
            guard let m = mk.max(by: { $0.durationUs < $1.durationUs }), let o = ok.max(by: { $0.flops < $1.flops }) else { continue }
            matched += 1
            if m.kernelClass == o.kernelClass { classAgree += 1 }
            let ratio = Double(o.blocks) / Double(m.grid.count)
            if ratio >= 0.25 && ratio <= 4 { gridClose += 1 }
            // Thread counts are the libraries' own: 64 (FFMA), 128 (CUTLASS/xmma) or 384 (Hopper warp groups).
            #expect([64, 128, 256, 384].contains(o.threadsPerBlock))
        }
        #expect(matched == convNodes.count)
        #expect(Double(classAgree) / Double(matched) >= 0.8)
        #expect(Double(gridClose) / Double(matched) >= 0.75)
    }

    @Test func hopperLargeProblemsUseAboutOneBlockPerSM() throws {
        let kg = Lowering.lower(try ModelZoo.build("resnet50", batch: 32), gpu: try GPUCatalog.load("h100"))
        let big = kg.kernels.filter { $0.name.hasPrefix("sm90") }
        #expect(!big.isEmpty)
        #expect(big.allSatisfy { $0.blocks <= 132 && $0.threadsPerBlock == 384 && $0.sharedMemoryPerBlock > 200_000 })
        let f = BlockFootprint(kernel: big[0], gpu: try GPUCatalog.load("h100"))
        #expect(f.blocksPerSM(try GPUCatalog.load("h100")) == 1)
    }

    @Test func smallGroupsRunGroupByGroupWithGenericTransposes() throws {
        // Profiled on the H200 (Assets/onnx/measured/kernels.jsonl.gz): RegNet-X-400MF's first grouped convolution at
        // batch 32 (32 channels in 2 groups, 3×3, stride 2, 112×112) runs per group a genericTranspose of 12,545
        // blocks (375 and 370 µs), an FFMA convolution and a genericTranspose of 3,137 blocks (112 and 101 µs).
        let gpu = try GPUCatalog.load("h200")
        func lowered(batch: Int, groups: Int) -> KernelGraph {
            let g = graph { b in _ = b.conv(b.input([batch, 32, 112, 112], name: "x"), 32, k: 3, s: 2, p: 1, groups: groups, name: "op") }
            return Lowering.lower(g, gpu: gpu, precision: .tf32)
        }
        let kg = lowered(batch: 32, groups: 2)
        #expect(kg.kernels.map(\.name).filter { $0 == "genericTranspose_kernel" }.count == 4)
        #expect(kg.kernels.count == 6)
        let t = TimingModel(gpu: gpu)
        let transposes = kg.kernels.filter { $0.name == "genericTranspose_kernel" }
        #expect(transposes.map(\.blocks) == [12544, 3136, 12544, 3136])
        #expect(abs(t.standaloneDuration(transposes[0]) / 372 - 1) < 0.25, "\(t.standaloneDuration(transposes[0])) µs")
        #expect(abs(t.standaloneDuration(transposes[1]) / 106 - 1) < 0.25, "\(t.standaloneDuration(transposes[1])) µs")
        // At batch 1, and with 8 groups of 4 channels, cuDNN's grouped kernels run the whole convolution.
        for other in [lowered(batch: 1, groups: 2), lowered(batch: 32, groups: 8)] {
            #expect(!other.kernels.contains { $0.name == "genericTranspose_kernel" })
        }
    }

    @Test func sevenBySevenWindowsRunOneTileKernelWithoutSplitK() throws {
        // Measured on the H200 (Assets/calibration/round7/conv_ops.tsv.gz): 24×768×12×12 → 24 channels, 7×7, stride 2
        // ran 4 blocks of CUTLASS's 256×64 tile kernel in 710 µs; 6×232×60×60 → 136 channels, 338 blocks in 599 µs.
        let gpu = try GPUCatalog.load("h200")
        func tileKernel(_ x: [Int], _ cout: Int, stride: Int) throws -> (Kernel, Double) {
            let g = graph { b in _ = b.conv(b.input(x, name: "x"), cout, k: 7, s: stride, p: 3, name: "op") }
            let k = try #require(Lowering.lower(g, gpu: gpu, precision: .tf32).kernels.first { $0.name.hasPrefix("cutlass_tensorop_s1688fprop") })
            return (k, TimingModel(gpu: gpu).standaloneDuration(k))
        }
        let (narrow, narrowUs) = try tileKernel([24, 768, 12, 12], 24, stride: 2)
        #expect(narrow.blocks == 4)
        #expect(abs(narrowUs / 710 - 1) < 0.15, "\(narrowUs) µs")
        let (wide, _) = try tileKernel([6, 232, 60, 60], 136, stride: 1)
        #expect(wide.blocks == 338)
        // 338 blocks, two per SM: simulated, the last 74 run alone once the first 264 are done.
        var sc = Scenario(); sc.gpu = "h200"; sc.launch = .graph; sc.kernelSource = .model
        let w = try Workload(graph: graph { b in _ = b.conv(b.input([6, 232, 60, 60], name: "x"), 136, k: 7, s: 1, p: 3, name: "op") },
                             scenario: sc, gpu: gpu)
        let rec = try #require(try w.simulate(.serial, recordBlocks: false).1.kernels.first { w.kernels.kernels[$0.kernel].name.hasPrefix("cutlass_tensorop_s1688") })
        #expect(abs((rec.end - rec.start) / 599 - 1) < 0.15, "\(rec.end - rec.start) µs")
        // A 7×7 stem on three input channels stays on cuDNN's FFMA kernel.
        let stem = graph { b in _ = b.conv(b.input([8, 3, 224, 224], name: "x"), 64, k: 7, s: 2, p: 3, name: "op") }
        #expect(!Lowering.lower(stem, gpu: gpu, precision: .tf32).kernels.contains { $0.name.hasPrefix("cutlass_tensorop_s1688") })
    }

    @Test func tensorCoreTilesCostWholeOutputChannelTiles() throws {
        // A tile kernel masks the lanes past the last output channel but still issues them: 48 channels in a 64-wide
        // tile take as long as 64 (session 20; round 19's random shapes were priced 11.8% short before, 10.3% after).
        let gpu = try GPUCatalog.load("h200"), timing = TimingModel(gpu: gpu)
        // A 1×1 runs a per-image GEMM in 64-wide tiles, a 3×3 at batch 1 an implicit GEMM in 32-wide ones.
        func product(_ cout: Int, k: Int) throws -> Kernel {
            let g = graph { b in _ = b.conv(b.input([k == 1 ? 8 : 1, 256, 28, 28], name: "x"), cout, k: k, p: k / 2, name: "op") }
            return try #require(Lowering.lower(g, gpu: gpu, precision: .tf32).kernels.first { $0.kernelClass == .tensorGemm })
        }
        for k in [1, 3] {
            let narrow = try product(48, k: k), full = try product(64, k: k)
            #expect(narrow.grid == full.grid, "one tile wide either way")
            #expect(narrow.flops == 2 * Double((k == 1 ? 8 : 1) * 28 * 28 * 48 * 256 * k * k), "reports count the useful work")
            #expect(full.issuedShare == 1)
            #expect(abs(narrow.flops * narrow.issuedShare / full.flops - 1) < 1e-9)
            #expect(abs(timing.standaloneDuration(narrow) / timing.standaloneDuration(full) - 1) < 0.02)
        }
    }

    @Test func tensorCoreReductionsCostWholeChannelChunksPerTap() throws {
        // The K loop walks the taps and, at each, the channels in chunks of 32: 200 channels in cost 224 per tap, for a
        // 1×1 (a per-image GEMM), a 3×3 at batch 1 (an implicit GEMM) and a large 3×3 (a warp-group kernel); a weight
        // gradient reduces over pixels and pays nothing for its channels.
        let gpu = try GPUCatalog.load("h200"), timing = TimingModel(gpu: gpu)
        func kernels(_ cin: Int, k: Int, batch: Int, training: Bool = false) throws -> [Kernel] {
            var b = GraphBuilder(name: "t")
            _ = b.conv(b.input([batch, cin, 28, 28], name: "x"), 64, k: k, p: k / 2, name: "op")
            let g = training ? TrainingGraph.build(from: b.build()) : b.build()
            return Lowering.lower(g, gpu: gpu, precision: .tf32).kernels.filter { $0.kernelClass == .tensorGemm }
        }
        for (k, batch, name) in [(1, 8, "gemm"), (3, 1, "xmma_implicit_gemm"), (3, 32, "sm90_xmma")] {
            let odd = try #require(try kernels(200, k: k, batch: batch).first), whole = try #require(try kernels(224, k: k, batch: batch).first)
            #expect(odd.name.contains(name) && whole.name == odd.name, "\(odd.name)")
            #expect(abs(odd.issuedShare * 200 / 224 - whole.issuedShare) < 1e-9, "\(odd.name): \(odd.issuedShare)")
            #expect(abs(timing.standaloneDuration(odd) / timing.standaloneDuration(whole) - 1) < 0.02)
        }
        #expect(Lowering.chunkShare(200) == 224.0 / 200 && Lowering.chunkShare(256) == 1)
        // the weight gradient of the 3×3 at batch 32: 64 channels out and 200 × 9 columns, in whole 64-wide tiles only
        let wgrad = try #require(try kernels(200, k: 3, batch: 32, training: true).first { $0.name.hasSuffix("wgrad") })
        #expect(abs(wgrad.issuedShare - Lowering.paddedShare(1800, tile: 64)) < 1e-9, "\(wgrad.name): \(wgrad.issuedShare)")
    }

    @Test func globalPoolsTakePyTorchsReduceGrid() throws {
        // setReduceConfig: a warp per output and 16 outputs a block while a thread sums under 256 values; past that a
        // block per output; past that again, with few blocks, each output over several blocks. Grids profiled on the
        // H200: EfficientNet-B6 at 528 px, 56 channels of 264×264 at batch 1 (round 24): 56 blocks, 10.9 µs;
        // EfficientNet-B3 at 300 px, 40 channels of 150×150 at batch 2 (round 7): 80 blocks, 5.2 µs.
        let gpu = try GPUCatalog.load("h200"), timing = TimingModel(gpu: gpu)
        func pool(_ shape: [Int]) throws -> Kernel {
            let g = graph { b in _ = b.add(.adaptiveAvgPool, inputs: [b.input(shape, name: "x")],
                                           shape: TensorShape([shape[0], shape[1], 1, 1])) }
            return try #require(Lowering.lower(g, gpu: gpu, precision: .tf32).kernels.first { $0.name == "reduce_kernel_mean" })
        }
        let b6 = try pool([1, 56, 264, 264]), b3 = try pool([2, 40, 150, 150])
        #expect(b6.grid.count == 56 && b3.grid.count == 80)
        #expect(abs(timing.standaloneDuration(b6) / 10.9 - 1) < 0.5 && abs(timing.standaloneDuration(b3) / 5.2 - 1) < 0.5,
                "\(timing.standaloneDuration(b6)), \(timing.standaloneDuration(b3)) µs")
        // ResNet-50's head at batch 32: 65,536 outputs of 49 values, a warp each: 4,096 blocks
        #expect(try pool([32, 2048, 7, 7]).grid.count == 4096)
        // one image, 4 channels of 1,024×1,024: 4 outputs of 2,048 values a thread, split to fill 4 blocks an SM (528)
        let wide = try pool([1, 4, 1024, 1024])
        #expect(wide.grid.x == 4 && wide.grid.y == 128, "\(wide.grid)")
    }

    @Test func layerNormBlocksAreLatencyBound() throws {
        // Profiled on the H200 (Assets/onnx/measured/kernels.jsonl.gz): Swin-T's first-stage layer norm, 100,352 rows
        // of 96 at batch 32, takes 160 µs (0.5 TB/s, latency not bandwidth); one row of 768 (a ConvNeXt-T head) 3.5 µs.
        let gpu = try GPUCatalog.load("h200")
        func layerNorm(rows: Int, _ n: Int) throws -> Double {
            let g = graph { b in _ = b.add(.layerNorm(normalized: n), inputs: [b.input([rows, n], name: "x")], shape: TensorShape([rows, n])) }
            let kg = Lowering.lower(g, gpu: gpu, precision: .fp32)
            let k = try #require(kg.kernels.first { $0.name == "vectorized_layer_norm_kernel" })
            #expect(k.blocks == rows)
            return TimingModel(gpu: gpu).standaloneDuration(k)
        }
        let wide = try layerNorm(rows: 100_352, 96), one = try layerNorm(rows: 1, 768)
        #expect(abs(wide / 160 - 1) < 0.25, "\(wide) µs")
        #expect(abs(one / 3.5 - 1) < 0.3, "\(one) µs")
    }

    @Test func fp32AttentionPaysForWholeKeyTiles() throws {
        // PyTorch's fp32 attention on the H200 (Assets/calibration/round6/tensor_ops.jsonl): ViT-B/16's heads at batch
        // 32 take 197 µs; one image of 8 heads over 256 tokens 28.8 µs (a block per SM, four 64-key tiles each).
        let gpu = try GPUCatalog.load("h200")
        func attention(_ b: Int, _ h: Int, _ s: Int, _ d: Int) throws -> Double {
            let g = graph { gb in
                let q = gb.input([b, h, s, d], name: "q")
                _ = gb.add(.attention(AttentionShape(batch: b, heads: h, seqQ: s, seqK: s, headDim: d)), inputs: [q, q, q],
                           shape: TensorShape([b, h, s, d]))
            }
            let kg = Lowering.lower(g, gpu: gpu, precision: .fp32)
            let k = try #require(kg.kernels.first { $0.name.hasPrefix("fmha_cutlassF") })
            #expect(k.blocks == (s + 63) / 64 * h * b && k.registersPerThread == 168)
            return TimingModel(gpu: gpu).standaloneDuration(k)
        }
        let vit = try attention(32, 12, 197, 64), one = try attention(1, 8, 256, 64)
        #expect(abs(vit / 197 - 1) < 0.3, "\(vit) µs")
        #expect(abs(one / 28.8 - 1) < 0.3, "\(one) µs")
    }

    @Test func permutedCopiesStreamAtTheStridedLoopsRate() throws {
        // A permute made contiguous runs PyTorch's non-vectorised loop, profiled at a median 2.36 TB/s on the H200:
        // 32×96×56×56 floats (77 MB read and written) take about 33 µs, not the 18 µs of the vectorised rate.
        let gpu = try GPUCatalog.load("h200")
        let g = graph { b in
            _ = b.add(.copy(.transpose), inputs: [b.input([32, 96, 56, 56], name: "x")], shape: TensorShape([32, 56, 56, 96]))
        }
        let kg = Lowering.lower(g, gpu: gpu, precision: .fp32)
        let copy = try #require(kg.kernels.first)
        let us = TimingModel(gpu: gpu).standaloneDuration(copy)
        #expect(abs(us / (copy.bytes / 2360e3) - 1) < 0.15, "\(us) µs")
    }

    @Test func fp32ProductsFitTheSMAsCuBLASsTilesDo() throws {
        // ViT-B/16's MLP at batch 32 (6,304 tokens × 768 → 3,072): cuBLAS's fp32 128×128 tile kernel, 255 registers
        // per thread, two blocks per SM (Assets/onnx/measured/kernels.jsonl.gz); a narrow one (ConvNeXt-T's 1,536 → 384) 64×64 tiles,
        // 128 registers, four per SM.
        let gpu = try GPUCatalog.load("h200")
        func product(rows: Int, _ i: Int, _ o: Int) throws -> Kernel {
            let g = graph { b in _ = b.linear(b.input([rows, i], name: "x"), o, bias: false) }
            let kg = Lowering.lower(g, gpu: gpu, precision: .fp32)
            return try #require(kg.kernels.first { $0.kernelClass == .simtGemm })
        }
        let mlp = try product(rows: 6304, 768, 3072)
        #expect(mlp.grid.count == 50 * 24 && mlp.registersPerThread == 255)
        #expect(BlockFootprint(kernel: mlp, gpu: gpu).blocksPerSM(gpu) == 2)
        let narrow = try product(rows: 6272, 1536, 384)
        #expect(narrow.registersPerThread == 128 && BlockFootprint(kernel: narrow, gpu: gpu).blocksPerSM(gpu) == 4)
    }

    @Test func kernelsFitSmallerGPUs() throws {
        for gpu in ["t4", "v100", "l4", "a100"] {
            let spec = try GPUCatalog.load(gpu)
            let kg = Lowering.lower(try ModelZoo.build("inception_v3", batch: 8), gpu: spec)
            try Simulator.checkFits(kg, gpu: spec)
            #expect(!kg.kernels.contains { $0.name.hasPrefix("sm90") })
        }
    }

    @Test func precisionChangesKernelsAndBytes() throws {
        let g = try ModelZoo.build("resnet18", batch: 8)
        let gpu = try GPUCatalog.load("h100")
        let tf32 = Lowering.lower(g, gpu: gpu, precision: .tf32)
        let fp32 = Lowering.lower(g, gpu: gpu, precision: .fp32)
        let fp16 = Lowering.lower(g, gpu: gpu, precision: .fp16)
        #expect(!fp32.kernels.contains { $0.kernelClass == .tensorGemm })
        #expect(tf32.kernels.contains { $0.kernelClass == .tensorGemm })
        #expect(fp16.kernels.reduce(0) { $0 + $1.bytes } < tf32.kernels.reduce(0) { $0 + $1.bytes })
        // Same arithmetic whatever the precision.
        let gemmFlops = { (kg: KernelGraph) in kg.kernels.filter { [.tensorGemm, .cudaCore, .simtGemm].contains($0.kernelClass) }.reduce(0) { $0 + $1.flops } }
        #expect(abs(gemmFlops(fp32) / gemmFlops(tf32) - 1) < 1e-9)
    }

    @Test func kernelDependenciesFollowTheGraph() throws {
        let kg = try lowered(batch: 1)
        for k in kg.kernels {
            for d in k.deps { #expect(d < k.id) }
        }
        // Views (flatten) launch nothing; their consumers wait on the producer's last kernel.
        let flat = kg.graph.nodes.first { $0.kind == .flatten }!
        #expect(kg.opKernels[flat.id].isEmpty)
    }
}
