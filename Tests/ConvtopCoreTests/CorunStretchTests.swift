import Testing
@testable import ConvtopCore

/// The co-running stretch (`corun_stretch_us`, 0.8 µs on the H200 profile): a memory-bound kernel whose blocks
/// shared an SM with another kernel's matrix product ends that much later; nothing else changes.
struct CorunStretchTests {
    /// The profile without the stretch.
    func unstretched(_ gpu: GPUSpec) -> GPUSpec { var g = gpu; g.corunStretchUs = nil; return g }

    /// GoogLeNet at batch 1 under the branch rule: exactly the kernels that have a block group on an SM while a group
    /// of another kernel's product is there (read off the recorded groups, not the simulator's own bookkeeping) are
    /// stretched, each by the profile's 0.8 µs — memory-bound kernels and products alike, but not a product whose
    /// neighbours were all memory-bound.
    @Test func exactlyTheKernelsBesideAProductOnAnSMAreStretched() throws {
        let gpu = try GPUCatalog.load("h200")
        #expect(gpu.corunStretchUs == 0.8)
        let w = try Workload(scenario("googlenet", batch: 1, gpu: "h200"), gpu: gpu)
        let r = try w.run(.branch)
        let kernels = w.kernels.kernels
        func isProduct(_ k: Int) -> Bool { [.tensorGemm, .cudaCore, .simtGemm].contains(kernels[k].kernelClass) }
        var besideProduct = Set<Int>()
        let bySM = Dictionary(grouping: r.trace.groups, by: \.sm)
        for (_, groups) in bySM {
            for a in groups {
                if groups.contains(where: { b in isProduct(Int(b.kernel)) && b.kernel != a.kernel && b.start < a.end && a.start < b.end }) {
                    besideProduct.insert(Int(a.kernel))
                }
            }
        }
        let stretched = Set(r.trace.kernels.filter { $0.corunStretch > 0 }.map(\.kernel))
        #expect(besideProduct.contains(where: isProduct) && besideProduct.contains { !isProduct($0) })
        #expect(stretched == besideProduct)
        #expect(r.trace.kernels.allSatisfy { $0.corunStretch == 0 || $0.corunStretch == 0.8 })
        let plain = try Workload(scenario("googlenet", batch: 1, gpu: "h200"), gpu: unstretched(gpu)).run(.branch)
        #expect(r.trace.iterationTime > plain.trace.iterationTime)
    }

    /// Round 13's probe: ReLU chains beside their twins ran exactly as long as alone, and so do they here (two chains
    /// of 64 in-place ReLUs on 1×256×28×28, 196 blocks each, many sharing SMs).
    @Test func memoryBoundKernelsBesideEachOtherAreNotStretched() throws {
        let g = graph { b in
            for i in 0..<2 {
                var y = b.input([1, 256, 28, 28], name: "x\(i)")
                for _ in 0..<64 { y = b.relu(y) }
            }
        }
        var s = Scenario(); s.gpu = "h200"; s.launch = .graph
        let gpu = try GPUCatalog.load("h200")
        let r = try Workload(graph: g, scenario: s, gpu: gpu).run(.branch)
        #expect(r.trace.kernels.allSatisfy { $0.corunStretch == 0 })
        let plain = try Workload(graph: g, scenario: s, gpu: unstretched(gpu)).run(.branch)
        #expect(r.trace.iterationTime == plain.trace.iterationTime)
    }

    /// One stream never puts two kernels on the GPU at once: serial runs do not move.
    @Test func serialRunsAreUnchanged() throws {
        let gpu = try GPUCatalog.load("h200")
        for model in ["googlenet", "squeezenet1_0"] {
            let a = try Workload(scenario(model, batch: 1, gpu: "h200"), gpu: gpu).run(.serial)
            let b = try Workload(scenario(model, batch: 1, gpu: "h200"), gpu: unstretched(gpu)).run(.serial)
            #expect(a.trace.iterationTime == b.trace.iterationTime)
        }
    }

    /// The profile's value is the measured median: 383 memory-bound kernels of four profiled branch-rule replays
    /// that overlapped another stream's product ran a median 0.80 µs longer than serially (each replay 0.77-0.90),
    /// recomputed here from the shipped profiles as `Assets/calibration/corun_stretch.py` does.
    @Test func theProfileValueIsTheMeasuredMedian() throws {
        let m = try CorunStretchMeasurement.run()
        #expect(m.all.count == 383)
        #expect(abs(m.median - (try GPUCatalog.load("h200").corunStretchUs ?? 0)) < 0.005)
        for r in m.replays {
            let med = CorunStretchMeasurement.Result.median(r.stretches)
            #expect(med > 0.7 && med < 1.0, "\(r.label): \(med) µs")
        }
    }

    /// `convtop explain` names the cause and lifts it in a what-if that re-simulates without it.
    @Test func explainChargesAndLiftsTheStretch() throws {
        let w = try Workload(scenario("googlenet", batch: 1, gpu: "h200"))
        let r = try w.run(.branch)
        let gap = GapAttribution(workload: w, result: r)
        #expect((gap.rawByCause[.corunStretch] ?? 0) > 0)
        let what = try WhatIf.run(w, policy: .branch)
        let row = try #require(what.rows.first { $0.cause == .corunStretch })
        #expect(row.savedUs > 0)
    }
}
