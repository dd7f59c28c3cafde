import Foundation
import Testing
@testable import ConvtopCore

/// `convtop explain`: the gap to the critical-path bound split into causes, on graphs whose answer is known by
/// construction.
struct ExplainTests {
    func attribution(_ g: Graph, policy: PolicyKind, streams: Int = 8, launch: LaunchMode = .graph,
                     connections: Int? = nil, gpu: GPUSpec? = nil) throws -> GapAttribution {
        var s = Scenario()
        s.model = "test"; s.gpu = "h200"; s.streams = streams; s.launch = launch; s.connections = connections; s.policy = policy
        // These graphs are sized for the mechanism each test shows: the model's kernels, not the catalog's.
        s.kernelSource = .model
        let w = try Workload(graph: g, scenario: s, gpu: gpu)
        return GapAttribution(workload: w, result: try w.run(policy, recordBlocks: false))
    }

    func dominant(_ a: GapAttribution) -> LossCause? { a.byCause.max { $0.value < $1.value }?.key }

    func expectSumsToGap(_ a: GapAttribution, sourceLocation: SourceLocation = #_sourceLocation) {
        let sum = a.byCause.values.reduce(0, +)
        #expect(abs(sum - a.gapUs) <= 0.01 * max(a.gapUs, 1e-9), "causes \(sum) µs vs gap \(a.gapUs) µs", sourceLocation: sourceLocation)
    }

    /// Two independent chains of mid-size convolutions.
    static let twoChains = graph { b in
        for i in 0..<2 {
            var y = b.input([1, 128, 28, 28], name: "x\(i)")
            for _ in 0..<4 { y = b.conv(y, 128, k: 3, p: 1) }
        }
    }

    @Test func eagerLaunchesAtBatchOneAreHostBound() throws {
        let w = try Workload(scenario("googlenet", gpu: "h200", launch: .eager))
        let a = GapAttribution(workload: w, result: try w.run(.branch, recordBlocks: false))
        #expect(dominant(a) == .hostLaunch)
        #expect((a.byCause[.hostLaunch] ?? 0) > 0.8 * a.gapUs)
        expectSumsToGap(a)
    }

    @Test func independentChainsOnOneStreamWaitInStreamOrder() throws {
        let a = try attribution(Self.twoChains, policy: .serial)
        #expect(dominant(a) == .dependencies)
        expectSumsToGap(a)
        // On two streams the false dependency is gone.
        let b = try attribution(Self.twoChains, policy: .branch)
        #expect((b.byCause[.dependencies] ?? 0) < 0.01 * b.iterationUs)
    }

    @Test func twoStreamsOnOneConnectionWaitInTheHardwareQueue() throws {
        // CUDA_DEVICE_MAX_CONNECTIONS maps eager launches' streams; a graph replay's branches have queues of their own.
        // (A host that launches faster than the kernels run, so that kernels wait in the queues.)
        let fast = try fastHost("h200")
        let one = try attribution(Self.twoChains, policy: .branch, launch: .eager, connections: 1, gpu: fast)
        #expect((one.rawByCause[.hardwareQueues] ?? 0) > 5, "\(one.rawByCause)")
        expectSumsToGap(one)
        let eight = try attribution(Self.twoChains, policy: .branch, launch: .eager, connections: 8, gpu: fast)
        #expect((eight.rawByCause[.hardwareQueues] ?? 0) < (one.rawByCause[.hardwareQueues] ?? 0))
        let graph = try attribution(Self.twoChains, policy: .branch, launch: .graph, connections: 1)
        #expect((graph.rawByCause[.hardwareQueues] ?? 0) == 0, "\(graph.rawByCause)")
    }

    /// A many-wave kernel launched first holds the dispatcher: the small kernel on the other stream, which the
    /// critical path runs through, waits behind it.
    @Test func aBigGridAheadBlocksTheDispatcher() throws {
        let g = graph { b in
            _ = b.relu(b.input([64, 256, 42, 42], name: "big"))
            var y = b.input([1, 64, 8, 8], name: "small")
            for _ in 0..<20 { y = b.relu(y) }
        }
        // The branch rule puts the big ReLU on one stream and the whole small chain on another.
        let a = try attribution(g, policy: .branch, streams: 2)
        #expect(a.path.count == 20, "the small chain ends last")
        #expect(a.rawByCause.max { $0.value < $1.value }?.key == .inOrderDispatch, "\(a.rawByCause)")
        expectSumsToGap(a)
    }

    @Test func whatIfsLiftTheirLimit() throws {
        let w = try Workload(scenario("googlenet", gpu: "h200", launch: .eager))
        let what = try WhatIf.run(w, policy: .branch)
        let graphRow = try #require(what.rows.first { $0.cause == .hostLaunch })
        #expect(graphRow.savedUs > 0.5 * what.baselineUs)
        for r in what.rows { #expect(r.iterationUs > 0) }
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    /// Explain works on every kind of input, in inference and training, eager and graph launch.
    @Test(arguments: [("Assets/models/residual_block.json", GraphMode.training, LaunchMode.eager),
                      ("squeezenet1_0.onnx", .inference, .graph), ("resnet18", .training, .graph), ("nasnet", .inference, .eager)])
    func explainsEveryKindOfInput(_ c: (String, GraphMode, LaunchMode)) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let model = c.0.hasPrefix("Assets/") ? root + "/" + c.0 : (c.0.hasSuffix(".onnx") ? Self.fixtures + "/" + c.0 : c.0)
        var s = scenario(model, gpu: "h200", mode: c.1, launch: c.2)
        s.streams = 4
        let w = try Workload(s)
        let a = GapAttribution(workload: w, result: try w.run(.branch, recordBlocks: false))
        #expect(a.gapUs > 0)
        expectSumsToGap(a)
        #expect(!a.path.isEmpty)
    }

    /// For a profiler trace, the measured run's own idle time, streams and serialised independent kernels.
    @Test func measuredTraceShowsHostGapsAndSerialisedBranches() throws {
        var s = scenario(Self.fixtures + "/pytorch_profiler_googlenet_b1_h200.json.gz", gpu: "h200")
        s.streams = 8
        let w = try Workload(s)
        let t = try #require(w.trace)
        let m = MeasuredRun(trace: t, kernels: w.kernels)
        // An eager run at batch 1: 0.73 ms of kernels in a 26 ms span, one stream, one kernel at a time.
        #expect(abs(m.gpuBusyUs - 734.4) < 1)
        #expect(m.gpuIdleUs > 0.9 * m.spanUs)
        #expect(m.streams == 1 && abs(m.achievedConcurrency - 1) < 0.01)
        // GoogLeNet's nine inception modules each switch branch three times on the one stream.
        #expect(m.checkedIndependence && m.serialisedKernels == 27)
    }

    /// NASNet's training step at batch 1 with the branch rule: the backward's additions hand their gradients on
    /// behind their streams' queues (round 26), which explain charges as autograd events — the largest cause there —
    /// and its what-if (every gradient handed on at once) saves time. An inference pass has no such waits.
    @Test func autogradEventsCostNasnetsBackward() throws {
        let w = try Workload(scenario("nasnet", gpu: "h200", mode: .training))
        let a = GapAttribution(workload: w, result: try w.run(.branch, recordBlocks: false))
        #expect(dominant(a) == .autogradEvents)
        expectSumsToGap(a)
        let what = try WhatIf.run(w, policy: .branch)
        let lifted = try #require(what.rows.first { $0.cause == .autogradEvents })
        #expect(lifted.savedUs > 0.05 * what.baselineUs)
        let inference = try Workload(scenario("nasnet", gpu: "h200"))
        let b = GapAttribution(workload: inference, result: try inference.run(.branch, recordBlocks: false))
        #expect((b.byCause[.autogradEvents] ?? 0) == 0)
        #expect(try WhatIf.run(inference, policy: .branch).rows.allSatisfy { $0.cause != .autogradEvents })
    }
}
