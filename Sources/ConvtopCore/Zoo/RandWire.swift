/// RandWire-WS (Xie et al., "Exploring Randomly Wired Neural Networks", ICCV 2019), small regime: three random
/// stages of `nodes` nodes from a seeded Watts–Strogatz graph WS(K=4, P=0.75), C = 78 channels.
public struct RandWireConfig: Sendable, Hashable {
    public var nodes = 32
    public var k = 4
    public var p = 0.75
    public var channels = 78
    public var seed: UInt64 = 1
    public init() {}
}

enum RandWire {
    /// Directed edges (lower index → higher) of a Watts–Strogatz graph.
    static func wattsStrogatz(n: Int, k: Int, p: Double, rng: inout SplitMix64) -> [[Int]] {
        var adj = Array(repeating: Set<Int>(), count: n)
        for i in 0..<n { for j in 1...(k / 2) { let t = (i + j) % n; adj[i].insert(t); adj[t].insert(i) } }
        for j in 1...(k / 2) {
            for i in 0..<n {
                let t = (i + j) % n
                guard rng.unit() < p, adj[i].contains(t) else { continue }
                let candidates = (0..<n).filter { $0 != i && !adj[i].contains($0) }
                guard !candidates.isEmpty else { continue }
                let nt = candidates[rng.below(candidates.count)]
                adj[i].remove(t); adj[t].remove(i)
                adj[i].insert(nt); adj[nt].insert(i)
            }
        }
        return (0..<n).map { i in adj[i].filter { $0 < i }.sorted() }
    }

    static func stage(_ b: inout GraphBuilder, _ x: Int, out: Int, preds: [[Int]]) -> Int {
        let n = preds.count
        var node = Array(repeating: -1, count: n)
        var hasSucc = Array(repeating: false, count: n)
        for ps in preds { for p in ps { hasSucc[p] = true } }
        for i in 0..<n {
            node[i] = b.scoped("node\(i)") { b -> Int in
                let agg = preds[i].isEmpty ? x : (preds[i].count == 1 ? node[preds[i][0]] : b.sum(preds[i].map { node[$0] }))
                let stride = preds[i].isEmpty ? 2 : 1
                let c = b.channels(agg)
                let dw = b.conv(b.relu(agg), c, k: 3, s: stride, p: 1, groups: c, name: "dw")
                return b.bn(b.conv(dw, out, k: 1, name: "pw"))
            }
        }
        let outs = (0..<n).filter { !hasSucc[$0] }.map { node[$0] }
        return outs.count == 1 ? outs[0] : b.sum(outs, name: "output")
    }

    static func build(batch: Int, config c: RandWireConfig) -> Graph {
        var b = GraphBuilder(name: "randwire")
        var rng = SplitMix64(seed: c.seed)
        var x = b.input([batch, 3, 224, 224])
        x = b.bn(b.conv(x, c.channels / 2, k: 3, s: 2, p: 1, name: "conv1"))
        x = b.bn(b.conv(b.relu(x), c.channels, k: 3, s: 2, p: 1, name: "conv2"))
        for (i, mult) in [1, 2, 4].enumerated() {
            let preds = wattsStrogatz(n: c.nodes, k: c.k, p: c.p, rng: &rng)
            x = b.scoped("conv\(i + 3)") { stage(&$0, x, out: c.channels * mult, preds: preds) }
        }
        x = b.relu(b.bn(b.conv(b.relu(x), 1280, k: 1, name: "classifier_conv")))
        _ = b.linear(b.flatten(b.adaptiveAvgPool(x)), 1000)
        return b.build()
    }
}
