/// NASNet-A Mobile (Zoph et al., "Learning Transferable Architectures", CVPR 2018): 4 normal cells per stack,
/// penultimate filters 1056 (F = 44), two reduction stem cells, the cell wiring of the paper's Figure 4.
enum NASNet {
    typealias B = GraphBuilder

    /// ReLU → depthwise k×k → pointwise → BN, twice (the first with the stride), as NASNet's separable convs.
    static func sep(_ b: inout B, _ x: Int, _ f: Int, k: Int, s: Int = 1) -> Int {
        var y = x
        for i in 0..<2 {
            let c = b.channels(y)
            y = b.conv(b.relu(y), c, k: k, s: i == 0 ? s : 1, p: k / 2, groups: c, name: "dw\(k)x\(k)")
            y = b.bn(b.conv(y, f, k: 1, name: "pw"))
        }
        return y
    }

    /// Brings a cell input to `f` channels at the spatial size `size`: 1×1 conv, or a factorized reduction.
    static func fit(_ b: inout B, _ x: Int, _ f: Int, size: Int) -> Int {
        if b.shape(x).height == size { return b.bn(b.conv(b.relu(x), f, k: 1, name: "proj")) }
        let r = b.relu(x)
        let p1 = b.conv(b.avgPool(r, k: 1, s: 2), f / 2, k: 1, name: "path1")
        let p2 = b.conv(b.avgPool(r, k: 1, s: 2), f - f / 2, k: 1, name: "path2")
        return b.bn(b.concat([p1, p2]))
    }

    static func normal(_ b: inout B, h hIn: Int, hp hpIn: Int, f: Int) -> Int {
        let size = b.shape(hIn).height
        let h = fit(&b, hIn, f, size: size)
        let hp = fit(&b, hpIn, f, size: size)
        let b0 = b.sum([sep(&b, h, f, k: 3), h])
        let b1 = b.sum([sep(&b, hp, f, k: 3), sep(&b, h, f, k: 5)])
        let b2 = b.sum([b.avgPool(h, k: 3, s: 1, p: 1), hp])
        let b3 = b.sum([b.avgPool(hp, k: 3, s: 1, p: 1), b.avgPool(hp, k: 3, s: 1, p: 1)])
        let b4 = b.sum([sep(&b, hp, f, k: 5), sep(&b, hp, f, k: 3)])
        return b.concat([hp, b0, b1, b2, b3, b4])
    }

    static func reduction(_ b: inout B, h hIn: Int, hp hpIn: Int, f: Int) -> Int {
        let size = b.shape(hIn).height
        let h = fit(&b, hIn, f, size: size)
        let hp = fit(&b, hpIn, f, size: size)
        let b0 = b.sum([sep(&b, hp, f, k: 7, s: 2), sep(&b, h, f, k: 5, s: 2)])
        let b1 = b.sum([b.maxPool(h, k: 3, s: 2, p: 1), sep(&b, hp, f, k: 7, s: 2)])
        let b2 = b.sum([b.avgPool(h, k: 3, s: 2, p: 1), sep(&b, hp, f, k: 5, s: 2)])
        let b3 = b.sum([b.maxPool(h, k: 3, s: 2, p: 1), sep(&b, b0, f, k: 3)])
        let b4 = b.sum([b.avgPool(b0, k: 3, s: 1, p: 1), b1])
        return b.concat([b1, b2, b3, b4])
    }

    static func build(batch: Int, cellsPerStack: Int = 4, filters: Int = 44) -> Graph {
        var b = B(name: "nasnet")
        let x = b.input([batch, 3, 224, 224])
        let stem = b.bn(b.conv(x, 32, k: 3, s: 2, name: "stem_conv"))
        var hp = stem
        var h = b.scoped("stem0") { reduction(&$0, h: stem, hp: stem, f: filters / 4) }
        (h, hp) = (b.scoped("stem1") { reduction(&$0, h: h, hp: hp, f: filters / 2) }, h)
        var f = filters
        for stack in 0..<3 {
            for cell in 0..<cellsPerStack {
                let out = b.scoped("stack\(stack + 1).normal\(cell)") { normal(&$0, h: h, hp: hp, f: f) }
                (h, hp) = (out, h)
            }
            if stack < 2 {
                f *= 2
                let ff = f
                let out = b.scoped("reduction\(stack + 1)") { reduction(&$0, h: h, hp: hp, f: ff) }
                (h, hp) = (out, h)
            }
        }
        let y = b.flatten(b.adaptiveAvgPool(b.relu(h)))
        _ = b.linear(b.dropout(y), 1000)
        return b.build()
    }
}
