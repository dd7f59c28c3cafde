/// A synthetic layered DAG of small convolution blocks, for benchmarking the simulator on 10,000+ ops.
enum Synthetic {
    static func build(batch: Int, ops: Int, width: Int, seed: UInt64) -> Graph {
        var b = GraphBuilder(name: "synthetic")
        var rng = SplitMix64(seed: seed)
        let x = b.input([batch, 32, 28, 28])
        var frontier = [x]
        while b.nodes.count < ops {
            var next: [Int] = []
            for _ in 0..<width {
                let src = frontier[rng.below(frontier.count)]
                let k = rng.below(2) == 0 ? 1 : 3
                next.append(b.relu(b.conv(src, 32, k: k, p: k / 2, name: "conv")))
            }
            frontier = [b.sum(next)] + next.prefix(width / 2)
        }
        return b.build()
    }
}
