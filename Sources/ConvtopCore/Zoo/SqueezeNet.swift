/// SqueezeNet 1.0 as torchvision defines it: Fire modules whose two expand convolutions are independent.
enum SqueezeNet {
    static func fire(_ b: inout GraphBuilder, _ x: Int, _ s: Int, _ e1: Int, _ e3: Int) -> Int {
        let sq = b.relu(b.conv(x, s, k: 1, bias: true, name: "squeeze"))
        let a = b.relu(b.conv(sq, e1, k: 1, bias: true, name: "expand1x1"))
        let c = b.relu(b.conv(sq, e3, k: 3, p: 1, bias: true, name: "expand3x3"))
        return b.concat([a, c])
    }

    static func build(batch: Int) -> Graph {
        var b = GraphBuilder(name: "squeezenet1_0")
        var x = b.input([batch, 3, 224, 224])
        x = b.relu(b.conv(x, 96, k: 7, s: 2, bias: true))
        x = b.maxPool(x, k: 3, s: 2, ceil: true)
        let cfg: [(Int, Int, Int)?] = [(16, 64, 64), (16, 64, 64), (32, 128, 128), nil, (32, 128, 128), (48, 192, 192),
                                       (48, 192, 192), (64, 256, 256), nil, (64, 256, 256)]
        for (i, c) in cfg.enumerated() {
            if let c { x = b.scoped("fire\(i)") { fire(&$0, x, c.0, c.1, c.2) } } else { x = b.maxPool(x, k: 3, s: 2, ceil: true) }
        }
        x = b.relu(b.conv(b.dropout(x), 1000, k: 1, bias: true, name: "classifier"))
        _ = b.flatten(b.adaptiveAvgPool(x))
        return b.build()
    }
}
