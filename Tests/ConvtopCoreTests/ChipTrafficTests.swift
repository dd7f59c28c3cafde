import Foundation
import Testing
@testable import ConvtopCore

/// The chip's sustained memory traffic and L2 reuse (GPUSpec.l2SustainedGBs, dramSustainedGBs): expected times are
/// the benchmark's bytes over the H200 profile's rates, worked out by hand, not read off the simulator.
struct ChipTrafficTests {
    /// µs per kernel of `chains` chains of 64 in-place adds of `blocks` × 1024 floats (the front-end benchmark's
    /// kernels, 8 KB moved and 4 KB touched per block), after the graph launch, in a process that never profiled (no
    /// host cost per node, which is not what these tests are about).
    func perKernelUs(blocks: Int, chains: Int, gpu: GPUSpec) throws -> Double {
        let t = try FidelityReport.frontEndTrace(blocks: blocks, streams: chains, kernels: 64, gpu: gpu.inCleanProcess)
        #expect(t.peakDRAMUse <= 1.06, "\(blocks) blocks × \(chains) chains: traffic at \(t.peakDRAMUse) of the chip's limit")
        return (t.iterationTime - gpu.graphDeviceStartUs) / 64
    }

    /// Four chains of 4,224-block adds touch 4 × 17.3 MB between two uses of one tensor, more than the 60 MB L2:
    /// every kernel's 34.6 MB come from DRAM, 34.6 MB / 4,196 GB/s = 8.25 µs a kernel (measured 8.22). Two chains
    /// (34.6 MB between uses) stay in the L2: 34.6 MB / 5,856 GB/s = 5.91 µs (measured 5.55-5.95).
    @Test func evictedTensorsComeFromDRAMAndResidentOnesFromTheL2() throws {
        let gpu = try GPUCatalog.load("h200")
        let traffic = 2.0 * 4096 * 4224
        let fromDRAM = traffic / (gpu.dramSustainedGBs! * 1e3), fromL2 = traffic / (gpu.l2SustainedGBs! * 1e3)
        let four = try perKernelUs(blocks: 4224, chains: 4, gpu: gpu)
        let two = try perKernelUs(blocks: 4224, chains: 2, gpu: gpu)
        #expect(abs(four / fromDRAM - 1) < 0.05, "4 chains: \(four) µs a kernel, DRAM allows \(fromDRAM)")
        #expect(abs(two / fromL2 - 1) < 0.05, "2 chains: \(two) µs a kernel, the L2 allows \(fromL2)")
    }

    /// A profile without the sustained rates keeps only each kernel class's bandwidth: four chains then run well
    /// above what DRAM delivers.
    @Test func withoutSustainedRatesNoChipLimitApplies() throws {
        var gpu = try GPUCatalog.load("h200")
        let limited = try perKernelUs(blocks: 4224, chains: 4, gpu: gpu)
        gpu.l2SustainedGBs = nil; gpu.dramSustainedGBs = nil
        let free = try perKernelUs(blocks: 4224, chains: 4, gpu: gpu)
        #expect(free < 0.8 * limited, "without the chip's limits \(free) µs a kernel, with them \(limited)")
    }

    /// The L2 reuse rule itself: a kernel misses when more bytes were touched since its latest producer started
    /// than the L2 holds. Chains of 8.65 MB-footprint adds: 8 chains (69 MB between uses) miss, 4 (35 MB) do not.
    @Test func reuseDistanceDecidesMisses() throws {
        let gpu = try GPUCatalog.load("h200")
        let traffic = 2.0 * 4096 * 2112
        let eight = try perKernelUs(blocks: 2112, chains: 8, gpu: gpu)
        let four = try perKernelUs(blocks: 2112, chains: 4, gpu: gpu)
        #expect(eight >= 0.97 * traffic / (gpu.dramSustainedGBs! * 1e3), "8 chains: \(eight) µs a kernel")
        #expect(four < 0.85 * eight, "4 chains: \(four) µs a kernel against 8 chains' \(eight)")
    }

    /// Catalog time scales leave the chip's floor alone: a kernel measured faster than the L2 sustains cannot be
    /// priced below it, and one measured slower gets exactly its measured time.
    @Test func timeScaleKeepsTheChipFloor() throws {
        let gpu = try GPUCatalog.load("h200")
        let timing = TimingModel(gpu: gpu)
        var k = Lowering.lower(FidelityReport.frontEndGraph(blocks: 4224, streams: 1, kernels: 1), gpu: gpu).kernels[0]
        let floor = k.bytes / (gpu.l2SustainedGBs! * 1e9) * 1e6 + gpu.kernelLatencyUs
        // Time scales are computed for a kernel as the model prices it (scale 1), as the catalog does.
        k.timeScale = timing.timeScale(k, toUs: floor + 3)
        #expect(abs(timing.standaloneDuration(k) - (floor + 3)) < 1e-6)
        k.timeScale = 1
        k.timeScale = timing.timeScale(k, toUs: floor - 2)
        #expect(abs(timing.standaloneDuration(k) - floor) < 1e-6)
    }
}

/// The part of a grid's launch latency the front end shares (GPUSpec.launchWorkUs).
struct LaunchWorkTests {
    /// Four tiny grids arriving together: each waits four times the shared launch work plus the fixed rest of the
    /// half latency (1.0 µs latency, 0.1 µs shared: 4 × 0.1 + 0.4 = 0.8 µs).
    @Test func onlyTheLaunchWorkIsShared() throws {
        var spec = try GPUCatalog.load("h200")
        spec.kernelLatencyUs = 1.0; spec.gridLaunchIntervalUs = 0; spec.launchWorkUs = 0.1
        let g = graph { b in for i in 0..<4 { _ = b.relu(b.input([1, 1024, 1, 1], name: "x\(i)")) } }
        let kg = Lowering.lower(g, gpu: spec)
        let sched = PolicyKind.roundRobin.schedule(kg, streams: 4, smCount: spec.smCount, cost: Array(repeating: 1, count: g.nodes.count))
        var o = SimulationOptions(); o.launch = .graph
        let t = try Simulator(kernels: kg, schedule: sched, gpu: spec, options: o).run()
        for r in t.kernels { #expect(abs(r.start - r.issued - 0.8) < 1e-6, "kernel \(r.kernel) waited \(r.start - r.issued) µs") }
    }

    @Test func launchWorkAboveHalfTheLatencyIsRejected() throws {
        var spec = try GPUCatalog.load("h200")
        spec.launchWorkUs = spec.kernelLatencyUs
        #expect(throws: ConvtopError.self) { try spec.validate() }
    }
}

/// The second lease's sets (Assets/calibration/round4) and how they are compared with the first lease's.
struct SecondLeaseTests {
    /// Speedups pair a multi-chain case with the one-chain case of its grid; a grid without one is left out, and
    /// differences take only the cases both sides hold.
    @Test func speedupsAndDifferencesPairTheSameCases() {
        func fe(_ b: Int, _ s: Int, _ us: Double) -> MeasuredRuns.FrontEnd {
            MeasuredRuns.FrontEnd(kind: "frontend", blocks: b, streams: s, kernels: 512, perKernelUs: us, kernelUs: nil)
        }
        let sp = SecondLeaseReport.frontEndSpeedups([fe(8, 1, 1.2), fe(8, 4, 0.4), fe(66, 4, 0.5)])
        #expect(sp.count == 1)
        #expect(abs((sp["8|4"] ?? 0) - 3.0) < 1e-12)
        #expect(SecondLeaseReport.differences(["a": 2, "b": 1], ["a": 1.5, "c": 9]) == [0.5])
    }

    /// Both passes of the round-4 run hold the same cases: every chain shape of the grid, the 50 front-end cases
    /// and 12 networks at batch 1, 8 and 32.
    @Test func roundFourPassesHoldTheSameCases() throws {
        let c0 = try DeviceSideRuns.chains(pass: 0), c1 = try DeviceSideRuns.chains(pass: 1)
        #expect(c0.count >= 180)
        #expect(Set(c0.map(\.label)) == Set(c1.map(\.label)))
        #expect(try DeviceSideRuns.frontEnd(pass: 0).count == 50)
        #expect(try DeviceSideRuns.frontEnd(pass: 1).count == 50)
        #expect(try DeviceSideRuns.networks(pass: 0).count == 36)
        for c in c0 where c.kind == "conv_chains" { #expect((c.serial4Ms ?? 0) > 0 && (c.streams4Ms ?? 0) > 0, "\(c.label)") }
    }

    /// The device's graph start-up is the median over the 181 chain shapes of two chains' time extrapolated to
    /// none (2 × one chain − two chains): 1.792 µs in pass 0, worked out from pairs.jsonl by hand (Python).
    @Test func graphFloorIsTheChainsExtrapolatedToNone() throws {
        #expect(abs(try DeviceSideRuns.graphFloorUs(pass: 0) - 1.792) < 0.001)
    }
}
