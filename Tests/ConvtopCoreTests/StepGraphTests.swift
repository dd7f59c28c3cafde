import Testing
@testable import ConvtopCore

/// Round 26: the graphs CUDA captured from PyTorch's training steps, and the autograd events they showed.
@Suite struct StepGraphTests {
    /// A dump's records and edges, as cudaGraphDebugDotPrint writes them (the layout of round 26's files, by hand).
    @Test func readsACudaGraphDump() throws {
        let dot = """
        digraph dot {
        subgraph cluster_4 {
        label="graph_4" graph[style="dashed"];
        "graph_4_node_0"[style="bold" shape="record" label="{KERNEL
        | {ID | 0 (topoId: 2) | _Z4convPf\\<\\<\\<386,\\{8,8\\},0\\>\\>\\>}
        | {cooperative | 0}
        }"];

        "graph_4_node_1"[style="solid" style="solid" shape="record" label="{MEMSET
        | {{ID | node handle | dptr | pitch | value | elementSize | width | height} | {1 (topoId: 1) | 0x0 | 0x0 | 0 | 0 | 1 | 64 | 1}}}"];

        "graph_4_node_2"[style="bold" shape="record" label="{KERNEL
        | {ID | 2 (topoId: 0) | _ZN2at6native29vectorized_elementwise_kernelILi4ENS0_11FillFunctorIfEE\\<\\<\\<1,128,0\\>\\>\\>}
        }"];

        "graph_4_node_0" -> "graph_4_node_2";
        "graph_4_node_1" -> "graph_4_node_2";
        }
        }
        """
        let g = try StepGraphCheck.parse(dot, file: "test.dot")
        #expect(g.names == ["_Z4convPf", "MEMSET", "_ZN2at6native29vectorized_elementwise_kernelILi4ENS0_11FillFunctorIfEE"])
        #expect(g.edges == [[2], [2], []])
        #expect(StepGraphCheck.family(g.names[2]) == "fill" && StepGraphCheck.family(g.names[1]) == "memset")
        #expect(throws: ConvtopError.self) { try StepGraphCheck.parse("digraph dot {\n}\n", file: "empty.dot") }
    }

    /// NASNet's training step at batch 1 with the branch rule: the captured graph holds 43 dependencies that convtop's
    /// did not imply before the autograd events (each an addition's backward handing its gradient on behind what its
    /// stream had launched); with them convtop implies every captured dependency and the capture every one of
    /// convtop's, and the longest chain through both graphs is the same at convtop's kernel times.
    @Test func nasnetsCapturedDependenciesAreConvtops() throws {
        let rows = try StepGraphCheck.run(gpu: try GPUCatalog.load("h200")) { $0.model == "nasnet" && $0.batch == 1 }
        let serial = try #require(rows.first { $0.variant == .serial }), branch = try #require(rows.first { $0.variant == .branch })
        #expect(serial.matched > 2400 && serial.missed == 0 && serial.extra == 0)
        #expect(branch.missedWithoutAutogradEvents == 43 && branch.missed == 0 && branch.extra == 0)
        #expect(abs(branch.capturedPathUs - branch.simulatedPathUs) < 1)
        #expect(branch.simulatedPathWithoutAutogradEventsUs < 0.9 * branch.capturedPathUs)
        // and the step's speedup with it: 1.78x measured in the capturing process
        #expect(abs(serial.simulatedMs / branch.simulatedMs - serial.measuredMs / branch.measuredMs) < 0.1)
    }

    /// The events need several streams: a serial schedule's kernels wait for nothing more.
    @Test func oneStreamAddsNoEvents() throws {
        var s = Scenario()
        s.model = "nasnet"; s.mode = .training; s.gpu = "h200"
        let w = try Workload(s)
        let serial = AutogradEvents.extraDependencies(w.kernels, schedule: w.schedule(.serial))
        let branch = AutogradEvents.extraDependencies(w.kernels, schedule: w.schedule(.branch))
        let serialEvents = serial.reduce(0) { $0 + $1.count }, branchEvents = branch.reduce(0) { $0 + $1.count }
        #expect(serialEvents == 0 && branchEvents > 0)
        // every event is a kernel launched earlier
        let order = KernelDependencies(w.kernels, schedule: w.schedule(.branch)).order
        var position = Array(repeating: 0, count: order.count)
        for (i, k) in order.enumerated() { position[k] = i }
        let late = branch.indices.filter { k in branch[k].contains { position[$0] >= position[k] } }
        #expect(late.isEmpty)
    }

    /// An addition's backward is a view of its gradient: a gradient sum that adds a concatenation's channel slice
    /// through it is still priced as strided (as before the view).
    @Test func aSliceThroughAnAdditionIsStillASlice() throws {
        var b = GraphBuilder(name: "slice-through-add")
        let x = b.input([4, 8, 14, 14])
        let t = b.conv(x, 8, k: 1), u = b.conv(x, 8, k: 1), w = b.conv(x, 8, k: 1)
        let s = b.sum([t, u])
        _ = b.concat([s, w, b.relu(t)])
        let g = TrainingGraph.build(from: b.build())
        let sums = g.nodes.filter { $0.kind == .gradAccumulate && $0.forwardOf == t }
        #expect(sums.count == 1)
        let strided = sums.filter { Lowering.accumulatesSlices($0, graph: g) }
        let views = g.nodes.filter { $0.kind == .gradientView && $0.forwardOf == s }
        #expect(strided.count == 1 && views.count == 1)
    }

    /// A batch-norm backward reads its gradient contiguous: a concatenation's channel slice is one at batch 1 and
    /// needs a strided copy first at batch 2 and up, as NASNet's captured step at batch 4 shows: 132 copies, each
    /// before a batch-norm or pooling backward, and convtop's graph has the same 132.
    @Test func aStridedSliceIsCopiedBeforeABatchNormBackward() throws {
        func copies(batch: Int) -> [Node] {
            var b = GraphBuilder(name: "slice-into-bn")
            let x = b.input([batch, 8, 14, 14])
            let t = b.bn(b.conv(x, 8, k: 1)), u = b.conv(x, 8, k: 1)
            _ = b.concat([t, u])
            let g = TrainingGraph.build(from: b.build())
            return g.nodes.filter { if case .copy(.slice) = $0.kind { return true } else { return false } }
        }
        #expect(copies(batch: 1).isEmpty)
        let two = copies(batch: 2)
        #expect(two.count == 2 && two.allSatisfy { $0.phase == .backward })
        var s = Scenario()
        s.model = "nasnet"; s.mode = .training; s.gpu = "h200"; s.batch = 4
        let nasnet = try Workload(s).kernels.graph
        let inserted = nasnet.nodes.filter { $0.name.hasSuffix("_contiguous") }
        #expect(inserted.count == 132)
        let readers = nasnet.nodes.filter { n in n.inputs.contains { i in inserted.contains { $0.id == i } } }
        #expect(readers.allSatisfy { [.batchNormBackward, .poolBackward(max: false), .poolBackward(max: true)].contains($0.kind)
                                     || $0.kind.isWeightGradient || { if case .convDataGrad = $0.kind { return true } else { return false } }($0) })
    }
}
