import Foundation

/// Which path cuDNN takes for a grouped convolution: its grouped kernels, or one group at a time
/// (`Lowering.groupByGroupConvolution`), several times slower. cuDNN's heuristics choose by width, groups, batch, map
/// and stride in no pattern a short rule holds (`Assets/catalog/h200/grouploop/`: 12–64 channels per group in 2–8
/// groups, batch 2–32, forward passes group by group in 345 of 686 shapes, data gradients in 289, weight gradients in
/// none), so the choice is read off the catalog's own measured grouped convolutions: a convolution takes the path
/// most of its nearest measured ones of the same pass, window and stride took.
public enum GroupPaths {
    /// One grouped convolution's shape, as the choice sees it.
    public struct Shape: Sendable, Hashable {
        public var pass: ConvPass
        public var window: Int, stride: Int
        public var width: Int, groups: Int, batch: Int, map: Int
    }

    /// A measured grouped convolution: its shape and whether it ran group by group.
    public struct Measured: Sendable {
        var shape: Shape
        var byGroup: Bool
        var key: String
        var features: (Double, Double, Double, Double) {
            (log(Double(max(shape.width, 1))), log(Double(max(shape.groups, 1))), log(Double(max(shape.batch, 1))), log(Double(max(shape.map, 1))))
        }
    }

    /// How many nearest measured shapes vote.
    /// (3: each measured grouped convolution predicted from the others, 3 voters got the path right in 95.6% of the
    /// H200 catalog's 3,840 in session 18, 5 in 92.8%, 7 in 93.8%, 1 in 90.3%, and on round 18's RegNets 3, 5 and 7
    /// gave the same times; with session 22's width weight and 4,137 measured, 3 voters 97.5%, 5 in 97.2%, 1 in 94.2%.)
    static let voters = 3

    /// How much the group width counts in the vote's distance against groups, batch and map (each 1). cuDNN's path
    /// follows the width most: each of the H200 catalog's 4,137 measured grouped convolutions predicted from the others
    /// (3 voters) comes out right in 95.2% with the width counted once, 97.2% at 1.5, 97.5% at 2, 97.6% at 3; counting
    /// groups, batch or map twice instead gives 89.3%, 95.2% and 94.9%. (Session 22: with the width counted once,
    /// RegNet-Y-3.2GF's 72-channel stage at batch 12 took its path from width 20 at batch 16, group by group, where
    /// width 24 at batch 16 and cuDNN at batch 12 ran one grouped kernel.)
    static let widthWeight = 2.0

    /// The shape of a grouped (not depthwise, not dense) convolution of square window and stride with as many channels
    /// out as in; nil for any other.
    static func shape(pass: ConvPass, input x: [Int], outChannels: Int, groups g: Int, window: (Int, Int), stride: (Int, Int)) -> Shape? {
        guard x.count == 4, g > 1, g < x[1], x[1] % g == 0, outChannels == x[1], window.0 == window.1, stride.0 == stride.1 else { return nil }
        return Shape(pass: pass, window: window.0, stride: stride.0, width: x[1] / g, groups: g, batch: x[0], map: x[2])
    }

    /// A convolution's shape, from its catalog signature.
    public static func shape(_ sig: OpSignature) -> Shape? {
        guard sig.family == .conv, let pass = ConvPass(sig.pass), let x = sig.value("x"), let g = sig.value("g")?.first,
              let cout = sig.value("cout")?.first, let k = sig.value("k"), k.count == 2, let s = sig.value("s"), s.count == 2 else { return nil }
        return shape(pass: pass, input: x, outChannels: cout, groups: g, window: (k[0], k[1]), stride: (s[0], s[1]))
    }

    /// A convolution's shape, from its attributes and input as the lowering sees them.
    static func shape(_ a: ConvAttributes, input: TensorShape, pass: ConvPass) -> Shape? {
        shape(pass: pass, input: input.dims, outChannels: a.outChannels, groups: a.groups, window: (a.kernelH, a.kernelW),
              stride: (a.strideH, a.strideW))
    }

    /// Whether a measured op ran group by group: cuDNN's generic transposes gather each group's slice. (Weight gradients
    /// that cuDNN runs a group at a time launch other kernels per group, `wgrad_alg0_engine` or layout transforms around
    /// a CUTLASS kernel; those are priced by their grouped neighbours, as before.)
    static func ranByGroup(_ kernels: [CatalogKernel]) -> Bool { ranByGroup(kernels.map(\.name)) }

    static func ranByGroup(_ names: [String]) -> Bool { names.contains { $0.containsBytes("genericTranspose") } }

    /// The catalog's measured grouped convolutions, in key order.
    static func measured(_ catalog: KernelCatalog) -> [Measured] {
        if let m = catalog.lock.withLock({ catalog.groupPathCache }) { return m }
        var out: [Measured] = []
        for key in catalog.allKeys.filter({ $0.hasPrefix("conv.") && !$0.containsBytes("|g=1|") }).sorted() {
            guard let sig = OpSignature(key: key), let shape = shape(sig), let names = catalog.kernelNames(key) else { continue }
            out.append(Measured(shape: shape, byGroup: ranByGroup(names), key: key))
        }
        catalog.lock.withLock { catalog.groupPathCache = out }
        return out
    }

    /// The path most of the `voters` nearest measured convolutions of the same pass, window and stride took (by the sum of
    /// |log ratio| of width, `widthWeight` times, groups, batch and map; ties to the key order), or nil where the catalog
    /// measured none such. A single image and a batch are apart too: no convolution of a single image ran group by group (none of the
    /// first grouped sweep's 48), while from 2 images most of the same shapes do. `excluding` leaves out one measured key
    /// (the leave-one-out check).
    public static func byGroup(_ s: Shape, catalog: KernelCatalog, excluding: String? = nil) -> Bool? {
        let f = Measured(shape: s, byGroup: false, key: "").features
        var best: [(d: Double, m: Measured)] = []
        for m in measured(catalog) where m.shape.pass == s.pass && m.shape.window == s.window && m.shape.stride == s.stride
            && (m.shape.batch == 1) == (s.batch == 1) && m.key != excluding {
            let g = m.features
            let d = widthWeight * abs(g.0 - f.0) + abs(g.1 - f.1) + abs(g.2 - f.2) + abs(g.3 - f.3)
            if best.count < voters || d < best[best.count - 1].d {
                best.append((d, m))
                best.sort { $0.d != $1.d ? $0.d < $1.d : $0.m.key < $1.m.key }
                if best.count > voters { best.removeLast() }
            }
        }
        guard !best.isEmpty else { return nil }
        return 2 * best.filter(\.m.byGroup).count > best.count
    }

    /// A query's shape class (`OpSignature.shapeClass`): a grouped convolution's path as the catalog's nearest measured
    /// ones ran it.
    public static func shapeClass(_ sig: OpSignature, catalog: KernelCatalog) -> String {
        sig.shapeClass(byGroup: shape(sig).flatMap { byGroup($0, catalog: catalog) })
    }

    /// `Lowering.runsGroupByGroup`'s rule, which a lowering without a catalog follows.
    static func rule(_ s: Shape) -> Bool {
        Lowering.runsGroupByGroup(inChannels: s.width * s.groups, outChannels: s.width * s.groups, groups: s.groups,
                                  window: (s.window, s.window), batch: s.batch, pass: s.pass)
    }

    /// How often a path comes out right: of `of` measured convolutions, `right` by the vote and `rule` by the rule alone.
    public struct Tally: Sendable { public var right = 0, rule = 0, of = 0 }

    /// The checks `convtop validate` prints: each of the catalog's measured grouped convolutions predicted from the
    /// others (left out), and those of a catalog never merged into it (`Assets/catalog/h200/oddgroups/`: 5–37 groups of
    /// 8, 16 and 24 channels, batch 8 and 32) predicted from the catalog, by pass. The rule column is
    /// `Lowering.runsGroupByGroup`'s.
    public static func check(_ catalog: KernelCatalog, heldOut: KernelCatalog?) -> (leftOut: [ConvPass: Tally], heldOut: [ConvPass: Tally]) {
        var left: [ConvPass: Tally] = [:], held: [ConvPass: Tally] = [:]
        for m in measured(catalog) {
            left[m.shape.pass, default: Tally()].of += 1
            if byGroup(m.shape, catalog: catalog, excluding: m.key) == m.byGroup { left[m.shape.pass]!.right += 1 }
            if rule(m.shape) == m.byGroup { left[m.shape.pass]!.rule += 1 }
        }
        for m in heldOut.map(measured) ?? [] {
            held[m.shape.pass, default: Tally()].of += 1
            if (byGroup(m.shape, catalog: catalog) ?? rule(m.shape)) == m.byGroup { held[m.shape.pass]!.right += 1 }
            if rule(m.shape) == m.byGroup { held[m.shape.pass]!.rule += 1 }
        }
        return (left, held)
    }
}
