/// Inception-v3 as torchvision defines it (299×299 input, no auxiliary head).
enum InceptionV3 {
    typealias B = GraphBuilder

    static func a(_ b: inout B, _ x: Int, pool: Int) -> Int {
        let b1 = b.convBNReLU(x, 64, k: 1)
        let b5 = b.convBNReLU(b.convBNReLU(x, 48, k: 1), 64, k: 5, p: 2)
        let d = b.convBNReLU(b.convBNReLU(b.convBNReLU(x, 64, k: 1), 96, k: 3, p: 1), 96, k: 3, p: 1)
        let p = b.convBNReLU(b.avgPool(x, k: 3, s: 1, p: 1), pool, k: 1)
        return b.concat([b1, b5, d, p])
    }

    static func bRed(_ b: inout B, _ x: Int) -> Int {
        let b3 = b.convBNReLU(x, 384, k: 3, s: 2)
        let d = b.convBNReLU(b.convBNReLU(b.convBNReLU(x, 64, k: 1), 96, k: 3, p: 1), 96, k: 3, s: 2)
        let p = b.maxPool(x, k: 3, s: 2)
        return b.concat([b3, d, p])
    }

    static func c(_ b: inout B, _ x: Int, c7: Int) -> Int {
        let b1 = b.convBNReLU(x, 192, k: 1)
        var s = b.convBNReLU(x, c7, k: 1)
        s = b.convBNReLU(s, c7, k: (1, 7), p: (0, 3))
        s = b.convBNReLU(s, 192, k: (7, 1), p: (3, 0))
        var d = b.convBNReLU(x, c7, k: 1)
        d = b.convBNReLU(d, c7, k: (7, 1), p: (3, 0))
        d = b.convBNReLU(d, c7, k: (1, 7), p: (0, 3))
        d = b.convBNReLU(d, c7, k: (7, 1), p: (3, 0))
        d = b.convBNReLU(d, 192, k: (1, 7), p: (0, 3))
        let p = b.convBNReLU(b.avgPool(x, k: 3, s: 1, p: 1), 192, k: 1)
        return b.concat([b1, s, d, p])
    }

    static func dRed(_ b: inout B, _ x: Int) -> Int {
        let b3 = b.convBNReLU(b.convBNReLU(x, 192, k: 1), 320, k: 3, s: 2)
        var s = b.convBNReLU(x, 192, k: 1)
        s = b.convBNReLU(s, 192, k: (1, 7), p: (0, 3))
        s = b.convBNReLU(s, 192, k: (7, 1), p: (3, 0))
        s = b.convBNReLU(s, 192, k: 3, s: 2)
        let p = b.maxPool(x, k: 3, s: 2)
        return b.concat([b3, s, p])
    }

    static func e(_ b: inout B, _ x: Int) -> Int {
        let b1 = b.convBNReLU(x, 320, k: 1)
        let t = b.convBNReLU(x, 384, k: 1)
        let t2 = b.concat([b.convBNReLU(t, 384, k: (1, 3), p: (0, 1)), b.convBNReLU(t, 384, k: (3, 1), p: (1, 0))])
        let d = b.convBNReLU(b.convBNReLU(x, 448, k: 1), 384, k: 3, p: 1)
        let d2 = b.concat([b.convBNReLU(d, 384, k: (1, 3), p: (0, 1)), b.convBNReLU(d, 384, k: (3, 1), p: (1, 0))])
        let p = b.convBNReLU(b.avgPool(x, k: 3, s: 1, p: 1), 192, k: 1)
        return b.concat([b1, t2, d2, p])
    }

    static func build(batch: Int) -> Graph {
        var b = B(name: "inception_v3")
        var x = b.input([batch, 3, 299, 299])
        x = b.convBNReLU(x, 32, k: 3, s: 2)
        x = b.convBNReLU(x, 32, k: 3)
        x = b.convBNReLU(x, 64, k: 3, p: 1)
        x = b.maxPool(x, k: 3, s: 2)
        x = b.convBNReLU(x, 80, k: 1)
        x = b.convBNReLU(x, 192, k: 3)
        x = b.maxPool(x, k: 3, s: 2)
        x = b.scoped("Mixed_5b") { a(&$0, x, pool: 32) }
        x = b.scoped("Mixed_5c") { a(&$0, x, pool: 64) }
        x = b.scoped("Mixed_5d") { a(&$0, x, pool: 64) }
        x = b.scoped("Mixed_6a") { bRed(&$0, x) }
        x = b.scoped("Mixed_6b") { c(&$0, x, c7: 128) }
        x = b.scoped("Mixed_6c") { c(&$0, x, c7: 160) }
        x = b.scoped("Mixed_6d") { c(&$0, x, c7: 160) }
        x = b.scoped("Mixed_6e") { c(&$0, x, c7: 192) }
        x = b.scoped("Mixed_7a") { dRed(&$0, x) }
        x = b.scoped("Mixed_7b") { e(&$0, x) }
        x = b.scoped("Mixed_7c") { e(&$0, x) }
        x = b.flatten(b.adaptiveAvgPool(x))
        _ = b.linear(b.dropout(x), 1000)
        return b.build()
    }
}
