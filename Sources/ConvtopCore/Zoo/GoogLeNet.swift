/// GoogLeNet as torchvision defines it (no auxiliary heads, no input transform; branch 3 uses a 3×3 conv as
/// torchvision does).
enum GoogLeNet {
    static func inception(_ b: inout GraphBuilder, _ x: Int, _ c1: Int, _ c3r: Int, _ c3: Int, _ c5r: Int, _ c5: Int,
                          _ pp: Int) -> Int {
        let b1 = b.scoped("branch1") { $0.convBNReLU(x, c1, k: 1) }
        // Names follow torchvision's Sequential indices (branch2.0, branch2.1, ...), as torch.fx reports them.
        let b2 = b.scoped("branch2") { b in
            let r = b.scoped("0") { $0.convBNReLU(x, c3r, k: 1) }
            return b.scoped("1") { $0.convBNReLU(r, c3, k: 3, p: 1) }
        }
        let b3 = b.scoped("branch3") { b in
            let r = b.scoped("0") { $0.convBNReLU(x, c5r, k: 1) }
            return b.scoped("1") { $0.convBNReLU(r, c5, k: 3, p: 1) }
        }
        let b4 = b.scoped("branch4") { b in
            let p = b.maxPool(x, k: 3, s: 1, p: 1, ceil: true, name: "0")
            return b.scoped("1") { $0.convBNReLU(p, pp, k: 1) }
        }
        return b.concat([b1, b2, b3, b4])
    }

    static func build(batch: Int) -> Graph {
        var b = GraphBuilder(name: "googlenet")
        var x = b.input([batch, 3, 224, 224])
        x = b.scoped("conv1") { $0.convBNReLU(x, 64, k: 7, s: 2, p: 3) }
        x = b.maxPool(x, k: 3, s: 2, ceil: true)
        x = b.scoped("conv2") { $0.convBNReLU(x, 64, k: 1) }
        x = b.scoped("conv3") { $0.convBNReLU(x, 192, k: 3, p: 1) }
        x = b.maxPool(x, k: 3, s: 2, ceil: true)
        x = b.scoped("inception3a") { inception(&$0, x, 64, 96, 128, 16, 32, 32) }
        x = b.scoped("inception3b") { inception(&$0, x, 128, 128, 192, 32, 96, 64) }
        x = b.maxPool(x, k: 3, s: 2, ceil: true)
        x = b.scoped("inception4a") { inception(&$0, x, 192, 96, 208, 16, 48, 64) }
        x = b.scoped("inception4b") { inception(&$0, x, 160, 112, 224, 24, 64, 64) }
        x = b.scoped("inception4c") { inception(&$0, x, 128, 128, 256, 24, 64, 64) }
        x = b.scoped("inception4d") { inception(&$0, x, 112, 144, 288, 32, 64, 64) }
        x = b.scoped("inception4e") { inception(&$0, x, 256, 160, 320, 32, 128, 128) }
        x = b.maxPool(x, k: 2, s: 2, ceil: true)
        x = b.scoped("inception5a") { inception(&$0, x, 256, 160, 320, 32, 128, 128) }
        x = b.scoped("inception5b") { inception(&$0, x, 384, 192, 384, 48, 128, 128) }
        x = b.flatten(b.adaptiveAvgPool(x))
        _ = b.linear(b.dropout(x), 1000)
        return b.build()
    }
}
