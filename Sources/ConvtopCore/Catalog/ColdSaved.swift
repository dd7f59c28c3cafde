import Foundation

/// What a backward op costs when the tensors its forward op saved come from DRAM, as in a training step, rather than
/// from the L2, as in the catalog's repeats of one op (`Assets/catalog/<gpu>/backward_cold/`, measured by
/// `measure_cold_backward.py`).
///
/// A batch-norm backward reads the input its forward saved, a weight gradient the convolution's or linear layer's
/// input, a ReLU backward its output, a max-pool backward its input, a dropout backward its mask, a data gradient the
/// weights. In a step whose activations exceed the L2, everything written between the forward op and its backward op
/// has evicted them; only the incoming gradient, written by the kernel just before, is still in the L2. Batch-norm
/// backward kernels of one block per channel and ReLU backward kernels are latency-bound, and DRAM's latency is longer
/// than the L2's: on the H200 the sweep's 1,201 batch-norm backward shapes take a median 1.17× their warm time cold
/// (1.25× at batch 8-32, 1.02-1.04× from 64 up, where their inputs no longer fit the L2 even in the catalog), the
/// 1,599 ReLU backward shapes 1.25×, the weight and data gradients of convolutions 1.03× and 1.02×. The factor is
/// read off the op's own measurement where the sweep holds it, else the median of the three nearest measured ops of
/// its family, pass and shape class, by the catalog's neighbour distance.
///
/// A convolution's forward pass reads its weights, which a network whose weights exceed the L2 has evicted since
/// their last use (`ColdWeights.weightsCold`, the rule the linear layers' table follows), in a forward pass or a
/// training step: the sweep's 1,490 forward shapes, timed with the input hot and the weights cold, take a median
/// 1.056× their warm time at batch 1, 1.03× at batch 8 and 1.01× from 32 up.
public struct ColdSaved: Sendable {
    /// One measured op: its catalog key, and its time with what it saved warm and cold (µs).
    public struct Point: Sendable, Decodable {
        public var key: String
        public var warmUs: Double, coldUs: Double
        public init(key: String, warmUs: Double, coldUs: Double) { self.key = key; self.warmUs = warmUs; self.coldUs = coldUs }
        enum CodingKeys: String, CodingKey { case key, warmUs = "warm_us", coldUs = "cold_us" }
        /// Cold over warm, at least 1 and at most `maxRatio` (an edited table cannot make an op take forever).
        var ratio: Double { warmUs > 0 ? min(max(1, coldUs / warmUs), ColdSaved.maxRatio) : 1 }
    }

    /// A measured op placed by its catalog entry's neighbour features: its pool ("family.pass|shapeClass"), its layer
    /// (the key without the batch) and the catalog's distance features.
    struct Located: Sendable, Equatable {
        var pool: String, layerKey: String
        var logFlops: Double, logBytes: Double, logChannels: Double, logPositions: Double
    }

    let byKey: [String: Double]
    let pools: [String: [(located: Located, ratio: Double)]]
    /// Neighbours whose factor is taken, and the farthest that counts (per feature, as the catalog's).
    static let neighbours = 3
    static let maxDistance = 1.5
    /// The largest factor taken: the H200 sweep's largest is 2.21 (ImageNet's classifier's data gradient at batch 2).
    static let maxRatio = 4.0
    /// The measurement inside the catalog's GPU folder (every op's kernels, warm and cold), and the table convtop reads:
    /// a line per op, its key, warm and cold µs and, where the catalog holds the op, its pool, layer and distance
    /// features (`tableText`; placing 6,570 ops from their catalog entries at start-up cost a training simulation 0.1 s).
    static let file = "cold_sweep.jsonl.gz"
    static let table = "cold_table.tsv.gz"

    init(rows: [(point: Point, located: Located?)]) {
        var byKey: [String: Double] = [:], pools: [String: [(located: Located, ratio: Double)]] = [:]
        for r in rows {
            byKey[r.point.key] = r.point.ratio
            if let l = r.located { pools[l.pool, default: []].append((l, r.point.ratio)) }
        }
        self.byKey = byKey
        self.pools = pools
    }

    /// Whether the sweep measures this family and pass at all: backward ops that read what their forward saved, and
    /// convolutions' forward passes (their weights).
    public static func measures(_ sig: OpSignature) -> Bool {
        switch (sig.family, sig.pass) {
        case (.batchnorm, .backward), (.relu, .backward), (.pool, .backward), (.dropout, .backward),
             (.conv, .wgrad), (.conv, .dgrad), (.linear, .wgrad), (.linear, .dgrad), (.conv, .forward): return true
        default: return false
        }
    }

    /// Cold time over warm time for the op `sig` of modelled `flops` and `bytes` (1 where the sweep does not reach), its
    /// neighbours taken from `shapeClass` (the signature's own by default; `GroupPaths.shapeClass` with a catalog).
    public func ratio(_ sig: OpSignature, shapeClass: String? = nil, flops: Double, bytes: Double) -> Double {
        guard Self.measures(sig) else { return 1 }
        if let r = byKey[sig.key] { return r }
        let f = sig.logShape, cls = shapeClass ?? sig.shapeClass
        func near(_ cls: String) -> Double? {
            nearestRatio(pool: "\(sig.family.rawValue).\(sig.pass.rawValue)|\(cls)", family: sig.family, logFlops: log(max(flops, 1)),
                         logBytes: log(max(bytes, 1)), logChannels: f.channels, logPositions: f.positions)
        }
        return near(cls) ?? OpSignature.alignedClass(of: cls).flatMap(near) ?? 1
    }

    /// The median factor of the nearest measured ops of a pool (family, pass and shape class), leaving out one layer
    /// (all its batch sizes) when asked: the held-out check (`ColdSavedCheck`). Nil with none within the distance.
    func nearestRatio(pool key: String, family: OpFamily, logFlops lf: Double, logBytes lb: Double, logChannels: Double,
                      logPositions: Double, excludingLayer: String? = nil) -> Double? {
        let limit = KernelCatalog.distanceLimit(family, maxDistance: Self.maxDistance)
        var near: [(d: Double, ratio: Double)] = []
        for (p, ratio) in pools[key] ?? [] where p.layerKey != excludingLayer {
            let d = KernelCatalog.distance(family, (lf, lb, logChannels, logPositions), (p.logFlops, p.logBytes, p.logChannels, p.logPositions))
            if d <= limit { near.append((d, ratio)) }
        }
        near.sort { $0.d != $1.d ? $0.d < $1.d : $0.ratio < $1.ratio }
        let nearest = near.prefix(Self.neighbours).map(\.ratio)
        return nearest.isEmpty ? nil : ColdWeights.median(Array(nearest))
    }

    /// Per node: whether what it reads beyond its fresh input is out of the L2 when it runs. A backward op of a
    /// training step: more bytes were written between its forward op and itself than the L2 holds (outputs of every
    /// op that makes a tensor; views write none). A convolution's forward pass: the network's weights exceed the L2.
    /// False for every other node.
    public static func coldNodes(_ graph: Graph, gpu: GPUSpec, precision: Precision) -> [Bool] {
        let weightsCold = ColdWeights.weightsCold(graph, gpu: gpu, precision: precision)
        // (bytes written before each node, a training step's only)
        var written = [0.0]
        if graph.mode == .training {
            written.reserveCapacity(graph.nodes.count + 1)
            for n in graph.nodes {
                let makes: Bool
                switch n.kind {
                case .input, .view, .flatten, .gradientView, .external: makes = false
                default: makes = true
                }
                written.append(written.last! + (makes ? Double(n.shape.elements * precision.bytes) : 0))
            }
        }
        let l2 = Double(gpu.l2Bytes)
        return graph.nodes.map { n in
            if case .conv = n.kind { return weightsCold }
            guard graph.mode == .training, n.phase == .backward, let f = n.forwardOf, f < n.id else { return false }
            return written[n.id] - written[f + 1] > l2
        }
    }

    /// A measured op placed by `catalog`'s entry of the same key (nil where the catalog lacks it).
    static func located(_ key: String, catalog: KernelCatalog) -> Located? {
        catalog.entry(key).map { e in
            Located(pool: "\(e.family.rawValue).\(e.pass.rawValue)|\(e.shapeClass)", layerKey: e.layerKey, logFlops: e.logFlops,
                    logBytes: e.logBytes, logChannels: e.logChannels, logPositions: e.logPositions)
        }
    }

    /// The table's text for measured points placed by `catalog` (what `cold_table.tsv.gz` holds, gzipped).
    public static func tableText(points: [Point], catalog: KernelCatalog) -> String {
        points.map { p in
            var fields = [p.key, String(p.warmUs), String(p.coldUs)]
            if let l = located(p.key, catalog: catalog) {
                fields += [l.pool, l.layerKey] + [l.logFlops, l.logBytes, l.logChannels, l.logPositions].map { String($0) }
            }
            return fields.joined(separator: "\t") + "\n"
        }.joined()
    }

    /// The table's rows for a catalog's GPU (none where it is missing or unreadable).
    static func tableRows(gpu: String) -> [(point: Point, located: Located?)] {
        guard let dir = AssetLocator.directory("catalog"),
              let raw = FileManager.default.contents(atPath: dir + "/\(gpu)/backward_cold/" + table),
              let bytes = try? Inflate.gunzip([UInt8](raw)) else { return [] }
        return bytes.split(separator: UInt8(ascii: "\n")).compactMap { line -> (point: Point, located: Located?)? in
            let f = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard f.count == 3 || f.count == 9, let warm = Double(f[1]), let cold = Double(f[2]), warm.isFinite, cold.isFinite else { return nil }
            let point = Point(key: f[0], warmUs: warm, coldUs: cold)
            guard f.count == 9 else { return (point, nil) }
            let v = f[5...8].compactMap(Double.init)
            guard v.count == 4, v.allSatisfy(\.isFinite) else { return (point, nil) }
            return (point, Located(pool: f[3], layerKey: f[4], logFlops: v[0], logBytes: v[1], logChannels: v[2], logPositions: v[3]))
        }
    }

    /// The table measured on the GPU a catalog was measured on (`Assets/catalog/<gpu>/backward_cold/`), if shipped;
    /// a measurement without its table (another GPU's, just measured) is placed from the catalog here, more slowly.
    public static func forCatalog(_ catalog: KernelCatalog) -> ColdSaved? {
        loaded.get(catalog.gpuName) {
            var rows = tableRows(gpu: catalog.gpuName)
            if rows.isEmpty {
                let points = (try? MeasuredRuns.lines(file, as: Point.self, folder: "catalog", sub: "/\(catalog.gpuName)/backward_cold/")) ?? []
                rows = points.map { ($0, located($0.key, catalog: catalog)) }
            }
            return rows.isEmpty ? nil : ColdSaved(rows: rows)
        }
    }

    private static let loaded = Memo<String, ColdSaved?>()
}
