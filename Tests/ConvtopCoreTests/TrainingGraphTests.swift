import Testing
@testable import ConvtopCore

struct TrainingGraphTests {
    @Test(arguments: ["resnet50", "googlenet", "densenet121", "mobilenet_v2"])
    func everyConvHasIndependentGradientOpsAndEveryParameterAnUpdate(_ name: String) throws {
        let fwd = try ModelZoo.build(name, batch: 2)
        for style in OptimizerStyle.allCases {
            let g = TrainingGraph.build(from: fwd, optimizer: style)
            let d = try DAG(graph: g) // acyclic
            let reach = BitMatrix.reachability(successors: d.successors, order: d.order)
            for n in fwd.nodes {
                guard case .conv = n.kind else { continue }
                let w = g.nodes.filter { $0.forwardOf == n.id && { if case .convWeightGrad = $0.kind { true } else { false } }($0) }
                let dg = g.nodes.filter { $0.forwardOf == n.id && { if case .convDataGrad = $0.kind { true } else { false } }($0) }
                #expect(w.count == 1, "\(n.name) weight gradient")
                let takesImage = fwd.nodes[n.inputs[0]].kind == .input
                #expect(dg.count == (takesImage ? 0 : 1), "\(n.name) data gradient")
                if let a = w.first, let b = dg.first {
                    #expect(!reach.get(a.id, b.id) && !reach.get(b.id, a.id), "\(n.name): dgrad and wgrad must be independent")
                }
            }
            // Every parameter tensor: exactly one gradient producer and exactly one update.
            let params = Set(fwd.parameterRefs)
            var grads: [ParameterRef: Int] = [:], updates: [ParameterRef: Int] = [:]
            for n in g.nodes {
                for p in n.gradients { grads[p, default: 0] += 1 }
                for p in n.updates { updates[p, default: 0] += 1 }
            }
            #expect(Set(grads.keys) == params)
            #expect(Set(updates.keys) == params)
            #expect(grads.values.allSatisfy { $0 == 1 } && updates.values.allSatisfy { $0 == 1 })
            // Updates come after the gradient they use.
            for u in g.nodes where u.phase == .update {
                for p in u.updates {
                    let producer = g.nodes.first { $0.gradients.contains(p) }!
                    #expect(u.inputs.contains(producer.id) || reach.get(producer.id, u.id))
                }
            }
        }
    }

    @Test func fanOutGradientsAreAccumulated() throws {
        let g = TrainingGraph.build(from: try ModelZoo.build("resnet18", batch: 1))
        let acc = g.nodes.filter { $0.kind == .gradAccumulate }
        // Each residual block's input feeds the block and its shortcut: 8 blocks, 8 accumulations.
        #expect(acc.count == 8)
        #expect(acc.allSatisfy { $0.inputs.count == 2 })
        // Per-tensor SGD launches one update op per parameter tensor; foreach launches one op.
        let per = TrainingGraph.build(from: try ModelZoo.build("resnet18", batch: 1), optimizer: .perTensor)
        let tensors = try ModelZoo.build("resnet18", batch: 1).parameterRefs.count
        #expect(per.nodes.filter { $0.kind == .sgdUpdate }.count == tensors)
        #expect(g.nodes.filter { $0.kind == .sgdUpdateForeach }.count == 1)
    }

    /// As PyTorch's autograd runs them (round2/kernels.jsonl.gz, GoogLeNet's training step): a convolution's data
    /// gradient is launched before its weight gradient, the gradient is handed on only after both (what reads it
    /// waits for the weight gradient too), and where a tensor fans out to three branches the second and third
    /// gradients are each added as they arrive, on the launch order right after the node that produced them, ahead of
    /// the first-created branch's backward ops.
    @Test func gradientsAreHandedOnAndSummedAsAutogradDoes() throws {
        let fwd = graph { b in
            let x = b.conv(b.input([1, 8, 8, 8]), 8, k: 1, name: "stem")
            let y1 = b.conv(x, 8, k: 1, name: "b1"), y2 = b.conv(x, 8, k: 1, name: "b2"), y3 = b.conv(x, 8, k: 1, name: "b3")
            _ = b.concat([y1, y2, y3])
        }
        let g = TrainingGraph.build(from: fwd)
        let order = try DAG(graph: g).order
        func position(_ name: String) throws -> Int { try #require(order.firstIndex { g.nodes[$0].name == name }) }
        for branch in ["b1", "b2", "b3"] {
            #expect(try position("\(branch).dgrad") < position("\(branch).wgrad"))
            let handoff = try #require(g.nodes.first { $0.name == "\(branch).grad_input" })
            #expect(Set(handoff.inputs.map { g.nodes[$0].name }) == ["\(branch).dgrad", "\(branch).wgrad"])
        }
        let sums = g.nodes.filter { $0.kind == .gradAccumulate }
        #expect(sums.count == 2 && sums.allSatisfy { $0.inputs.count == 2 && $0.forwardOf == fwd.nodes.first { $0.name == "stem" }!.id })
        // Autograd reaches the branches last-created first: b3's gradient is the first, b2's is added at once, before
        // any of b1's backward ops is launched; b1's follows b1.
        #expect(try position("stem.grad_sum") < position("b1.dgrad"))
        #expect(try position("b1.wgrad") < position("stem.grad_sum2"))
        #expect(try position("stem.grad_sum2") < position("stem.wgrad"))
    }

    @Test func backwardMACsDoubleTheForwardConvolutionWork() throws {
        let f = try ModelZoo.build("vgg16", batch: 4)
        let t = TrainingGraph.build(from: f)
        // Forward + wgrad for every conv/linear + dgrad for all but the first conv.
        let firstConv = f.nodes.first { if case .conv = $0.kind { return true } else { return false } }!
        #expect(t.totalMACs == 3 * f.forwardMACs - firstConv.macs)
    }
}
