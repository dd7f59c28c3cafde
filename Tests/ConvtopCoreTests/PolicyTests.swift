import Testing
@testable import ConvtopCore

struct PolicyTests {
    func workload(_ m: String, batch: Int = 1) throws -> Workload { try Workload(scenario(m, batch: batch)) }

    /// The launch order is a topological order of the ops, for every policy.
    @Test(arguments: PolicyKind.allCases)
    func launchOrderIsTopological(_ p: PolicyKind) throws {
        let w = try workload("inception_v3")
        let s = w.schedule(p)
        var pos: [Int: Int] = [:]
        for (i, o) in s.launchOrder.enumerated() { pos[o] = i }
        #expect(pos.count == w.kernels.activeOps.count)
        let od = OpDAG(w.kernels)
        for v in 0..<od.count { for u in od.dag.predecessors[v] { #expect(pos[od.ops[u]]! < pos[od.ops[v]]!) } }
        #expect(s.streamOfOp.allSatisfy { $0 < 8 })
    }

    @Test func branchFollowsTheFirstConsumerRule() throws {
        let g = graph { b in
            let x = b.input([1, 8, 8, 8])
            let a = b.relu(x)                  // stream 0 (first op)
            let l = b.conv(a, 8, k: 1)         // a's first consumer: stream of a
            let r = b.conv(a, 8, k: 1)         // a's second consumer: next stream
            _ = b.sum([l, r])                  // l's first consumer: stream of l
        }
        let kg = Lowering.lower(g, gpu: try GPUCatalog.load("h100"))
        let s = PolicyKind.branch.schedule(kg, streams: 8, smCount: 132, cost: Array(repeating: 1, count: g.nodes.count))
        #expect(s.streamOfOp[1] == 0 && s.streamOfOp[2] == 0 && s.streamOfOp[3] == 1 && s.streamOfOp[4] == 0)
        let serial = PolicyKind.serial.schedule(kg, streams: 8, smCount: 132, cost: Array(repeating: 1, count: g.nodes.count))
        #expect(serial.streamCount == 1)
        let rr = PolicyKind.roundRobin.schedule(kg, streams: 2, smCount: 132, cost: Array(repeating: 1, count: g.nodes.count))
        #expect(rr.streamOfOp[1...4].map { $0 } == [0, 1, 0, 1])
    }

    /// Nimble: with a pool large enough, every stream holds a chain of the transitive reduction (each op's stream
    /// predecessor is a direct producer), events only cross streams, and it needs no more streams than round robin.
    @Test func nimbleAssignsChainsOfTheReduction() throws {
        let kg = try workload("googlenet").kernels
        let od = OpDAG(kg)
        let s = PolicyKind.nimble.schedule(kg, streams: 128, smCount: 132, cost: Array(repeating: 1, count: kg.graph.nodes.count))
        var byStream: [Int: [Int]] = [:]
        for v in od.dag.order { byStream[s.streamOfOp[od.ops[v]], default: []].append(v) }
        for (_, ops) in byStream {
            for (a, b) in zip(ops, ops.dropFirst()) { #expect(od.dag.predecessors[b].contains(a)) }
        }
        // A path cover can never beat the width (Dilworth) and is far below one stream per op.
        let width = od.dag.width()
        #expect(s.streamCount >= width)
        #expect(s.streamCount < od.count / 3)
        // Fewer cross-stream edges than round robin over the same pool.
        func crossEdges(_ sch: Schedule) -> Int {
            (0..<od.count).reduce(0) { acc, v in acc + od.dag.predecessors[v].filter { sch.streamOfOp[od.ops[$0]] != sch.streamOfOp[od.ops[v]] }.count }
        }
        let rr = PolicyKind.roundRobin.schedule(kg, streams: s.streamCount, smCount: 132, cost: Array(repeating: 1, count: kg.graph.nodes.count))
        #expect(crossEdges(s) < crossEdges(rr))
    }

    @Test func criticalPathOpsGetStreamZeroAndHighPriority() throws {
        let w = try workload("googlenet")
        let s = w.schedule(.criticalPath)
        let od = OpDAG(w.kernels)
        let cp = od.dag.criticalPath { w.opCost[od.ops[$0]] }.path.map { od.ops[$0] }
        for o in cp { #expect(s.streamOfOp[o] == 0 && s.priorityOfOp[o] == 1) }
        #expect(s.priorityOfOp.filter { $0 == 0 }.count > 0)
    }

    @Test func resourceAwareCapsOnlyConcurrentOps() throws {
        let w = try workload("inception_v3")
        let s = w.schedule(.resourceAware)
        let ranges = s.smRangeOfOp.compactMap { $0 }
        #expect(!ranges.isEmpty)
        #expect(ranges.allSatisfy { $0.lower >= 0 && $0.upper <= 132 && $0.count >= 8 && $0.count % 4 == 0 })
        #expect(Set(ranges).count == 2)
        // The stem (a chain) keeps the whole GPU.
        #expect(s.smRangeOfOp[1] == nil)
        let chain = try workload("vgg16").schedule(.resourceAware)
        #expect(chain.smRangeOfOp.allSatisfy { $0 == nil })
    }

    @Test func unknownPolicyListsValidOnes() throws {
        #expect { _ = try PolicyKind.parse("greedy") } throws: { e in "\(e)".contains("resource-aware") && "\(e)".contains("greedy") }
        #expect(try PolicyKind.parse("Critical-Path") == .criticalPath)
    }
}
