import Foundation

/// Dense convolutions at random shapes, the way users' networks bring them: any batch, channel count and map, not
/// the catalog's grid of powers of two and the zoo's layers. Measured on the H200 in session 19 and held out
/// (`Assets/calibration/round19/`, the "Convolutions at random shapes" table of `convtop validate`): the catalog's own
/// left-out check has neighbours on the same grid as the op it leaves out, so it cannot show how an off-grid shape is
/// priced.
///
/// It showed two things. cuDNN's vector alignment picks slower kernels for channels or 1×1 maps that are not multiples
/// of 4 (`OpSignature.vectorAligned`). And carrying neighbours' times over by the model's time beats carrying them over
/// by a roofline time (`KernelCatalog.nearEstimateUs`). Merged into the catalog as neighbours, these shapes took
/// round 7's layers at new shapes from 15.0% to 13.4% (median error), but its networks from 3.0% to 3.5% (median serial
/// error), so they stay out.
extension CatalogManifest {
    /// 1,300 random dense convolutions (all three passes, each after a ReLU as every sweep point), drawn in two runs:
    /// 1,000 with seed 19, then 300 with seed 1919.
    public mutating func addRandomShapeCheck(gpu: GPUSpec) {
        addRandomShapes(count: 1000, seed: 19, gpu: gpu)
        addRandomShapes(count: 300, seed: 1919, gpu: gpu)
    }

    /// One random dense convolution: batch log-uniform in 1–64; channels in and out each log-uniform in 8–2,048, four
    /// in five rounded to a multiple of 8 (as networks choose them); a square map log-uniform in 7–112; a 1×1 (45%),
    /// 3×3 (45%) or 5×5 (10%) window padded to keep the map; stride 2 one time in four. A draw over 2²⁶ elements in or
    /// out, or over 2·10¹¹ FLOPs, is drawn again.
    static func randomConvShape(_ rng: inout SplitMix64) -> (n: Int, cin: Int, cout: Int, hw: Int, k: Int, s: Int) {
        func logUniform(_ lo: Double, _ hi: Double) -> Int { Int((exp(log(lo) + rng.unit() * (log(hi + 1) - log(lo)))).rounded(.down)) }
        func channels() -> Int {
            let c = logUniform(8, 2048)
            return rng.unit() < 0.8 ? max(8, (c + 4) / 8 * 8) : c
        }
        while true {
            let n = logUniform(1, 64), cin = channels(), cout = channels(), hw = logUniform(7, 112)
            let u = rng.unit(), k = u < 0.45 ? 1 : (u < 0.9 ? 3 : 5)
            let s = rng.unit() < 0.25 ? 2 : 1
            let out = (hw + 2 * (k / 2) - k) / s + 1
            let flops = 2.0 * Double(n * cout * out * out) * Double(cin * k * k)
            if n * cin * hw * hw <= 1 << 26 && n * cout * out * out <= 1 << 26 && flops <= 2e11 {
                return (n, cin, cout, hw, k, s)
            }
        }
    }

    mutating func addRandomShapes(count: Int, seed: UInt64, gpu: GPUSpec) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<count {
            let c = Self.randomConvShape(&rng)
            addPoint([c.n, c.cin, c.hw, c.hw], gpu: gpu, source: "check") {
                $0.conv($1, c.cout, k: (c.k, c.k), s: (c.s, c.s), p: (c.k / 2, c.k / 2), name: "rs")
            }
        }
    }
}
