import Foundation
import Testing
@testable import ConvtopCore

/// Backward ops whose saved tensors a training step evicted from the L2 take the cold time the saved-tensor sweep
/// measured (`ColdSaved`, `Assets/catalog/h200/backward_cold/`, `measure_cold_backward.py`).
@Suite struct ColdSavedTests {
    static func training(_ model: String, batch: Int) throws -> (Graph, KernelGraph, GPUSpec) {
        let gpu = try GPUCatalog.load("h200")
        var s = Scenario()
        s.model = model; s.batch = batch; s.gpu = "h200"; s.mode = .training
        let w = try Workload(s)
        return (w.graph, w.kernels, gpu)
    }

    static func standalone(_ kg: KernelGraph, node: Int, gpu: GPUSpec) -> Double {
        let timing = TimingModel(gpu: gpu)
        return kg.opKernels[node].reduce(0) { $0 + timing.standaloneDuration(kg.kernels[$1]) }
    }

    /// ResNet-50 at batch 8: the stem's batch-norm backward runs after the whole step's activations were written
    /// (hundreds of MB), the last block's after a few MB. Of the forward ops only the convolutions are cold, reading
    /// weights that exceed the L2 (in a forward pass too); nothing is in a network whose step fits the L2.
    @Test func coldIsWhatWasWrittenSinceTheForwardOp() throws {
        let (g, _, gpu) = try Self.training("resnet50", batch: 8)
        let cold = ColdSaved.coldNodes(g, gpu: gpu, precision: .tf32)
        let bnBackward = g.nodes.filter { $0.kind == .batchNormBackward }
        #expect(bnBackward.last!.shape.dims == [8, 64, 112, 112] && cold[bnBackward.last!.id], "the stem's, the last backward one")
        #expect(!cold[bnBackward.first!.id], "the last layer's batch norm, the first backward one, reads what it saved moments ago")
        // forward convolutions read ResNet-50's 102 MB of weights from DRAM; no other forward op is cold
        #expect(!g.nodes.contains { n in
            if case .conv = n.kind { return !cold[n.id] }
            return n.phase != .backward && cold[n.id]
        })
        var b = GraphBuilder(name: "tiny")
        _ = b.linear(b.relu(b.input([1, 64, 1, 1])), 10)
        let tiny = TrainingGraph.build(from: b.build())
        #expect(!ColdSaved.coldNodes(tiny, gpu: gpu, precision: .tf32).contains(true))
        // a forward pass: only the convolutions, and only where the weights exceed the L2 (ResNet-50's, not ResNet-18's 47 MB)
        let inference = try ModelZoo.build("resnet50", batch: 8)
        let coldInference = ColdSaved.coldNodes(inference, gpu: gpu, precision: .tf32)
        #expect(inference.nodes.allSatisfy { n in if case .conv = n.kind { return coldInference[n.id] }; return !coldInference[n.id] })
        #expect(!ColdSaved.coldNodes(try ModelZoo.build("resnet18", batch: 8), gpu: gpu, precision: .tf32).contains(true))
    }

    /// A catalog hit the sweep measured takes the sweep's cold time when cold and the catalog's warm time when not:
    /// ResNet-50's stem batch norm at batch 8 (8×64×112×112) and its last (8×2048×7×7).
    @Test func aColdCatalogHitTakesTheSweepsColdTime() throws {
        let (g, kg, gpu) = try Self.training("resnet50", batch: 8)
        let cold = ColdSaved.coldNodes(g, gpu: gpu, precision: .tf32)
        let points = ColdSaved.tableRows(gpu: "h200").map(\.point)
        func point(_ key: String) throws -> ColdSaved.Point { try #require(points.first { $0.key == key }) }
        let bns = g.nodes.filter { $0.kind == .batchNormBackward }
        let stem = try #require(bns.first { $0.shape.dims == [8, 64, 112, 112] && cold[$0.id] })
        let stemPoint = try point("batchnorm.backward|x=8,64,112,112|train=1")
        #expect(abs(Self.standalone(kg, node: stem.id, gpu: gpu) / stemPoint.coldUs - 1) < 0.02)
        let last = try #require(bns.first { $0.shape.dims == [8, 2048, 7, 7] && !cold[$0.id] })
        let lastPoint = try point("batchnorm.backward|x=8,2048,7,7|train=1")
        let catalogUs = try #require(KernelCatalogTests.shippedH200().1.entry(lastPoint.key)).totalUs
        #expect(abs(Self.standalone(kg, node: last.id, gpu: gpu) / catalogUs - 1) < 0.02)
    }

    /// Held out, in a network nobody catalogued: ShuffleNet-V2's stage-3 batch norms at batch 64 (64×116×14×14, one
    /// block per channel) took 15.7-16.5 µs each in its profiled training step (Assets/onnx/measured/batches/
    /// kernels.jsonl.gz, train_shufflenet_v2_x1_0_b64_serial); the catalog's warm neighbours give 9.5 µs. With the
    /// factor of the sweep's nearest ops they come within 10% of 16.1.
    @Test func shuffleNetsBatchNormBackwardComesFromDRAM() throws {
        let file = ONNXExporterTests.path("shufflenet_v2_x1_0__ts17.onnx.gz")
        let (g, kg, gpu) = try Self.training(file, batch: 64)
        let stage3 = g.nodes.filter { $0.kind == .batchNormBackward && $0.shape.dims == [64, 116, 14, 14] && $0.name.contains("stage3") }
        #expect(stage3.count >= 20)
        for n in stage3 {
            let us = Self.standalone(kg, node: n.id, gpu: gpu)
            #expect(abs(us / 16.1 - 1) < 0.1, "\(n.name): \(us) µs")
        }
    }

    /// The table convtop reads (`cold_table.tsv.gz`) is today's: the measurement's ops (`cold_sweep.jsonl.gz`) placed
    /// by the shipped catalog with today's shape classes and distance features. After a change to either,
    /// `CONVTOP_UPDATE_GOLDEN=1 swift test --filter theTableIsTodays` writes `cold_table.tsv` beside it; gzip it with
    /// `gzip -n -9 -f`.
    @Test func theTableIsTodays() throws {
        let measured = try MeasuredRuns.lines(ColdSaved.file, as: ColdSaved.Point.self, folder: "catalog", sub: "/h200/backward_cold/")
        let text = ColdSaved.tableText(points: measured, catalog: try KernelCatalogTests.shippedH200().1)
        let dir = AssetLocator.directory("catalog")! + "/h200/backward_cold/"
        if ProcessInfo.processInfo.environment["CONVTOP_UPDATE_GOLDEN"] == "1" {
            try text.write(toFile: dir + "cold_table.tsv", atomically: true, encoding: .utf8)
        }
        let shipped = try Inflate.gunzip([UInt8](try #require(FileManager.default.contents(atPath: dir + ColdSaved.table))))
        #expect(String(decoding: shipped, as: UTF8.self) == text)
        #expect(measured.count == 8060 && ColdSaved.tableRows(gpu: "h200").filter { $0.located != nil }.count == 8060)
    }

    /// Left out layer by layer, the sweep predicts its own cold times within a median 1.1% (batch norm) and 2.1%
    /// (ReLU), where the warm time alone is 14.5% and 20.0% short.
    @Test func theSweepPredictsLayersLeftOut() throws {
        let check = try #require(ColdSavedCheck.run(catalog: try KernelCatalogTests.shippedH200().1))
        #expect(check.count > 6000)
        for (family, pass) in [(OpFamily.batchnorm, OpPass.backward), (.relu, .backward)] {
            let row = try #require(check.rows.first { $0.family == family && $0.pass == pass })
            #expect(row.medianError < 0.03 && row.warmMedianError > 0.1, "\(family) \(pass): \(row.medianError) against \(row.warmMedianError)")
        }
        #expect(check.medianError < check.warmMedianError / 2)
    }
}
