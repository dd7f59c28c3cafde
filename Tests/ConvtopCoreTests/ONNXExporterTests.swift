import Foundation
import Testing
@testable import ConvtopCore

/// The exported corpus (Assets/onnx/exported): torchvision networks and a U-Net from both PyTorch exporters, with
/// PyTorch's own counts beside them (Assets/onnx/measured/networks.jsonl, from export_and_measure.py on an H200).
struct ONNXExporterTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let corpus: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: root + "/Assets/onnx/exported")) ?? [])
        .filter { $0.hasSuffix(".onnx.gz") }.sorted()
    static func path(_ file: String) -> String { root + "/Assets/onnx/exported/" + file }

    /// PyTorch's parameter count, FlopCounterMode's MACs and the profiled kernel count at batch 1, per network.
    struct Measured { var params: Int; var macs: Int; var kernels: Int }
    static let measured: [String: Measured] = {
        var out: [String: Measured] = [:]
        let text = (try? String(contentsOfFile: root + "/Assets/onnx/measured/networks.jsonl", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let n = o["network"] as? String,
                  let p = o["params"] as? Int, let m = o["macs_flop_counter"] as? Int, let k = o["kernels_b1"] as? Int else { continue }
            out[n] = Measured(params: p, macs: m, kernels: k)
        }
        return out
    }()

    /// Where the file cannot tell convtop PyTorch's exact count (a stated reason each); all others must be exact.
    static let approximateParameters: [String: String] = [
        "vgg11_bn": "each convolution's own bias was folded together with its batch norm: the file keeps one",
        "swin_t": "relative-position bias tables arrive gathered and folded into constants",
        "swin_v2_t": "relative-position bias tables arrive gathered and folded into constants",
        "maxvit_t": "relative-position bias tables arrive gathered and folded into constants",
        "densenet121__dyn": "a dropped zero bias cannot be told from a folded batch norm's",
        "mobilenet_v2__dyn": "a dropped zero bias cannot be told from a folded batch norm's",
        "vit_b_16__dyn": "the optimizer folds a constant computed from parameters",
        "vit_b_16__dyndyn": "the optimizer folds a constant computed from parameters",
    ]

    @Test func theCorpusIsThere() {
        #expect(Self.corpus.count >= 95)
        #expect(Self.measured.count >= 25)
    }

    @Test(arguments: corpus) func importsWithPyTorchsCounts(_ file: String) throws {
        let g = try ONNXImporter.load(path: Self.path(file))
        let base = String(file.dropLast(".onnx.gz".count))
        let network = String(base.split(separator: "_").count > 0 ? base[..<base.range(of: "__")!.lowerBound] : "")
        let m = try #require(Self.measured[network])
        // MACs: FlopCounterMode's count (convolutions and matrix products), except ViT, whose inference fast path
        // hides attention and its projections from the counter; its hand count is 17,563,828,224 (README).
        let macs = network == "vit_b_16" ? 17_563_828_224 : m.macs
        #expect(abs(Double(g.forwardMACs) / Double(macs) - 1) <= 0.02, "\(file): MACs \(g.forwardMACs) vs \(macs)")
        if Self.approximateParameters[network] == nil && Self.approximateParameters[base] == nil {
            #expect(g.parameters == m.params, "\(file): parameters \(g.parameters) vs PyTorch's \(m.params)")
        } else {
            #expect(abs(Double(g.parameters) / Double(m.params) - 1) <= 0.05, "\(file): parameters \(g.parameters) vs \(m.params)")
        }
        let out = g.nodes.last!.shape.dims
        switch network {
        case "fcn_resnet50", "deeplabv3_resnet50": #expect(out == [1, 21, 512, 512])
        case "unet": #expect(out == [1, 2, 256, 256])
        case "unet_tiny": #expect(out == [1, 2, 64, 64])
        default: #expect(out == [1, 1000])
        }
    }

    @Test(arguments: ["resnet18", "resnet50", "googlenet", "inception_v3", "fcn_resnet50", "mobilenet_v3_large",
                      "efficientnet_b0", "shufflenet_v2_x1_0", "densenet121"])
    func kernelCountsNearTheProfile(_ network: String) throws {
        let g = try ONNXImporter.load(path: Self.path("\(network)__ts17.onnx.gz"))
        let kg = Lowering.lower(g, gpu: try GPUCatalog.load("h200"))
        let measured = try #require(Self.measured[network]).kernels
        #expect(abs(Double(kg.kernels.count) / Double(measured) - 1) <= 0.1, "\(network): \(kg.kernels.count) kernels vs \(measured) profiled")
    }

    /// ConvNeXt's blocks permute to channels-last and back around their layer norm and MLP. PyTorch copies none of
    /// it: the permute back leaves channels-last memory, which the next depthwise convolution and the residual sum
    /// keep, so the next permute is contiguous. The profile (H200, batch 1) has 4 copies in 199 kernels; the export has
    /// 46 Transposes. convtop copies where a layer norm reads a permuted NCHW tensor (the stem and the three
    /// downsampling layers' first permute). With the catalog, its near-priced linear layers also launch cuBLAS's
    /// split-K helpers where their nearest measured neighbour does (a memset, a scaling and an epilogue; 12 products
    /// in the profile), and the count comes within 3% of the profile's; the model alone launches none of them.
    @Test func convNeXtCopiesOnlyWherePyTorchDoes() throws {
        let g = try ONNXImporter.load(path: Self.path("convnext_tiny__ts17.onnx.gz"))
        let gpu = try GPUCatalog.load("h200")
        let kg = Lowering.lower(g, gpu: gpu, catalog: CatalogSource.forGPU(gpu))
        #expect(kg.kernels.filter { $0.name == "copy_transpose" }.count == 3)
        #expect(kg.kernels.filter { $0.name.hasPrefix("Memset") }.count == 12)
        let measured = try #require(Self.measured["convnext_tiny"]).kernels
        #expect(measured == 199 && abs(Double(kg.kernels.count) / Double(measured) - 1) <= 0.03, "\(kg.kernels.count) kernels")
        #expect(Lowering.lower(g, gpu: gpu).kernels.count == kg.kernels.count - 36)
        #expect(g.importReport!.mapping.contains { $0.onnxOp == "Transpose" && $0.became == "transpose×3, view×43" })
    }

    /// PyTorch computes Swin's shifted-window attention masks and relative-position biases in every pass, where the
    /// TorchScript export keeps the masks as ops on constants and folds the biases into `onnx::Add_n` initializers;
    /// convtop charges the kernels PyTorch runs for them (`chargeRuntimeConstant`). Swin-T (depths 2, 2, 6, 2, every
    /// second block shifted but in the last stage, whose 7×7 map one window covers): 5 masks, each a zero fill, 9 slice
    /// fills and 7 more ops (PyTorch: 6); 12 biases, each a gather and a copy. 446 kernels at batch 1 against the
    /// profile's 433 (337 before session 22). A CNN's export has no such constants, and none of these kernels takes a
    /// gradient.
    @Test func swinRecomputesItsMasksAndBiases() throws {
        let g = try ONNXImporter.load(path: Self.path("swin_t__ts17.onnx.gz"))
        let m = g.importReport!.mapping
        #expect(m.contains { $0.onnxOp == "ScatterND" && $0.became == "recomputed by PyTorch×45" }, "\(m)")
        #expect(m.contains { $0.onnxOp == "ConstantOfShape" && $0.became.hasSuffix("recomputed by PyTorch×5") })
        #expect(m.contains { $0.onnxOp == "initializer folded by the exporter" && $0.became == "recomputed by PyTorch×12" })
        let gpu = try GPUCatalog.load("h200")
        let kg = Lowering.lower(g, gpu: gpu, catalog: CatalogSource.forGPU(gpu))
        let measured = try #require(Self.measured["swin_t"]).kernels
        #expect(measured == 433 && kg.kernels.count == 446, "\(kg.kernels.count) kernels")
        #expect(g.nodes.filter { $0.name.hasSuffix(".runtime") || $0.name.hasSuffix(".runtime_gather") }.count == 5 * 17 + 2 * 12)
        let t = TrainingGraph.build(from: g)
        #expect(!t.nodes.contains { n in n.forwardOf.map { t.nodes[$0].name.hasSuffix(".runtime") } ?? false })
        // The dynamo export builds 3 masks for the 5 shifted blocks (stage 3's three share one); PyTorch builds one in
        // each block, so each block that reads a mask is charged its zero fill.
        let dyn = try ONNXImporter.load(path: Self.path("swin_t__dyn.onnx.gz"))
        #expect(dyn.nodes.filter { $0.name.hasPrefix("new_zeros") && $0.kind == .unary(.other) }.count == 5)
        let cnn = try ONNXImporter.load(path: Self.path("resnet50__ts17.onnx.gz"))
        #expect(!cnn.importReport!.mapping.contains { $0.became.contains("recomputed") })
    }

    /// Held out: ConvNeXt-T's depthwise 7×7 convolutions read channels-last input, so PyTorch runs cuDNN's
    /// `conv2d_c1_k1_nhwc`, not its NCHW depthwise kernel (H200 profile at batch 32, Assets/onnx/measured: 51.9, 96.8 and
    /// 182.4 µs on 192×28², 384×14² and 96×56²; the NCHW kernel's catalog time for the last is 318). The catalog's
    /// channels-last sweep (`h200/dwcl/`) leaves ConvNeXt-T's own shapes out.
    @Test func channelsLastDepthwiseConvolutionsTakeTheNHWCKernel() throws {
        let gpu = try GPUCatalog.load("h200")
        let g = try ONNXImporter.load(path: Self.path("convnext_tiny__ts17.onnx.gz"), batch: 32)
        // (the 18 depthwise convolutions and the three downsampling ones, which read the blocks' channels-last output)
        #expect(g.nodes.filter(\.channelsLast).count == 21)
        let kg = Lowering.lower(g, gpu: gpu, catalog: CatalogSource.forGPU(gpu))
        let dw = kg.kernels.filter { $0.name == "conv2d_c1_k1_nhwc" }
        #expect(dw.count == 18)
        let timing = TimingModel(gpu: gpu)
        for (grid, measured) in [(2352, 51.9), (4704, 96.8), (9408, 182.4)] {
            let k = try #require(dw.first { $0.blocks == grid })
            #expect(abs(timing.standaloneDuration(k) / measured - 1) < 0.15, "\(grid) blocks: \(timing.standaloneDuration(k)) µs")
        }
    }

    @Test func symbolicBatchIsOneUnlessGiven() throws {
        let p = Self.path("resnet50__ts13dyn.onnx.gz")
        let one = try ONNXImporter.load(path: p)
        #expect(one.batch == 1)
        #expect(one.importReport!.notes.contains { $0.contains("symbolic batch") })
        let eight = try ONNXImporter.load(path: p, batch: 8)
        #expect(eight.nodes[0].shape.dims == [8, 3, 224, 224] && eight.forwardMACs == 8 * one.forwardMACs)
        #expect(try ModelLoader.defaultBatch(p) == 1)
    }

    /// A static export built at another batch: shapes the file wrote with batch 1 folded into windows (Swin) or
    /// heads (ViT) follow the new batch, and the work scales with it.
    @Test(arguments: ["vit_b_16__ts17", "vit_b_16__dyn", "swin_t__ts17", "maxvit_t__dyn", "deeplabv3_resnet50__dyn", "resnet50__dyn"])
    func staticExportsRebatch(_ base: String) throws {
        let one = try ONNXImporter.load(path: Self.path(base + ".onnx.gz"))
        let three = try ONNXImporter.load(path: Self.path(base + ".onnx.gz"), batch: 3)
        #expect(three.forwardMACs == 3 * one.forwardMACs)
        #expect(three.nodes.last!.shape.dims.first == 3)
    }

    @Test func foldedBatchNormsComeBack() throws {
        for file in ["resnet50__dyn.onnx.gz", "resnet50__ts17.onnx.gz"] {
            let g = try ONNXImporter.load(path: Self.path(file))
            let convs = g.nodes.filter { if case .conv = $0.kind { return true } else { return false } }
            #expect(convs.count == 53)
            #expect(g.nodes.filter { $0.kind == .batchNorm }.count == 53)
            #expect(convs.allSatisfy { if case .conv(let a) = $0.kind { return !a.bias } else { return false } })
        }
    }

    /// An in-place activation whose gradient needs its input keeps a copy of it in a training step (a `Memcpy DtoD`
    /// before the activation's kernel). Profiled on the H200 at batch 32 (Assets/onnx/measured/kernels.jsonl.gz):
    /// EfficientNet-B0's step has 53 copies, 49 of them right before a SiLU kernel (the other 4 at the loss);
    /// MobileNet-v3-Large's 21, one per hard-swish. Both exporters write SiLU as Sigmoid·Mul.
    @Test func inPlaceActivationsCopyTheirInputInTraining() throws {
        let gpu = try GPUCatalog.load("h200")
        for (file, silu, hardSwish) in [("efficientnet_b0__ts17.onnx.gz", 49, 0), ("efficientnet_b0__dyn.onnx.gz", 49, 0),
                                        ("mobilenet_v3_large__ts17.onnx.gz", 0, 21)] {
            let g = try ONNXImporter.load(path: Self.path(file))
            #expect(g.nodes.filter { $0.kind == .unary(.silu) }.count == silu, "\(file)")
            #expect(g.nodes.filter { $0.kind == .unary(.hardSwish) }.count == hardSwish, "\(file)")
            let copies = { (kg: KernelGraph) in kg.kernels.filter { $0.name.hasPrefix("Memcpy DtoD") }.count }
            #expect(copies(Lowering.lower(TrainingGraph.build(from: g), gpu: gpu)) == silu + hardSwish, "\(file)")
            #expect(copies(Lowering.lower(g, gpu: gpu)) == 0)
        }
        // ReLU's gradient needs only its output: no copy.
        let resnet = try ONNXImporter.load(path: Self.path("resnet50__ts17.onnx.gz"))
        #expect(!Lowering.lower(TrainingGraph.build(from: resnet), gpu: gpu).kernels.contains { $0.name.hasPrefix("Memcpy") })
    }

    @Test func decomposedActivationsRunAsOneKernel() throws {
        // TorchScript writes GELU as Div·Erf·Add·Mul·Mul; PyTorch runs one GELU kernel per block.
        let vit = try ONNXImporter.load(path: Self.path("vit_b_16__ts17.onnx.gz"))
        #expect(vit.nodes.filter { $0.kind == .unary(.fused(ops: 5)) }.count == 12)
        #expect(!vit.nodes.contains { $0.kind == .unary(.erf) })
        // Opset 13 has no LayerNormalization: its ReduceMean·Sub·Pow·ReduceMean·Add·Sqrt·Div·Mul·Add becomes one.
        let ts13 = try ONNXImporter.load(path: Self.path("convnext_tiny__ts13dyn.onnx.gz"))
        let ts17 = try ONNXImporter.load(path: Self.path("convnext_tiny__ts17.onnx.gz"))
        let norms = { (g: Graph) in g.nodes.filter { if case .layerNorm = $0.kind { return true } else { return false } }.count }
        #expect(norms(ts17) == 23 && norms(ts13) == norms(ts17))
        // Squeeze-excitation's x·sigmoid(s) has two sources and stays a multiplication.
        let eff = try ONNXImporter.load(path: Self.path("efficientnet_b0__ts17.onnx.gz"))
        #expect(eff.nodes.filter { $0.kind == .binary(.mul) }.count == 16)
    }

    @Test func normalizeRunsAsPyTorchsThreeKernels() throws {
        // Swin-V2 normalises its queries and keys with F.normalize, which every exporter writes as
        // ReduceL2·Clip·Expand·Div. PyTorch runs it as three kernels, not as a fused norm (H200 profile of Swin-V2-T at
        // batch 32, Assets/onnx/measured/kernels.jsonl.gz): reduce_kernel<512> over 18,816 blocks in 87 µs, a clamp of
        // the norms, and the division as the strided loop (37,632 blocks of 256 elements, 35.7 µs).
        let gpu = try GPUCatalog.load("h200")
        let g = try ONNXImporter.load(path: Self.path("swin_v2_t__ts17.onnx.gz"), batch: 32)
        #expect(g.nodes.filter { $0.kind == .reduce(.l2) }.count == 24)
        #expect(g.nodes.filter { if case .layerNorm = $0.kind { return true } else { return false } }.count == 29)
        let kg = Lowering.lower(g, gpu: gpu, precision: .fp32)
        let norm = try #require(g.nodes.first { $0.kind == .reduce(.l2) && $0.shape.elements == 32 * 64 * 3 * 49 })
        let reduce = kg.opKernels[norm.id].map { kg.kernels[$0] }
        #expect(reduce.map(\.name) == ["reduce_kernel"] && reduce[0].blocks == 18_816)
        let timing = TimingModel(gpu: gpu)
        #expect(abs(timing.standaloneDuration(reduce[0]) / 86.9 - 1) < 0.15, "\(timing.standaloneDuration(reduce[0])) µs")
        let division = try #require(g.nodes.first { $0.kind == .binary(.div) && $0.shape.elements == 32 * 64 * 3 * 49 * 32 })
        let div = kg.opKernels[division.id].map { kg.kernels[$0] }
        #expect(div.count == 1 && div[0].blocks == 37_632)
        #expect(abs(timing.standaloneDuration(div[0]) / 35.7 - 1) < 0.15, "\(timing.standaloneDuration(div[0])) µs")
    }

    @Test func exportedAttentionReadsItsHeadsInPlace() throws {
        // TorchScript writes ViT's attention as transposes into heads, Q and K each scaled by √(1/√64), Q·Kᵀ, softmax
        // and ·V. PyTorch runs one fused kernel that reads Q, K and V strided and scales itself, no scaling.
        // nn.MultiheadAttention's fast path launches no copy either (the ViT-B/16 profiles at batch 1 and 32): the
        // exported slow path's three permutes per layer (into and out of the sequence-first layout, and the heads
        // merged back) are views; the one copy left is the patch embedding's flattening permute, as profiled.
        let vit = try ONNXImporter.load(path: Self.path("vit_b_16__ts17.onnx.gz"))
        #expect(vit.nodes.filter { if case .attention = $0.kind { return true } else { return false } }.count == 12)
        #expect(!vit.nodes.contains { $0.kind == .unary(.scale) })
        let gpu = try GPUCatalog.load("h200")
        let copies = { (kg: KernelGraph) in kg.kernels.filter { $0.name == "copy_transpose" }.count }
        for file in ["vit_b_16__ts17.onnx.gz", "vit_b_16__dyn.onnx.gz"] {
            let g = try ONNXImporter.load(path: Self.path(file))
            #expect(g.nodes.filter(\.inferenceView).count == 36, "\(file)")
            #expect(copies(Lowering.lower(g, gpu: gpu)) == 1, "\(file)")
        }
        // A training step runs the slow path (the fast path is for inference only): its permutes are copies.
        #expect(copies(Lowering.lower(TrainingGraph.build(from: vit), gpu: gpu)) >= 37)
        // Swin's attention adds a position bias before its softmax: not fused, not the fast path, its copies stay (all
        // 62 of the export's but the last, a channels-last permute before the average pool).
        let swin = try ONNXImporter.load(path: Self.path("swin_t__ts17.onnx.gz"))
        // (beside the permuted copies of the relative-position biases PyTorch gathers in every pass, `swinRecomputes…`)
        #expect(swin.nodes.filter { $0.kind == .copy(.transpose) && !$0.name.hasSuffix(".runtime") }.count == 61)
    }

    @Test(arguments: ["vit_b_16__dyn", "convnext_tiny__ts17", "unet__dyn", "shufflenet_v2_x1_0__ts13dyn"])
    func trainsAndSimulates(_ base: String) throws {
        var s = Scenario()
        s.model = Self.path(base + ".onnx.gz"); s.batch = 2; s.gpu = "h200"; s.mode = .training
        let w = try Workload(s)
        let fwd = w.graph.nodes.filter { $0.phase == .forward }.count
        #expect(w.graph.nodes.count > 2 * fwd - 10)
        #expect(w.graph.nodes.contains { $0.phase == .update })
        let r = try w.run(.branch, recordBlocks: false).metrics
        #expect(r.iterationMs > 0 && r.iterationMs <= r.serialMs * 1.01)
    }

    /// PyTorch's bilinear upsampling loops each output pixel's thread over every image and channel: DeepLabv3 at batch
    /// 64 launches it on 4 blocks (the ASPP pooling branch, 1×1 to 64×64 on 256 channels) and 256 blocks (the head, 21
    /// classes to 512×512), 2,121 and 1,257 µs in its profile (Assets/onnx/measured/batches/kernels.jsonl.gz, held out
    /// of the rate's fit, `upsample_rate.py`). Both come within 10%; as one thread per output element they took 65 and
    /// 343 µs.
    @Test func bilinearUpsamplingLoopsOverImagesAndChannels() throws {
        let gpu = try GPUCatalog.load("h200")
        let g = try ONNXImporter.load(path: Self.path("deeplabv3_resnet50__ts17.onnx.gz"), batch: 64)
        let kg = Lowering.lower(g, gpu: gpu, catalog: CatalogSource.forGPU(gpu))
        let timing = TimingModel(gpu: gpu)
        let ups = kg.kernels.filter { $0.name == "upsample_bilinear2d_out_frame" }
        #expect(ups.count == 2 && ups.allSatisfy { $0.threadsPerBlock == 1024 })
        for (blocks, measured) in [(4, 2121.5), (256, 1256.8)] {
            let k = try #require(ups.first { $0.blocks == blocks })
            #expect(abs(timing.standaloneDuration(k) / measured - 1) < 0.1, "\(blocks) blocks: \(timing.standaloneDuration(k)) µs")
        }
    }

    @Test func aBrokenGzipIsOneLine() throws {
        let p = NSTemporaryDirectory() + "convtop-\(getpid())-broken.onnx.gz"
        try Data([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0x00]).write(to: URL(fileURLWithPath: p))
        defer { try? FileManager.default.removeItem(atPath: p) }
        #expect { _ = try ONNXImporter.load(path: p) } throws: { "\($0)".contains("not a valid gzip file") && !"\($0)".contains("\n") }
    }
}
