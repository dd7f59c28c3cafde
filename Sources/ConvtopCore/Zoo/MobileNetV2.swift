/// MobileNetV2 as torchvision defines it (width 1.0): inverted residuals with depthwise convolutions.
enum MobileNetV2 {
    static func build(batch: Int) -> Graph {
        var b = GraphBuilder(name: "mobilenet_v2")
        var x = b.input([batch, 3, 224, 224])
        x = b.convBNReLU(x, 32, k: 3, s: 2, p: 1, relu6: true)
        var inC = 32
        let settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
        var index = 1
        for (t, c, n, s) in settings {
            for i in 0..<n {
                let stride = i == 0 ? s : 1
                let cin = inC
                x = b.scoped("features.\(index)") { b in
                    let hidden = cin * t
                    var y = x
                    if t != 1 { y = b.convBNReLU(y, hidden, k: 1, relu6: true) }
                    y = b.convBNReLU(y, hidden, k: 3, s: stride, p: 1, groups: hidden, relu6: true)
                    y = b.bn(b.conv(y, c, k: 1))
                    return (stride == 1 && cin == c) ? b.sum([x, y]) : y
                }
                inC = c
                index += 1
            }
        }
        x = b.convBNReLU(x, 1280, k: 1, relu6: true)
        x = b.flatten(b.adaptiveAvgPool(x))
        _ = b.linear(b.dropout(x), 1000, name: "classifier")
        return b.build()
    }
}
