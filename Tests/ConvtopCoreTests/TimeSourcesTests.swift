import Testing
@testable import ConvtopCore

/// Where a workload's kernel times come from, as `convtop simulate` reports it.
@Suite struct TimeSourcesTests {
    func sources(_ model: String, gpu: String = "h200", batch: Int, kernels: KernelSource = .catalog) throws -> TimeSources {
        var s = Scenario(); s.model = model; s.gpu = gpu; s.batch = batch; s.kernelSource = kernels
        return try Workload(s).timeSources
    }

    /// ResNet-50 at batch 32 is in the H200's catalog op for op; at batch 7 no op is, and its neighbours at other
    /// batches price it; `--kernels model` leaves the model alone; the H100 takes the H200's catalog, carried over.
    @Test func sharesFollowWhereEachKernelsTimeCameFrom() throws {
        let measured = try sources("resnet50", batch: 32)
        #expect(measured.catalog == 1 && measured.catalogKernels > 200 && measured.neighbourKernels == 0 && measured.measuredOn == nil)
        let between = try sources("resnet50", batch: 7)
        #expect(between.neighbours > 0.99 && between.catalogKernels == 0 && between.neighbourKernels > 200)
        let model = try sources("resnet50", batch: 32, kernels: .model)
        #expect(model.model == 1 && model.modelKernels > 200 && model.catalogKernels == 0)
        let h100 = try sources("resnet50", gpu: "h100", batch: 32)
        #expect(h100.catalog == 1 && h100.measuredOn == "h200")
        for t in [measured, between, model, h100] { #expect(abs(t.catalog + t.neighbours + t.model - 1) < 1e-12) }
    }

    /// Shares are of standalone time, not of kernel counts: one long kernel outweighs many short ones.
    @Test func sharesWeighKernelsByTheirTime() throws {
        let gpu = try GPUCatalog.load("h200"), timing = TimingModel(gpu: gpu)
        var b = GraphBuilder(name: "t")
        _ = b.relu(b.conv(b.input([32, 256, 56, 56], name: "x"), 256, k: 3, p: 1))
        var ks = Lowering.lower(b.build(), gpu: gpu, precision: .tf32).kernels
        let conv = try #require(ks.firstIndex { $0.kernelClass == .tensorGemm })
        for i in ks.indices { ks[i].origin = i == conv ? .near : .catalog }
        let t = TimeSources(ks, timing: timing)
        #expect(t.neighbourKernels == 1 && t.catalogKernels == ks.count - 1)
        #expect(t.neighbours > 0.5 && abs(t.neighbours - timing.standaloneDuration(ks[conv]) / ks.reduce(0) { $0 + timing.standaloneDuration($1) }) < 1e-12)
        let none = TimeSources([], timing: timing)
        #expect(none.catalog + none.neighbours + none.model == 0, "no kernels, no shares")
    }
}
