import Testing
@testable import ConvtopCore

struct GraphAnalysisTests {
    /// x → a → {b, c} → d: a diamond.
    func diamond() -> Graph {
        graph { b in
            let x = b.input([1, 8, 8, 8])
            let a = b.relu(x)
            let l = b.conv(a, 8, k: 3, p: 1)
            let r = b.conv(a, 8, k: 1)
            _ = b.sum([l, r])
        }
    }

    @Test func topologicalOrderRespectsEveryEdge() throws {
        let g = try ModelZoo.build("inception_v3", batch: 1)
        let d = try DAG(graph: g)
        var pos = Array(repeating: 0, count: g.nodes.count)
        for (i, v) in d.order.enumerated() { pos[v] = i }
        for n in g.nodes { for i in n.inputs { #expect(pos[i] < pos[n.id]) } }
        #expect(d.order.count == g.nodes.count)
    }

    @Test func cyclesAreRejected() {
        #expect(throws: ConvtopError.self) { _ = try DAG(predecessors: [[2], [0], [1]]) }
        #expect(throws: ConvtopError.self) { _ = try DAG(predecessors: [[5]]) }
    }

    @Test func criticalPathTakesTheHeavierBranch() throws {
        let g = diamond()
        let d = try DAG(graph: g)
        let cost: [Double] = [0, 1, 10, 2, 1]
        let cp = d.criticalPath { cost[$0] }
        #expect(cp.length == 12)
        #expect(cp.path == [0, 1, 2, 4])
        #expect(d.bottomLevels { cost[$0] }[1] == 12)
    }

    @Test func widthIsTheLargestAntichain() throws {
        #expect(diamond().maxWidth() == 2)
        // An Inception module has four parallel branches; GoogLeNet's width is 4 (branch heads side by side).
        #expect(try ModelZoo.build("googlenet", batch: 1).maxWidth() == 4)
        #expect(try ModelZoo.build("vgg16", batch: 1).maxWidth() == 1)
        // Exact width beats the level heuristic's lower bound or equals it.
        let g = try ModelZoo.build("nasnet", batch: 1)
        let d = try DAG(graph: g)
        #expect(g.maxWidth() >= d.levelWidth { g.nodes[$0].kind != .input })
    }

    @Test func forkJoinRegionsFindBranchesAndShortcuts() throws {
        let regions = diamond().forkJoinRegions()
        #expect(regions.count == 1)
        #expect(regions[0].fork == 1)
        #expect(regions[0].join == 4)
        #expect(regions[0].branches.sorted { $0[0] < $1[0] } == [[2], [3]])
        // A ResNet basic block whose shortcut is the identity: one branch of convs, one empty (the shortcut edge).
        let r = try ModelZoo.build("resnet18", batch: 1)
        let block = r.forkJoinRegions().first { r.nodes[$0.fork].name.hasPrefix("maxpool") }!
        #expect(block.branches.count == 2)
        #expect(block.branches.contains { $0.isEmpty })
        #expect(r.nodes[block.join!].kind == .add)
        // Every GoogLeNet inception module is a four-branch region ending at its concat.
        let gl = try ModelZoo.build("googlenet", batch: 1)
        let four = gl.forkJoinRegions().filter { $0.branches.count == 4 }
        #expect(four.count == 9)
        #expect(four.allSatisfy { gl.nodes[$0.join!].kind == .concat })
    }

    @Test func bipartiteMatchingIsMaximum() {
        // Perfect matching exists only by re-routing the greedy choice.
        let m = BipartiteMatching.maximum(left: 3, right: 3, adjacency: [[0, 1], [0], [1, 2]])
        #expect(m.size == 3)
        #expect(Set(m.matchOfLeft) == [0, 1, 2])
    }
}
