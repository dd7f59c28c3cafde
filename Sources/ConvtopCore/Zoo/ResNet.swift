/// ResNet-18/34/50/101/152 (torchvision, v1.5: stride on the 3×3 convolution of bottlenecks).
enum ResNet {
    static func build(name: String, bottleneck: Bool, layers: [Int], batch: Int) -> Graph {
        var b = GraphBuilder(name: name)
        var x = b.input([batch, 3, 224, 224])
        x = b.relu(b.bn(b.conv(x, 64, k: 7, s: 2, p: 3, name: "conv1"), name: "bn1"))
        x = b.maxPool(x, k: 3, s: 2, p: 1)
        let expansion = bottleneck ? 4 : 1
        var inplanes = 64
        for (stage, blocks) in layers.enumerated() {
            let planes = 64 << stage
            for i in 0..<blocks {
                let stride = (i == 0 && stage > 0) ? 2 : 1
                x = b.scoped("layer\(stage + 1).\(i)") { b in
                    var y = x
                    if bottleneck {
                        y = b.relu(b.bn(b.conv(y, planes, k: 1, name: "conv1"), name: "bn1"))
                        y = b.relu(b.bn(b.conv(y, planes, k: 3, s: stride, p: 1, name: "conv2"), name: "bn2"))
                        y = b.bn(b.conv(y, planes * 4, k: 1, name: "conv3"), name: "bn3")
                    } else {
                        y = b.relu(b.bn(b.conv(y, planes, k: 3, s: stride, p: 1, name: "conv1"), name: "bn1"))
                        y = b.bn(b.conv(y, planes, k: 3, p: 1, name: "conv2"), name: "bn2")
                    }
                    var shortcut = x
                    if stride != 1 || inplanes != planes * expansion {
                        shortcut = b.scoped("downsample") { b in
                            b.bn(b.conv(x, planes * expansion, k: 1, s: stride, name: "conv"), name: "bn")
                        }
                    }
                    return b.relu(b.sum([y, shortcut]))
                }
                inplanes = planes * expansion
            }
        }
        x = b.flatten(b.adaptiveAvgPool(x))
        _ = b.linear(x, 1000)
        return b.build()
    }
}
