/// DenseNet-121 as torchvision defines it: every layer concatenates all earlier feature maps of its block.
enum DenseNet {
    static func build(batch: Int) -> Graph {
        var b = GraphBuilder(name: "densenet121")
        var x = b.input([batch, 3, 224, 224])
        x = b.relu(b.bn(b.conv(x, 64, k: 7, s: 2, p: 3, name: "conv0"), name: "norm0"))
        x = b.maxPool(x, k: 3, s: 2, p: 1, name: "pool0")
        let growth = 32, bnSize = 4
        let blocks = [6, 12, 24, 16]
        for (bi, layers) in blocks.enumerated() {
            var features = [x]
            for li in 0..<layers {
                let y = b.scoped("denseblock\(bi + 1).denselayer\(li + 1)") { b -> Int in
                    let cat = features.count == 1 ? features[0] : b.concat(features)
                    let h = b.conv(b.relu(b.bn(cat, name: "norm1")), bnSize * growth, k: 1, name: "conv1")
                    return b.conv(b.relu(b.bn(h, name: "norm2")), growth, k: 3, p: 1, name: "conv2")
                }
                features.append(y)
            }
            x = b.concat(features)
            if bi < blocks.count - 1 {
                x = b.scoped("transition\(bi + 1)") { b in
                    let c = b.channels(x)
                    let t = b.conv(b.relu(b.bn(x, name: "norm")), c / 2, k: 1)
                    return b.avgPool(t, k: 2, s: 2)
                }
            }
        }
        x = b.relu(b.bn(x, name: "norm5"))
        x = b.flatten(b.adaptiveAvgPool(x))
        _ = b.linear(x, 1000, name: "classifier")
        return b.build()
    }
}
