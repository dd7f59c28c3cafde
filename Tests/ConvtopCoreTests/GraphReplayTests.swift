import Foundation
import Testing
@testable import ConvtopCore

/// A CUDA Graph replay costs the host's call (`graph_launch_us`, 25.1 µs on the H200 profile) and the device's
/// start-up (`graph_start_us`, 8.5 µs), which runs beside that call: a replay takes max(host call, start-up +
/// kernels). Round 2's measured replays (Assets/calibration/graph_replay_floor.py) show both: one chain of two tiny
/// convolutions took 24-26 µs whatever its kernels, and one chain of long ones took 8.5 µs more than its kernels.
struct GraphReplayTests {
    /// `n` chains of two `c`→`c` convolutions on batch-`b` `m`×`m` maps, one CUDA Graph, replayed on one stream.
    func serialReplay(b: Int, c: Int, m: Int, k: Int, chains n: Int, gpu: GPUSpec) throws -> Trace {
        let shape = MeasuredRuns.Chains(kind: "conv_chains", batch: b, channels: c, map: m, kernel: k, depth: 2)
        var sc = Scenario()
        sc.gpu = gpu.name; sc.streams = 1; sc.launch = .graph
        let w = try Workload(graph: FidelityReport.chainGraph(shape, n: n), scenario: sc, gpu: gpu)
        return try w.simulate(.serial, recordBlocks: false).1
    }

    /// Two convolutions of batch 8, 32 channels at 7×7 (the catalog's kernels: 2.7 µs each) end long before the host's
    /// call returns: the replay is the call, 25.1 µs (measured 24.8). The first kernel starts at the device's
    /// start-up plus one launch latency (0.525 µs, half the profile's 1.05), not after the call.
    @Test func aShortGraphTakesTheHostCall() throws {
        let gpu = try GPUCatalog.load("h200")
        #expect(gpu.graphLaunchUs == 25.1 && gpu.graphStartUs == 8.5)
        let t = try serialReplay(b: 8, c: 32, m: 7, k: 1, chains: 1, gpu: gpu)
        #expect(t.iterationTime == 25.1)
        let first = t.kernels.map(\.start).min() ?? 0
        #expect(abs(first - (8.5 + 0.525)) < 1e-9, "first kernel starts at \(first) µs")
        #expect((t.kernels.map(\.end).max() ?? 0) < 25.1)
    }

    /// Where the kernels outlast the call, the replay is start-up + kernels: against a profile whose kernels wait for
    /// the whole call (no `graph_start_us`, as before session 12), 25.1 − 8.5 = 16.6 µs sooner, with the same kernels.
    @Test func aLongGraphTakesTheStartUpPlusItsKernels() throws {
        let gpu = try GPUCatalog.load("h200")
        var waiting = gpu
        waiting.graphStartUs = nil
        let overlapped = try serialReplay(b: 32, c: 256, m: 28, k: 3, chains: 2, gpu: gpu)
        let old = try serialReplay(b: 32, c: 256, m: 28, k: 3, chains: 2, gpu: waiting)
        #expect(overlapped.iterationTime > 4 * 25.1)
        #expect(abs((old.iterationTime - overlapped.iterationTime) - 16.6) < 1e-6,
                "\(old.iterationTime) µs waiting for the call, \(overlapped.iterationTime) µs beside it")
        #expect((old.kernels.map(\.start).min() ?? 0) >= 25.1)
    }

    /// Eager launches have no replay: the graph fields change nothing there.
    @Test func eagerLaunchesIgnoreTheReplayCosts() throws {
        let gpu = try GPUCatalog.load("h200")
        var other = gpu
        other.graphLaunchUs = 40; other.graphStartUs = 2
        var sc = Scenario()
        sc.gpu = "h200"; sc.launch = .eager
        let a = try Workload(graph: FidelityReport.chainGraph(.init(kind: "conv_chains", batch: 1, channels: 32, map: 7, kernel: 1, depth: 2), n: 1),
                             scenario: sc, gpu: gpu).simulate(.serial, recordBlocks: false).1
        let b = try Workload(graph: FidelityReport.chainGraph(.init(kind: "conv_chains", batch: 1, channels: 32, map: 7, kernel: 1, depth: 2), n: 1),
                             scenario: sc, gpu: other).simulate(.serial, recordBlocks: false).1
        #expect(a.iterationTime == b.iterationTime)
    }

    /// A start-up longer than the host's call is not a replay convtop can model: the profile is refused, naming the field.
    @Test func aStartUpBeyondTheCallIsRefused() throws {
        var gpu = try GPUCatalog.load("h200")
        gpu.graphStartUs = 30
        #expect { try gpu.validate() } throws: { e in "\(e)".contains("graph_start_us") }
    }
}
