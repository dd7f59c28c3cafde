import Foundation
import Testing
@testable import ConvtopCore

/// A CUDA Graph replay takes max(shortest replay, start + kernels): `graph_launch_us` (25.1 µs on the H200 profile)
/// and `graph_start_us` (8.5 µs). Round 2's measured replays (Assets/calibration/graph_replay_floor.py) show both: one
/// chain of two tiny convolutions took 24-26 µs whatever its kernels, and one chain of long ones took 8.5 µs more than
/// its kernels.
struct GraphReplayTests {
    /// `n` chains of two `c`→`c` convolutions on batch-`b` `m`×`m` maps, one CUDA Graph, replayed on one stream.
    func serialReplay(b: Int, c: Int, m: Int, k: Int, chains n: Int, gpu: GPUSpec) throws -> Trace {
        let shape = MeasuredRuns.Chains(kind: "conv_chains", batch: b, channels: c, map: m, kernel: k, depth: 2)
        var sc = Scenario()
        sc.gpu = gpu.name; sc.streams = 1; sc.launch = .graph
        let w = try Workload(graph: FidelityReport.chainGraph(shape, n: n), scenario: sc, gpu: gpu)
        return try w.simulate(.serial, recordBlocks: false).1
    }

    /// Two convolutions of batch 8, 32 channels at 7×7 (the catalog's kernels: 2.7 µs each) end long before the
    /// shortest replay: the replay takes 25.1 µs (measured 24.8). The first kernel starts at the replay's start
    /// (8.5 µs), plus the profiled process's host cost of its two nodes (2 × 0.419 µs: the graph has no memset), plus
    /// the first half of its latency (0.407 µs, half the profile's 0.814) — not after 25.1 µs.
    @Test func aShortGraphTakesTheHostCall() throws {
        let gpu = try GPUCatalog.load("h200")
        #expect(gpu.graphLaunchUs == 25.1 && gpu.graphStartUs == 8.5)
        let t = try serialReplay(b: 8, c: 32, m: 7, k: 1, chains: 1, gpu: gpu)
        #expect(t.iterationTime == 25.1)
        let first = t.kernels.map(\.start).min() ?? 0
        #expect(abs(first - (8.5 + 2 * 0.419 + 0.407)) < 1e-9, "first kernel starts at \(first) µs")
        #expect((t.kernels.map(\.end).max() ?? 0) < 25.1)
    }

    /// Where the kernels are long, the replay is start + kernels: against a profile whose kernels start only at the
    /// shortest replay's end (no `graph_start_us`, as before session 12), 25.1 − 8.5 = 16.6 µs sooner, with the same
    /// kernels.
    @Test func aLongGraphTakesTheStartUpPlusItsKernels() throws {
        let gpu = try GPUCatalog.load("h200")
        var waiting = gpu
        waiting.graphStartUs = nil
        let overlapped = try serialReplay(b: 32, c: 256, m: 28, k: 3, chains: 2, gpu: gpu)
        let old = try serialReplay(b: 32, c: 256, m: 28, k: 3, chains: 2, gpu: waiting)
        #expect(overlapped.iterationTime > 4 * 25.1)
        #expect(abs((old.iterationTime - overlapped.iterationTime) - 16.6) < 1e-6,
                "\(old.iterationTime) µs starting at 25.1 µs, \(overlapped.iterationTime) µs starting at 8.5")
        #expect((old.kernels.map(\.start).min() ?? 0) >= 25.1)
    }

    /// Each stream a graph's kernels run on beyond the first adds `graph_launch_per_branch_us` (1.85 µs) to the
    /// shortest replay: four chains of two tiny convolutions on four streams take 25.1 + 3 × 1.85 µs, while the same
    /// eight kernels on one stream take 25.1 + their serial excess only. Round 2 measured the four-stream graphs of
    /// tiny convolutions at a median 31.4 µs (graph_branch_cost.py); without the branch cost they sat at 25.1.
    @Test func eachParallelBranchAddsToTheShortestReplay() throws {
        let gpu = try GPUCatalog.load("h200")
        #expect(gpu.graphLaunchPerBranchUs == 1.85)
        let shape = MeasuredRuns.Chains(kind: "conv_chains", batch: 8, channels: 32, map: 7, kernel: 1, depth: 2)
        var sc = Scenario()
        sc.gpu = gpu.name; sc.streams = 4; sc.launch = .graph
        let w = try Workload(graph: FidelityReport.chainGraph(shape, n: 4), scenario: sc, gpu: gpu)
        let parallel = try w.simulate(.branch, recordBlocks: false).1
        #expect(Set(parallel.kernels.map(\.stream)).count == 4)
        #expect(abs(parallel.iterationTime - (25.1 + 3 * 1.85)) < 1e-9, "\(parallel.iterationTime) µs")
        #expect(parallel.hostLaunches.first?.end == parallel.iterationTime)
        // One stream: no branch cost, the floor or the kernels, whichever ends later.
        let serial = try w.simulate(.serial, recordBlocks: false).1
        #expect(serial.hostLaunches.first?.end == 25.1)
        // A device-side timing (the second lease) has no host call, so no branch cost either.
        var device = gpu
        device.graphLaunchPerBranchUs = nil
        let quiet = try Workload(graph: FidelityReport.chainGraph(shape, n: 4), scenario: sc, gpu: device).simulate(.branch, recordBlocks: false).1
        #expect(quiet.iterationTime == 25.1)
    }

    /// The branch cost was fitted on round 12's adds (its share of that lease's floor) and holds on round 2's
    /// convolution chains, which it never saw: every two- and four-stream replay of tiny kernels there lies within
    /// 2.5 µs of the simulated one — all but the first two cases of the file, whose one chain replayed in 10.8 and
    /// 15.4 µs, below the profiled process's floor (graph_replay_floor.py: the first was timed before the process's
    /// first profile).
    @Test func roundTwoTinyChainsSitAtTheirBranchFloor() throws {
        let gpu = try GPUCatalog.load("h200")
        let tiny = try MeasuredRuns.chains().filter { $0.kind == "conv_chains" && $0.batch <= 64 && $0.kernel == 1 && $0.channels == 32 && $0.map <= 56 }
        let rows = try tiny.filter { ($0.oneChainMs ?? 0) * 1000 > 20 }.flatMap { c in try FidelityReport.chainCase(c, gpu: gpu) }
        let atFloor = rows.filter { $0.parallelSimulatedUs < gpu.graphFloorUs(branches: $0.streams) + 0.5 }
        #expect(atFloor.count >= 8)
        for r in atFloor {
            #expect(abs(r.parallelMeasuredUs - r.parallelSimulatedUs) < 2.5, "\(r.label) on \(r.streams) streams: measured \(r.parallelMeasuredUs), simulated \(r.parallelSimulatedUs)")
        }
    }

    /// A branch cost above the floor itself is refused, naming the field.
    @Test func aBranchCostBeyondTheFloorIsRefused() throws {
        var gpu = try GPUCatalog.load("h200")
        gpu.graphLaunchPerBranchUs = 30
        #expect { try gpu.validate() } throws: { e in "\(e)".contains("graph_launch_per_branch_us") }
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

    /// A start later than the shortest replay contradicts it: the profile is refused, naming the field.
    @Test func aStartUpBeyondTheCallIsRefused() throws {
        var gpu = try GPUCatalog.load("h200")
        gpu.graphStartUs = 30
        #expect { try gpu.validate() } throws: { e in "\(e)".contains("graph_start_us") }
    }

    /// Round 12's direct measurement (Assets/calibration/round12/graph_replay.jsonl): in the profiled process the
    /// device waits for the host's call, which grows with the graph; in the clean one the call stays small; on the
    /// device alone the two processes run the same adds in the same time. The README's "What a replay is made of"
    /// rests on these.
    @Test func roundTwelveReplaysSplitIntoHostCallAndDevice() throws {
        let rows = try GraphReplay.rows(gpu: try GPUCatalog.load("h200"))
        #expect(rows.count == 54)
        func row(_ phase: ProfilerEffect.Phase, _ shape: GraphReplay.Shape, _ n: Int) throws -> GraphReplay.Row {
            try #require(rows.first { $0.phase == phase && $0.shape == shape && $0.kernels == n && $0.spinUs == nil })
        }
        for n in [64, 128, 256, 512] {
            let p = try row(.after, .adds, n), c = try row(.before, .adds, n)
            #expect(abs((p.replayUs - p.deviceUs) / p.hostCallUs - 1) < 0.15, "profiled \(n) adds: replay − device \(p.replayUs - p.deviceUs), call \(p.hostCallUs)")
            #expect(c.hostCallUs < 15 && p.hostCallUs > 2 * c.hostCallUs)
            #expect(abs(p.deviceUs / c.deviceUs - 1) < 0.03)
        }
        // Tiny graphs take a floor whatever their kernels; the profile's shortest replay holds a tiny graph's time.
        for n in [1, 2, 4] { #expect(try row(.after, .adds, n).replayUs > 16) }
        #expect(try row(.after, .adds, 1).simulatedUs == 25.1)
    }

    /// The host's cost does not build up with more profiler runs (round12/profiler_runs.jsonl): after the first run it
    /// stays within 10% through 32 runs, at least 4× the cost before any, while the device's own time barely moves.
    @Test func theHostCostJumpsOnceAndStays() throws {
        struct Record: Decodable {
            var kind: String, kernels: Int?, profilerRuns: Int?, hostCallUs: Double?, deviceMs: Double?
            enum CodingKeys: String, CodingKey {
                case kind, kernels, profilerRuns = "profiler_runs", hostCallUs = "host_call_us", deviceMs = "device_ms"
            }
        }
        let recs = try MeasuredRuns.lines("profiler_runs.jsonl", as: Record.self, sub: "/round12/").filter { $0.kind == "replay" }
        #expect(recs.count == 14)
        for n in [256, 512] {
            let same = recs.filter { $0.kernels == n }
            let before = try #require(same.first { $0.profilerRuns == 0 })
            let after = same.filter { ($0.profilerRuns ?? 0) > 0 }
            let calls = after.compactMap(\.hostCallUs)
            #expect(calls.count == 6 && calls.max()! / calls.min()! < 1.1)
            #expect(calls.min()! > 4 * before.hostCallUs!)
            let device = same.compactMap(\.deviceMs)
            #expect(device.max()! / device.min()! < 1.1)
        }
    }

    /// Networks (round12/network_replay.jsonl): after the profiler, the host's call grows with the kernels and the
    /// device's own time does not move, but how much of the call a replay hides differs by network — none for
    /// DenseNet-121 at batch 1, most for ResNet-50 at batch 32 (the README's figures).
    @Test func networksHideTheHostCostUnequally() throws {
        struct Record: Decodable {
            var kind: String, model: String?, batch: Int?, state: String?, kernels: Int?
            var hostCallUs: Double?, replayMs: Double?, deviceMs: Double?
            enum CodingKeys: String, CodingKey {
                case kind, model, batch, state, kernels
                case hostCallUs = "host_call_us", replayMs = "replay_ms", deviceMs = "device_ms"
            }
        }
        let recs = try MeasuredRuns.lines("network_replay.jsonl", as: Record.self, sub: "/round12/")
        func figures(_ model: String, _ batch: Int, _ state: String) -> (host: Double, replay: Double, device: Double) {
            let same = recs.filter { $0.kind == "network" && $0.model == model && $0.batch == batch && $0.state == state }
            return (median(same.compactMap(\.hostCallUs)), median(same.compactMap(\.replayMs)) * 1000, median(same.compactMap(\.deviceMs)) * 1000)
        }
        #expect(recs.filter { $0.kind == "network" }.count == 42)
        for k in recs where k.kind == "kernels" {
            let c = figures(k.model!, k.batch!, "clean"), p = figures(k.model!, k.batch!, "profiled")
            #expect(abs(p.device / c.device - 1) < 0.01, "\(k.model!) b\(k.batch!): device \(c.device) → \(p.device) µs")
            #expect((p.host - c.host) / Double(k.kernels!) > 0.2, "\(k.model!) b\(k.batch!): host \(c.host) → \(p.host) µs")
        }
        let dense = figures("densenet121", 1, "profiled"), wide = figures("resnet50", 32, "profiled")
        #expect(dense.replay - dense.device > 0.9 * dense.host)
        #expect(wide.replay - wide.device < 0.2 * wide.host)
    }

    /// Graphs without a memset node make the device wait for the profiled process's whole host call
    /// (round12/replay_hiding.jsonl: every 256-node graph, whatever its kernels, exposes at least 85% of the added
    /// call). The networks' test above shows the other side: DenseNet-121 at batch 1, which has no memset, exposes it
    /// all; ResNet-50 at batch 32, whose first memset comes early, hides most of it (replay_hiding_rule.py).
    @Test func theFirstMemsetBoundsWhatTheDeviceWaitsFor() throws {
        struct Record: Decodable {
            var kind: String, nodes: Int?, state: String?, hostCallUs: Double?, replayMs: Double?, deviceMs: Double?
            enum CodingKeys: String, CodingKey {
                case kind, nodes, state, hostCallUs = "host_call_us", replayMs = "replay_ms", deviceMs = "device_ms"
            }
        }
        let recs = try MeasuredRuns.lines("replay_hiding.jsonl", as: Record.self, sub: "/round12/").filter { $0.kind != "device" }
        func added(_ kind: String, _ nodes: Int) -> (host: Double, exposed: Double) {
            func f(_ state: String) -> (Double, Double) {
                let same = recs.filter { $0.kind == kind && $0.nodes == nodes && $0.state == state }
                return (median(same.compactMap(\.hostCallUs)), (median(same.compactMap(\.replayMs)) - median(same.compactMap(\.deviceMs))) * 1000)
            }
            let c = f("clean"), p = f("profiled")
            return (p.0 - c.0, p.1 - c.1)
        }
        for kind in ["adds", "big_adds", "mm", "conv", "mixed", "spin_last"] {
            let a = added(kind, 256)
            #expect(a.exposed > 0.85 * a.host, "\(kind): \(a.exposed) µs exposed of \(a.host) added")
        }
    }

    /// In a profiled process the device waits for the host's call up to the graph's first memset node: ResNet-50 at
    /// batch 1 launches 97 kernels before its first memset (a split-K convolution's, as in round 3's profiled
    /// replay), so its first kernel starts 97 × 0.419 µs later than in a process that never profiled.
    @Test func theStartWaitsForTheNodesBeforeTheFirstMemset() throws {
        let gpu = try GPUCatalog.load("h200")
        var sc = Scenario()
        sc.model = "resnet50"; sc.batch = 1; sc.gpu = "h200"; sc.launch = .graph
        func firstStart(_ g: GPUSpec) throws -> (Double, Int?) {
            let w = try Workload(sc, gpu: g)
            let t = try w.simulate(.serial, recordBlocks: false).1
            let order = t.kernels.sorted { $0.start < $1.start }
            return (order[0].start, order.firstIndex { w.kernels.kernels[$0.kernel].isMemset })
        }
        let (profiled, memsetAt) = try firstStart(gpu)
        let (clean, _) = try firstStart(gpu.inCleanProcess)
        #expect(memsetAt == 97)
        #expect(abs(profiled - clean - 97 * 0.419) < 1e-6, "\(profiled) µs profiled, \(clean) µs clean")
    }

    /// `--process clean` (Scenario.process): a process that never profiled pays no host cost per node, so GoogLeNet at
    /// batch 1 on the H200, whose first memset comes at kernel 146, starts 146 × 0.419 µs sooner; a recording without
    /// the field keeps the profile's own (profiled) process.
    @Test func aCleanProcessStartsWithoutTheHostCost() throws {
        var sc = Scenario()
        sc.model = "googlenet"; sc.batch = 1; sc.gpu = "h200"; sc.policy = .serial
        let profiled = try Workload(sc).simulate(.serial, recordBlocks: false).1
        sc.process = .clean
        let clean = try Workload(sc).simulate(.serial, recordBlocks: false).1
        let first = { (t: Trace) in t.kernels.map(\.start).min() ?? 0 }
        #expect(abs(first(profiled) - first(clean) - 146 * 0.419) < 1e-6, "\(first(profiled)) µs profiled, \(first(clean)) µs clean")
        #expect(profiled.iterationTime > clean.iterationTime)
        let old = try JSONDecoder().decode(Scenario.self, from: Data(#"{"model":"googlenet","gpu":"h200","batch":1,"mode":"inference","policy":"serial","streams":8,"launch":"graph","precision":"tf32","optimizer":"sgd-foreach","seed":0}"#.utf8))
        #expect(old.process == nil)
    }
}
