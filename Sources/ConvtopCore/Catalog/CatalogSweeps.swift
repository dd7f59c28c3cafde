import Foundation

/// The generic shape sweeps a catalog measurement adds for networks convtop has never seen (`addSweeps`, as
/// `convtop calibrate` measures them), and the sweeps measured once on the H200 and shipped beside the catalog.
extension CatalogManifest {
    /// Every generic sweep below, as `convtop calibrate` measures them.
    public mutating func addSweeps(gpu: GPUSpec) {
        addSweep(gpu: gpu); addChainGrid(gpu: gpu); addGroupedSweep(gpu: gpu)
        addNarrowSweep(gpu: gpu); addUpsamplingSweep(gpu: gpu); addLargePlaneSweep(gpu: gpu)
        addLinearSweep(gpu: gpu); addPatchifySweep(gpu: gpu); addChannelsLastDepthwiseSweep(gpu: gpu)
        addLargeWindowSweep(gpu: gpu); addGroupLoopSweep(gpu: gpu); addGroupWidth24Sweep(gpu: gpu)
    }

    /// A generic sweep: convolutions (three passes) over batch 1–64, 32–768 channels, 7–56 maps, 1×1 and 3×3;
    /// depthwise 3×3 and 5×5 at stride 1 and 2; batch norm (both modes) and 3×3 pooling on the same maps.
    public mutating func addSweep(gpu: GPUSpec) {
        func point(_ dims: [Int], _ make: (inout GraphBuilder, Int) -> Int) { addPoint(dims, gpu: gpu, make) }
        for n in [1, 4, 16, 64] {
            for c in [32, 96, 256, 768] {
                for hw in [7, 14, 28, 56] {
                    let dims = [n, c, hw, hw]
                    point(dims) { $0.conv($1, c, k: (1, 1), name: "c1") }
                    point(dims) { $0.conv($1, c, k: (3, 3), p: (1, 1), name: "c3") }
                    point(dims) { $0.bn($1, name: "bn") }
                    point(dims) { $0.maxPool($1, k: 3, s: 2, p: 1, name: "mp") }
                    guard c <= 256 else { continue }
                    // (depthwise: the channel counts MobileNets and EfficientNets use)
                    for k in [3, 5] {
                        for s in [1, 2] {
                            point(dims) { $0.conv($1, c, k: (k, k), s: (s, s), p: (k / 2, k / 2), groups: c, name: "dw") }
                        }
                    }
                }
            }
        }
    }

    /// The concurrency grid's convolutions (`Assets/calibration/round2/pairs.jsonl`: chains of same-size convolutions,
    /// batch 1–64, 32–1024 channels, 7–112 maps, 1×1 and 3×3), so that overlap is simulated on measured kernels. The
    /// grid's 256-channel points were measured apart in session 12 (`Assets/catalog/h200/chains256`) and kept out of
    /// the shipped catalog then: as neighbours of other ops they moved the held-out corpus's serial median from 4.1% to
    /// 4.7%. With session 19's neighbour scale they no longer do (3.3% to 3.4%, held-out single convolutions 13.2% to
    /// 12.9%), and the chains' speedup median goes from 0.059 to 0.054, so session 22 merged them.
    public mutating func addChainGrid(gpu: GPUSpec) {
        for n in [1, 8, 32, 64] {
            for c in [32, 128, 256, 512, 1024] {
                for hw in [7, 14, 28, 56, 112] {
                    for k in [1, 3] {
                        addPoint([n, c, hw, hw], gpu: gpu) { $0.conv($1, c, k: (k, k), p: (k / 2, k / 2), name: "c") }
                    }
                }
            }
        }
    }

    /// Grouped convolutions (ResNeXt, RegNet): 3×3 at stride 1 and 2, 32–1024 channels in groups of 4–64 channels,
    /// batch 1–32, 7–56 maps, all three passes.
    public mutating func addGroupedSweep(gpu: GPUSpec) {
        for n in [1, 8, 32] {
            for c in [32, 64, 128, 256, 512, 1024] {
                for width in [4, 8, 16, 32, 64] where c / width >= 2 {
                    for hw in [7, 14, 28, 56] {
                        for s in [1, 2] {
                            addPoint([n, c, hw, hw], gpu: gpu) { $0.conv($1, c, k: (3, 3), s: (s, s), p: (1, 1), groups: c / width, name: "g") }
                        }
                    }
                }
            }
        }
    }

    /// Grouped 3×3 convolutions with few, mid-width groups (RegNet-X and -Y at 1.6–3.2 GFLOPs: 3–9 groups of 24 channels),
    /// where cuDNN chooses between its grouped kernels and the group-by-group path (`GroupPaths`), measured on the H200
    /// in session 18 (`Assets/catalog/h200/grouploop/`, 28 s) and merged into the shipped catalog: 12–64
    /// channels per group in 2–8 groups, batch 2–32, maps 28 and 56 at stride 1, 56 and 112 at stride 2 (up to 2²⁶ input
    /// elements), all three passes. Widths of 24 were left out so that round 18's RegNets (`Assets/calibration/round18`)
    /// would check the path read off this sweep; they showed that no rule from the other widths holds for 24, which
    /// session 22 then measured (`addGroupWidth24Sweep`).
    public mutating func addGroupLoopSweep(gpu: GPUSpec) { addGroupLoop(widths: [12, 16, 20, 32, 40, 48, 64], gpu: gpu) }

    /// The group-loop grid at 24 channels a group (RegNet-X-1.6GF, RegNet-Y-1.6GF and -3.2GF), measured on the H200 in
    /// session 22 (`Assets/catalog/h200/groupwidth24/`, 7 s) and merged into the shipped catalog. Round 18 showed that
    /// no rule read off the other widths says where cuDNN runs these group by group: RegNet-X-1.6GF's 72-channel stage
    /// at batch 24 ran one grouped kernel at 56×56 where widths 20 and 40 go group by group, and convtop, voting with
    /// those neighbours, came out +20.4%.
    public mutating func addGroupWidth24Sweep(gpu: GPUSpec) { addGroupLoop(widths: [24], gpu: gpu) }

    /// Grouped 3×3 convolutions of one image whose groups are not a power of two channels wide (12, 20, 24, 40 and 48:
    /// RegNet-X and -Y up to 3.2 GFLOPs), in 2–64 groups on the maps and strides a RegNet's stages use (7–56, stride 1;
    /// 14–112, stride 2), up to 2²² input elements, all three passes. Round 18's RegNet-Y-3.2GF at batch 1 showed
    /// cuDNN running these on its NHWC tensor-core kernels with the generic filter transform (about 24 µs a layer, or
    /// one FFMA kernel per group where there are three), where every measured grouped convolution of one image had a
    /// power-of-two width and one FFMA kernel (12–17 µs). Not in the calibration's sweeps: measured on the H200 in
    /// session 22 (`Assets/catalog/h200/groupbatch1/`, 1,209 convolutions, 14 s) into `h200/exact.tsv.gz`, ops that
    /// price only themselves (`CatalogFile.exactFileName`). Merged as neighbours, it brought RegNet-Y-3.2GF at batch 1
    /// from −13.2% to −0.2% but took the width-8 and -16 RegNets at batch 1–16 to +15% to +24% (the held-out corpus's
    /// worst 15.8% → 20.7%, round 7's 13.1% → 23.6%); with the odd widths as a neighbour class of their own, round 20
    /// went 4.0% / 13.1% → 4.2% / 16.0%. Pricing only themselves: −3.2%, and no other set moves.
    public mutating func addGroupBatchOneSweep(gpu: GPUSpec) {
        for width in [12, 20, 24, 40, 48] {
            for groups in [2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64] {
                let c = width * groups
                for (hw, s) in [(7, 1), (14, 1), (28, 1), (56, 1), (14, 2), (28, 2), (56, 2), (112, 2)] where c * hw * hw <= 1 << 22 {
                    addPoint([1, c, hw, hw], gpu: gpu) { $0.conv($1, c, k: (3, 3), s: (s, s), p: (1, 1), groups: groups, name: "g1") }
                }
            }
        }
    }

    /// 3×3 grouped convolutions of `widths` channels a group in 2–8 groups, batch 2–32, maps 28 and 56 at stride 1, 56
    /// and 112 at stride 2 (up to 2²⁶ input elements), all three passes.
    mutating func addGroupLoop(widths: [Int], gpu: GPUSpec) {
        for n in [2, 4, 8, 16, 32] {
            for width in widths {
                for groups in [2, 3, 4, 6, 8] {
                    let c = width * groups
                    for (hw, s) in [(28, 1), (56, 1), (56, 2), (112, 2)] where n * c * hw * hw <= 1 << 26 {
                        addPoint([n, c, hw, hw], gpu: gpu) { $0.conv($1, c, k: (3, 3), s: (s, s), p: (1, 1), groups: groups, name: "gl") }
                    }
                }
            }
        }
    }

    /// Narrow convolutions on large maps (U-Nets, small segmentation and detection heads, an RGB input to few
    /// channels): 3–24 channels in, 2–24 out, 24–128 maps, batch 1–64, 1×1 and 3×3, all three passes. cuDNN runs
    /// them on FFMA tiles at least 32 output channels wide, so their time follows the map, not the FLOPs, and no
    /// wider convolution is a neighbour for them.
    public mutating func addNarrowSweep(gpu: GPUSpec) {
        for n in [1, 8, 64] {
            for cin in [3, 6, 12, 24] {
                for cout in [2, 6, 12, 24] {
                    for hw in [24, 48, 96, 128] {
                        for k in [1, 3] {
                            addPoint([n, cin, hw, hw], gpu: gpu) { $0.conv($1, cout, k: (k, k), p: (k / 2, k / 2), name: "n") }
                        }
                    }
                }
            }
        }
    }

    /// Strided convolutions whose data gradient is a transposed convolution's forward pass (U-Net and segmentation
    /// decoders, GAN generators): 2×2 and 3×3 windows and 4×4 with padding 1, stride 2, 6–384 channels going to as
    /// many or twice as many, 24–192 maps, batch 1–64 (up to 2²⁸ elements), all three passes.
    public mutating func addUpsamplingSweep(gpu: GPUSpec) {
        for n in [1, 8, 64] {
            for c in [6, 24, 96, 384] {
                for cout in [c, 2 * c] {
                    for hw in [24, 48, 96, 192] where n * max(c, cout) * hw * hw <= 1 << 28 {
                        for (k, p) in [(2, 0), (3, 1), (4, 1)] {
                            addPoint([n, c, hw, hw], gpu: gpu) { $0.conv($1, cout, k: (k, k), s: (2, 2), p: (p, p), name: "u") }
                        }
                    }
                }
            }
        }
    }

    /// Few images with large planes (segmentation and detection at batch 1–4): batch norm, whose inference kernel
    /// walks a whole plane per block, and max pooling, on 12–96 channels at 96×96 to 320×320, both modes.
    public mutating func addLargePlaneSweep(gpu: GPUSpec) {
        for n in [1, 4] {
            for c in [12, 24, 48, 96] {
                for hw in [96, 192, 320] {
                    addPoint([n, c, hw, hw], gpu: gpu) { $0.bn($1, name: "bn") }
                    addPoint([n, c, hw, hw], gpu: gpu) { $0.maxPool($1, k: 2, s: 2, name: "mp") }
                }
            }
        }
    }

    /// Linear layers as transformers and MLPs run them (rows are batch × tokens): for widths d of 96–1,280, the
    /// attention's d → 3d and d → d, the MLP's d → 4d and 4d → d, and patch merging's 4d → 2d, on 16–65,536 rows four
    /// to an octave (cuBLAS changes tile and split with the rows, so time is not smooth in them), all three passes,
    /// up to 10¹¹ FLOPs an op.
    public mutating func addLinearSweep(gpu: GPUSpec) {
        for (i, o) in Self.linearSweepWidths {
            for rows in Self.linearSweepRows where 2 * Double(rows) * Double(i) * Double(o) <= 1e11 {
                addPoint([rows, i], gpu: gpu) { $0.linear($1, o, name: "fc") }
            }
        }
    }

    /// The linear sweep's (in, out) widths.
    static var linearSweepWidths: [(Int, Int)] {
        var pairs: [(Int, Int)] = []
        for d in [96, 192, 256, 384, 512, 768, 1024, 1280] {
            pairs += [(d, 3 * d), (d, d), (d, 4 * d), (4 * d, d)]
            if [96, 192, 384, 768].contains(d) { pairs.append((4 * d, 2 * d)) }
        }
        return pairs
    }

    /// The linear sweep's rows: 2^(i/4) rounded, 16 to 65,536.
    static var linearSweepRows: [Int] {
        var rows: [Int] = []
        for i in 16...64 {
            let r = Int((pow(2, Double(i) / 4)).rounded())
            if rows.last != r { rows.append(r) }
        }
        return rows
    }

    /// Patchifying stems (ViT, DeiT, Swin, ConvNeXt, MLP-Mixer): an RGB image cut into non-overlapping k×k patches by a
    /// convolution of stride k with a bias, k of 4–32, 64–1,280 channels out, 224 and 384 pixels, batch 1–64, all three
    /// passes. cuDNN runs them on FFMA implicit-GEMM tiles (three input channels do not fit TF32's), several times
    /// slower than the model's GEMM. 768 channels are left out: ViT-B's stem, whose networks check the sweep.
    public mutating func addPatchifySweep(gpu: GPUSpec) {
        for n in [1, 2, 4, 8, 16, 32, 64] {
            for k in [4, 8, 14, 16, 32] {
                for cout in [64, 96, 128, 192, 256, 384, 512, 1024, 1280] {
                    for hw in [224, 384] {
                        addPoint([n, 3, hw, hw], gpu: gpu) { $0.conv($1, cout, k: (k, k), s: (k, k), bias: true, name: "patch") }
                    }
                }
            }
        }
    }

    /// Depthwise convolutions on channels-last input (ConvNeXt's blocks: PyTorch hands them to cuDNN's NHWC kernel),
    /// forward with a bias: 3×3, 5×5 and 7×7 windows at stride 1 and 2, 32–1,536 channels, 7–112 maps, batch 1, 8
    /// and 32 (up to 2²⁸ elements). ConvNeXt-T's own four (7×7 at stride 1 on 96×56², 192×28², 384×14², 768×7²) are
    /// left out, so that its in-network times are a held-out check.
    public mutating func addChannelsLastDepthwiseSweep(gpu: GPUSpec) {
        let convNeXtT: Set<[Int]> = [[96, 56], [192, 28], [384, 14], [768, 7]]
        for n in [1, 8, 32] {
            for c in [32, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536] {
                for hw in [7, 14, 28, 56, 112] where n * c * hw * hw <= 1 << 28 {
                    for k in [3, 5, 7] {
                        for s in [1, 2] where !(k == 7 && s == 1 && convNeXtT.contains([c, hw])) {
                            var b = GraphBuilder(name: "sweep")
                            let x = b.input([n, c, hw, hw], name: "x")
                            let y = b.conv(x, c, k: (k, k), s: (s, s), p: (k / 2, k / 2), groups: c, bias: true, name: "dwcl")
                            b.setChannelsLast(y)
                            add(b.build(), source: "sweep", gpu: gpu)
                        }
                    }
                }
            }
        }
    }

    /// Dense 5×5 and 7×7 convolutions (Inception's and AlexNet's windows, stems, users' own layers), all three passes:
    /// stride 1 and 2, 24–384 channels in, 48–320 out, 10–80 maps, batch 1, 8 and 32 (up to 2²⁷ elements a tensor).
    /// The catalog held such windows only at the zoo's shapes, so round 7's new-shape layers of these windows took
    /// the model alone (forward 5×5 −52% at the median, data and weight gradients −33% to −96%).
    public mutating func addLargeWindowSweep(gpu: GPUSpec) {
        for n in [1, 8, 32] {
            for cin in [24, 64, 160, 384] {
                for cout in [48, 128, 320] {
                    for hw in [10, 20, 40, 80] where n * max(cin, cout) * hw * hw <= 1 << 27 {
                        for k in [5, 7] {
                            for s in [1, 2] {
                                addPoint([n, cin, hw, hw], gpu: gpu) { $0.conv($1, cout, k: (k, k), s: (s, s), p: (k / 2, k / 2), name: "lw") }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Squeeze-excitation's two 1×1 convolutions (EfficientNet, MobileNet-v3, RegNet-Y), which run on a 1×1 map: a
    /// product of the batch's rows by channels, with a bias, all three passes. cuDNN runs them as a small GEMM whose
    /// few blocks each walk the whole reduction (round 7's EfficientNet-B3 at batch 2: 11–12 µs for 816 → 34 on two
    /// blocks), where the model split it over many. 40–2,800 channels squeezed by 4 and by 12 and widened back, batch
    /// 1–64: channel counts no torchvision network has, so that the rounds' networks check the sweep.
    public mutating func addSqueezeExcitationSweep(gpu: GPUSpec) {
        for n in [1, 2, 4, 8, 16, 32, 64] {
            for c in [40, 80, 120, 200, 320, 500, 720, 1000, 1400, 2000, 2800] {
                for r in [4, 12] {
                    let squeezed = max(4, c / r)
                    for (cin, cout) in [(c, squeezed), (squeezed, c)] {
                        addPoint([n, cin, 1, 1], gpu: gpu) { $0.conv($1, cout, k: (1, 1), bias: true, name: "se") }
                    }
                }
            }
        }
    }

    /// Not in the calibration's sweeps: the 1×1 expansions and projections of inverted-residual blocks (MobileNet,
    /// EfficientNet, MNASNet) on the large maps of 240–600-pixel inputs, 16–48 channels widened six times and 96–288
    /// narrowed by as much, on 40×40 to 160×160 maps, batch 1–32 (up to 2²⁸ elements), all three passes. Measured on
    /// the H200 in session 15 (`Assets/catalog/h200/expansion/`) and not merged: as neighbours they moved the held-out
    /// corpus's serial median from 3.7% to 3.9%, and EfficientNet-B3's training step not at all.
    public mutating func addExpansionSweep(gpu: GPUSpec) {
        let pairs = [(16, 96), (24, 144), (32, 192), (40, 240), (48, 288), (96, 16), (144, 24), (192, 32), (288, 48)]
        for n in [1, 8, 32] {
            for hw in [40, 80, 160] {
                for (cin, cout) in pairs where n * max(cin, cout) * hw * hw <= 1 << 28 {
                    addPoint([n, cin, hw, hw], gpu: gpu) { $0.conv($1, cout, k: (1, 1), name: "pw") }
                }
            }
        }
    }

    /// Not in the calibration's sweeps: narrow and mid-width convolutions on the largest maps (U-Nets and segmentation
    /// heads at 320–640 pixels), 3–48 channels in, 2–48 out, 192×192 and 320×320 maps, batch 1, 8 and 32 (up to 2²⁸
    /// elements), 1×1 and 3×3, all three passes. The corpus's U-Net at batch 64 ran its 16-channel 3×3 layers on
    /// 256×256 maps in 813 µs where the narrow sweep's neighbours (up to 128×128) gave 331
    /// (`Assets/onnx/measured/batches/`). Measured on the H200 in session 17 (`Assets/catalog/h200/largemap/`, with
    /// its backward ops' cold times) and not merged: cuDNN's path there changes with the channel count (12 channels
    /// one FFMA kernel, 403 µs at 32×192×192; 16 and 24 NHWC kernels between layout transforms), so as neighbours
    /// they brought the U-Net at batch 64 from −16.1% to −1.2% but took it at batch 32 from −4.8% to +9.4% (and 4
    /// and 16 further out), and the catalog's left-out median from 4.5% to 4.7%.
    public mutating func addLargeMapSweep(gpu: GPUSpec) {
        for n in [1, 8, 32] {
            for cin in [3, 6, 12, 24, 48] {
                for cout in [2, 6, 12, 24, 48] {
                    for hw in [192, 320] where n * max(cin, cout) * hw * hw <= 1 << 28 {
                        for k in [1, 3] {
                            addPoint([n, cin, hw, hw], gpu: gpu) { $0.conv($1, cout, k: (k, k), p: (k / 2, k / 2), name: "m") }
                        }
                    }
                }
            }
        }
    }

    /// Not in the calibration's sweeps: dilated 3×3 convolutions (DeepLab's backbone and ASPP, dilated ResNets), 64–1,024
    /// channels to as many, dilation 2, 3, 6 and 12 with padding to match, 24–96 maps, batch 1, 8 and 32 (up to 2²⁸
    /// elements), all three passes; the corpus's DeepLabv3 and FCN (256–2,048 channels, dilation 2–36, 64×64 maps) left
    /// out. DeepLabv3's ASPP convolutions (dilation 12–36) run cuDNN's `s1688fprop_optimized` at 245 TFLOPS where their
    /// undilated neighbours give 440; the sweep shows the same at dilation 6–12 (208–221 TFLOPS at batch 32, 313–380 at
    /// dilation 2–3). Measured on the H200 in session 17 (`Assets/catalog/h200/dilated/`) and not merged: with a shape
    /// class of their own, dilated convolutions took them as neighbours and DeepLabv3 at batch 64 went −10.4% → −5.0%, but
    /// at batch 1 −1.5% → +6.0% and FCN-ResNet50, whose dilated backbone they slowed too, b1 +9.3% → +16.6% (the time
    /// follows the dilation, which the neighbour distance does not hold).
    public mutating func addDilatedSweep(gpu: GPUSpec) {
        for n in [1, 8, 32] {
            for c in [64, 192, 384, 1024] {
                for hw in [24, 48, 96] where n * c * hw * hw <= 1 << 28 {
                    for d in [2, 3, 6, 12] where d < hw / 2 {
                        addPoint([n, c, hw, hw], gpu: gpu) { $0.conv($1, c, k: (3, 3), p: (d, d), d: (d, d), name: "dil") }
                    }
                }
            }
        }
    }

    /// Not a sweep: the held-out check on the linear sweep (`LinearTokenCheck`), linear layers of ViT-S, ViT-B and ViT-L
    /// blocks (widths 384, 768, 1,024) on the rows they really run, batch 1–64 × 50, 197 or 577 tokens, all three
    /// passes, up to 10¹¹ FLOPs an op. None of these row counts is on the sweep's grid.
    public mutating func addLinearTokenCheck(gpu: GPUSpec) {
        for d in [384, 768, 1024] {
            for (i, o) in [(d, 3 * d), (d, d), (d, 4 * d), (4 * d, d)] {
                for tokens in [50, 197, 577] {
                    for b in [1, 2, 4, 8, 16, 32, 64] where 2 * Double(b * tokens) * Double(i * o) <= 1e11 {
                        addPoint([b * tokens, i], gpu: gpu, source: "check") { $0.linear($1, o, name: "fc") }
                    }
                }
            }
        }
    }

    /// One sweep point: its own small training step (input → ReLU → op, so the op needs both gradients), lowered
    /// with its forward pass, so the forward, data-gradient and weight-gradient ops all land in the manifest.
    mutating func addPoint(_ dims: [Int], gpu: GPUSpec, source: String = "sweep", _ make: (inout GraphBuilder, Int) -> Int) {
        var b = GraphBuilder(name: source)
        let x = b.input(dims, name: "x")
        _ = make(&b, b.relu(x, name: "r"))
        let g = b.build()
        add(g, source: source, gpu: gpu)
        // The sweep's loss over a whole feature map is no op a network runs.
        add(TrainingGraph.build(from: g), source: source, gpu: gpu, skipping: [.loss])
    }
}
