import Foundation

/// What a linear layer's weights cost when they come from DRAM, as in a network, rather than from the L2, as in the
/// catalog's repeats of one op (`Assets/catalog/<gpu>/linear_cold/`, measured by `measure_cold_linear.py`).
///
/// A replay of a network whose weights exceed the L2 finds each layer's weights evicted by everything it touched
/// since their last use. cuBLAS's FP32 tiles stream them through a shallow pipeline, so at a few hundred rows, where
/// a layer is one wave of a block or two per SM, every step of the K loop waits on DRAM instead of the L2: on the
/// H200 the 540 forward shapes of the linear sweep at 16-2,048 rows take a median 1.09-1.26× their warm time up to
/// 512 rows and 1.01× above. The extra time follows cuBLAS's tile choice more than the weights' bytes (Swin-T's
/// 196×384→384 projection: 8.5 µs warm, 14.2 in the network), so it is read off the nearest measured shapes, not a
/// formula: the median extra of the three nearest in log rows, inputs and outputs. Left out, it predicts the cold
/// time of the 144 ViT-S/B/L layers of `linear_check` (never merged) within a median 1.1%, where the warm time alone
/// is 5.3% short.
public struct ColdWeights: Sendable {
    /// One measured forward shape: rows × inputs → outputs, and the op's time with its weights warm and cold (µs).
    public struct Point: Sendable, Decodable {
        public var rows: Int, inputs: Int, outputs: Int
        public var warmUs: Double, coldUs: Double
        enum CodingKeys: String, CodingKey {
            case rows, inputs = "in", outputs = "out", warmUs = "warm_us", coldUs = "cold_us"
        }
        var features: (Double, Double, Double) { (log2(Double(rows)), log2(Double(inputs)), log2(Double(outputs))) }
    }

    public let points: [Point]
    /// Neighbours averaged, and the farthest (log₂ units, all three features) that counts.
    static let neighbours = 3
    static let maxDistance = 1.5
    /// The sweep's file inside the catalog's GPU folder.
    static let file = "cold_sweep.jsonl.gz"

    public init(points: [Point]) { self.points = points }

    /// The extra µs a forward linear layer of `rows` × `inputs` → `outputs` takes with its weights in DRAM; 0 when no
    /// measured shape is near.
    public func extraUs(rows: Int, inputs: Int, outputs: Int) -> Double {
        guard rows > 0, inputs > 0, outputs > 0 else { return 0 }
        let f = (log2(Double(rows)), log2(Double(inputs)), log2(Double(outputs)))
        let near = points.map { p -> (Double, Double) in
            let g = p.features
            let d = ((f.0 - g.0) * (f.0 - g.0) + (f.1 - g.1) * (f.1 - g.1) + (f.2 - g.2) * (f.2 - g.2)).squareRoot()
            return (d, p.coldUs - p.warmUs)
        }.filter { $0.0 <= Self.maxDistance }.sorted { $0.0 < $1.0 }.prefix(Self.neighbours).map(\.1)
        return near.isEmpty ? 0 : Self.median(Array(near))
    }

    static func median(_ v: [Double]) -> Double {
        let s = v.sorted(), n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }

    /// Whether a network's weights can stay in the L2 from one iteration to the next: not once they exceed it.
    public static func weightsCold(_ graph: Graph, gpu: GPUSpec, precision: Precision) -> Bool {
        Double(graph.parameters * precision.bytes) > Double(gpu.l2Bytes)
    }

    /// The table measured on the GPU a catalog was measured on (`Assets/catalog/<gpu>/linear_cold/`), if shipped.
    public static func forCatalog(_ catalog: KernelCatalog) -> ColdWeights? {
        loaded.get(catalog.gpuName) {
            let points = (try? MeasuredRuns.lines(file, as: Point.self, folder: "catalog", sub: "/\(catalog.gpuName)/linear_cold/")) ?? []
            return points.isEmpty ? nil : ColdWeights(points: points)
        }
    }

    private static let loaded = Memo<String, ColdWeights?>()
}
