/// PathNet (Fernando et al., "PathNet: Evolution Channels Gradient Descent in Super Neural Networks", 2017).
///
/// L layers of M candidate modules; a path activates N modules per layer, their outputs are summed and fed to every
/// active module of the next layer. Defaults follow the paper's convolutional (A3C/Atari) configuration: L = 4,
/// M = 10, N = 4; layer 1 modules are 8 filters 8×8 stride 4, layer 2 16 filters 4×4 stride 2, layer 3 16 filters
/// 3×3, layer 4 fully connected modules of 50 units, on 84×84 frames of 4 stacked channels. Active modules are drawn
/// from `seed`, so a path is reproducible.
public struct PathNetConfig: Sendable, Hashable {
    public var layers = 4
    public var modules = 10
    public var active = 4
    public var inputSize = 84
    public var seed: UInt64 = 1
    public init() {}
}

enum PathNet {
    static func build(batch: Int, config c: PathNetConfig) -> Graph {
        var b = GraphBuilder(name: "pathnet")
        var rng = SplitMix64(seed: c.seed)
        var x = b.input([batch, 4, c.inputSize, c.inputSize])
        let convs: [(out: Int, k: Int, s: Int)] = [(8, 8, 4), (16, 4, 2), (16, 3, 1)]
        for layer in 0..<c.layers {
            var pool = Array(0..<c.modules)
            var chosen: [Int] = []
            for _ in 0..<min(c.active, c.modules) { chosen.append(pool.remove(at: rng.below(pool.count))) }
            chosen.sort()
            let outs = chosen.map { m in
                b.scoped("layer\(layer + 1).module\(m)") { b -> Int in
                    if layer < convs.count && layer < c.layers - 1 {
                        let cv = convs[layer]
                        return b.relu(b.conv(x, cv.out, k: cv.k, s: cv.s, bias: true))
                    }
                    let flat = b.shape(x).rank > 2 ? b.flatten(x) : x
                    return b.relu(b.linear(flat, 50))
                }
            }
            x = outs.count == 1 ? outs[0] : b.sum(outs, name: "layer\(layer + 1).sum")
        }
        if b.shape(x).rank > 2 { x = b.flatten(x) }
        _ = b.linear(x, 18, name: "head")
        return b.build()
    }
}
