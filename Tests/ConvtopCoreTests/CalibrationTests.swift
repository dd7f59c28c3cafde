import Testing
@testable import ConvtopCore

struct CalibrationTests {
    @Test func csvReaderHandlesQuotedCommasAndCRLF() throws {
        let text = "node,kind,kernel,grid_x,grid_y,grid_z,block_x,block_y,block_z,registers_per_thread,shared_memory_bytes,duration_us\r\n" +
            "conv1,kernel,\"void f<float, 3>(int, \"\"x\"\")\",392,2,1,8,8,1,64,2304,17.92\r\n" +
            "fc,gpu_memset,Memset (Device),0,0,0,0,0,0,0,0,0.768\r\n"
        let rows = try CalibrationData.parseCSV(text, file: "t.csv")
        #expect(rows.count == 2)
        #expect(rows[0].name == "void f<float, 3>(int, \"x\")")
        #expect(rows[0].grid.count == 784 && rows[0].block.count == 64 && rows[0].durationUs == 17.92)
        #expect(rows[1].isMemset)
        #expect(throws: ConvtopError.self) { _ = try CalibrationData.parseCSV("h\nonly,three,cols\n", file: "t.csv") }
    }

    @Test func kernelNamesAreClassified() {
        #expect(KernelClassifier.classify("sm90_xmma_fprop_implicit_gemm_f32f32_tf32f32") == .tensorGemm)
        #expect(KernelClassifier.classify("void cutlass::Kernel2<cutlass_80_tensorop_s1688gemm_64x64>") == .tensorGemm)
        #expect(KernelClassifier.classify("sm80_xmma_fprop_implicit_gemm_f32f32_f32f32_f32_nchwkcrs_ffma") == .cudaCore)
        #expect(KernelClassifier.classify("void cudnn::engines_precompiled::nchwToNhwcKernel<float>") == .layout)
        #expect(KernelClassifier.classify("void cudnn::bn_bw_1C11_kernel_new<float>") == .reduction)
        #expect(KernelClassifier.classify("void at::native::vectorized_elementwise_kernel<4>") == .elementwise)
    }

    /// The shipped calibration sets load, and the simulator's serial estimate stays near what was measured: within
    /// 35% on every round-1 set (README: worst 31%), within 15% at the median.
    @Test func shippedSetsLoadAndSerialTimesAreNear() throws {
        let sets = try CalibrationData.load()
        #expect(sets.count >= 8)
        #expect(sets.allSatisfy { !$0.kernels.isEmpty && $0.serialMs != nil })
        #expect(CalibrationData.pairs().count == 2)
        let errors = try ValidationReport.run().sets.compactMap(\.serialError).map(abs).sorted()
        #expect(errors.count >= 8)
        #expect(errors.allSatisfy { $0 < 0.35 }, "\(errors)")
        #expect(errors[errors.count / 2] < 0.15, "\(errors)")
    }
}

/// Round 7 (networks at new input and batch sizes, both exporters; conv layers at new shapes) and round 8 (the
/// profiler's effect), read from the shipped files.
struct HeldOutShapeTests {
    /// A later held-out round of networks: its sets (both exporters), one run's serial time read by hand from its
    /// runs.jsonl, the network that did not export (if one did not), and the serial targets (median within 8%,
    /// worst 20%).
    struct NetworkRound: Sendable, CustomStringConvertible {
        var round: OtherShapes.Round, sets: Int, label: String, serialMs: Double, unexported: String?
        var description: String { round.rawValue }
    }

    /// Round 18, 19 networks no earlier set held, 44 runs, 67 sets; RegNet-X-1.6GF at batch 24: 4.807 ms serial (its
    /// 72-channel stage in 3 groups of 24 went +20.4% until session 22 measured that width). Round 20, measured after
    /// session 19's changes as their check: 16 known networks at odd input and batch sizes (VGG-11 at 176 px did not
    /// export), 36 runs, 52 sets; ResNet-50 at 288 px, batch 5: 1.711 ms. Round 24, larger and newer networks measured
    /// in session 21: 16 networks (VGG-16 at 192 px did not export), 34 runs, 50 sets; ResNet-152 at batch 2: 2.646 ms.
    @Test(arguments: [NetworkRound(round: .round18, sets: 67, label: "regnet_x_1_6gf 224px ts17 inference b24", serialMs: 4.807, unexported: nil),
                      NetworkRound(round: .round20, sets: 52, label: "resnet50 288px ts17 inference b5", serialMs: 1.711, unexported: "vgg11"),
                      NetworkRound(round: .round24, sets: 50, label: "resnet152 224px ts17 inference b2", serialMs: 2.646, unexported: "vgg16")])
    func laterRoundsAreWithinTheTargets(_ c: NetworkRound) throws {
        let rows = try OtherShapes.run(c.round, gpu: try GPUCatalog.load("h200"))
        #expect(rows.count == c.sets)
        let r = try #require(rows.first { $0.label == c.label })
        #expect(abs(r.serialMeasuredMs - c.serialMs) < 0.0005)
        if let gone = c.unexported { #expect(!rows.contains { $0.label.hasPrefix(gone) }) }
        let mw = FidelityReport.medianWorst(rows.map(\.serialError))
        #expect(mw.median <= 0.08 && mw.worst <= 0.20, "median \(mw.median), worst \(mw.worst)")
    }

    @Test func newShapeRunsAreSimulatedFromEveryExport() throws {
        let rows = try OtherShapes.run()
        // 15 networks at 2 batch sizes plus 6 training steps; 8 networks were exported by both exporters.
        #expect(rows.count >= 50)
        #expect(rows.contains { $0.label == "resnet50 320px dyn inference b16" })
        #expect(rows.contains { $0.label == "googlenet 320px ts17 training b12" && $0.speedupMeasured != nil })
        // Both exports of a network describe nearly the same computation: their simulated times agree within 6%. (Not
        // closer: their op orders differ, and where a graph's first memset falls decides how much of a profiled
        // process's host call the replay waits for; and the dynamo exporter gives DenseNet-169's convolutions a bias,
        // whose kernel a convolution with a bias runs in PyTorch (1.5-2.4 µs in the catalog): its two exports differ by
        // 3.1-4.7%.)
        for r in rows where r.label.contains(" dyn ") {
            let ts = rows.first { $0.label == r.label.replacingOccurrences(of: " dyn ", with: " ts17 ") }
            #expect(ts.map { abs($0.serialSimulatedMs / r.serialSimulatedMs - 1) < 0.06 } ?? false, "\(r.label)")
        }
    }

    /// The round's first case was timed before PyTorch's profiler had run in its process, so it is simulated in a clean
    /// process (the graph's host call does not grow with its nodes): ResNet-50 at 320 px, batch 4, 1.746 ms against
    /// 1.625 measured (+7.4%), where the profiled process's 1.842 ms was +13.3%. Its other runs were timed after.
    @Test func theFirstCaseIsSimulatedInACleanProcess() throws {
        let gpu = try GPUCatalog.load("h200")
        let rows = try OtherShapes.run(gpu: gpu)
        let first = try #require(rows.first { $0.label == "resnet50 320px ts17 inference b4" })
        let file = try #require(AssetLocator.directory("calibration")) + "/round7/exported/resnet50_320__ts17.onnx.gz"
        let clean = try FidelityReport.networkRow(model: file, label: "clean", batch: 4, mode: .inference, serialMs: first.serialMeasuredMs,
                                                  branchMs: nil, gpu: gpu.inCleanProcess, simulateBranch: false)
        #expect(abs(first.serialSimulatedMs - clean.serialSimulatedMs) < 1e-9)
        #expect(abs(first.serialSimulatedMs / first.serialMeasuredMs - 1) < 0.1)
        let second = try #require(rows.first { $0.label == "resnet50 320px ts17 inference b16" })
        let profiled = try FidelityReport.networkRow(model: file, label: "profiled", batch: 16, mode: .inference,
                                                     serialMs: second.serialMeasuredMs, branchMs: nil, gpu: gpu, simulateBranch: false)
        #expect(abs(second.serialSimulatedMs - profiled.serialSimulatedMs) < 1e-9)
    }

    @Test func newConvLayersAreNotInTheCatalogAndArePriced() throws {
        let rows = try OtherShapes.convRows()
        #expect(rows.count == 360)
        #expect(Set(rows.map(\.pass)) == [.forward, .dgrad, .wgrad])
        #expect(rows.allSatisfy { $0.origin != .catalog && $0.simulatedUs > 0 && $0.measuredUs > 0 })
        #expect(rows.filter { $0.origin == .near }.count > rows.count / 2)
    }

    @Test func profilerSlowsTheFrontEndMoreThanNetworks() throws {
        let rows = try ProfilerEffect.rows()
        let fe = rows.first { $0.label == "front end 1 blocks × 16 chains" }
        let net = rows.first { $0.label == "googlenet inference b1" }
        #expect(fe.map { $0.after / $0.before > 2 } ?? false)
        #expect(net.map { $0.after / $0.before < 1.1 && ($0.speedupBefore ?? 0) > ($0.speedupAfter ?? 9) } ?? false)
    }

    @Test func launchCostRowsCoverEveryKindAndChainCount() throws {
        // Round 21: nine op kinds convtop's graphs hold (the scalar add is not one) at 1, 2, 4, 8 and 16 chains.
        let rows = try LaunchCost.rows(gpu: try GPUCatalog.load("h200"))
        #expect(rows.count == 45)
        #expect(Set(rows.map(\.streams)) == [1, 2, 4, 8, 16])
        // The GPU starts a tiny kernel every 0.2-0.3 µs at 16 chains whatever library it comes from.
        for r in rows where r.streams == 16 && r.op != "conv_3x3_c32" && r.op != "conv_1x1_c256" && r.op != "conv_3x3_c128" {
            #expect(r.measuredUs > 0.15 && r.measuredUs < 0.3, "\(r.op): \(r.measuredUs) µs")
        }
        // Within 3% of the measured speedup where the kernels, not the front end, bound the chains.
        let conv = try #require(rows.first { $0.op == "conv_3x3_c32" && $0.streams == 16 })
        #expect(abs(conv.speedupSimulated / conv.speedupMeasured - 1) < 0.03, "\(conv.speedupSimulated)× against \(conv.speedupMeasured)×")
    }
}
