/// AlexNet and VGG-16 as torchvision defines them: plain chains, the seed paper's "early CNNs".
enum ClassicNets {
    static func alexnet(batch: Int) -> Graph {
        var b = GraphBuilder(name: "alexnet")
        var x = b.input([batch, 3, 224, 224])
        x = b.relu(b.conv(x, 64, k: 11, s: 4, p: 2, bias: true))
        x = b.maxPool(x, k: 3, s: 2)
        x = b.relu(b.conv(x, 192, k: 5, p: 2, bias: true))
        x = b.maxPool(x, k: 3, s: 2)
        x = b.relu(b.conv(x, 384, k: 3, p: 1, bias: true))
        x = b.relu(b.conv(x, 256, k: 3, p: 1, bias: true))
        x = b.relu(b.conv(x, 256, k: 3, p: 1, bias: true))
        x = b.maxPool(x, k: 3, s: 2)
        x = b.flatten(b.adaptiveAvgPool(x, size: 6))
        x = b.relu(b.linear(b.dropout(x), 4096))
        x = b.relu(b.linear(b.dropout(x), 4096))
        _ = b.linear(x, 1000)
        return b.build()
    }

    static func vgg16(batch: Int) -> Graph {
        var b = GraphBuilder(name: "vgg16")
        var x = b.input([batch, 3, 224, 224])
        let cfg = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0]
        for c in cfg {
            x = c == 0 ? b.maxPool(x, k: 2, s: 2) : b.relu(b.conv(x, c, k: 3, p: 1, bias: true))
        }
        x = b.flatten(b.adaptiveAvgPool(x, size: 7))
        x = b.dropout(b.relu(b.linear(x, 4096)))
        x = b.dropout(b.relu(b.linear(x, 4096)))
        _ = b.linear(x, 1000)
        return b.build()
    }
}
