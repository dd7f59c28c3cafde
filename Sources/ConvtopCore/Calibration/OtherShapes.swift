import Foundation

/// Round 7's held-out sets (Assets/calibration/round7, `measure_other_shapes.py`): torchvision networks at input
/// sizes (160–448) and batch sizes (2–48) nothing in convtop was fitted or catalogued on, several of them networks
/// in no earlier set, each exported with both of PyTorch's ONNX exporters where both succeeded. Every run is
/// simulated from each export; the conv layers at new shapes are checked one by one against what the lowering gives
/// them (catalog neighbours or the model alone). Round 18 (`measure_new_networks.py`) is a second such set of
/// networks no earlier set holds, in the same format; round 20 (`measure_odd_sizes.py`) a third, known networks at
/// input sizes that are not multiples of 32 and odd batch sizes, measured after session 19's changes as their check;
/// round 24 (`measure_large_networks.py`) a fourth, larger and newer networks (ResNet-152, ViT-L/16, Swin-B,
/// EfficientNet-B6 at 528 px, RegNet-Y-16GF, …) measured in session 21.
public enum OtherShapes {
    /// The rounds measured in this format, by folder.
    public enum Round: String, CaseIterable, Sendable {
        case round7, round18, round20, round24
    }

    /// One measured run of `runs.jsonl`.
    struct Run: Decodable {
        var network: String, input: Int, batch: Int, mode: String, onnx: String
        var serial: Double?, branch: Double?
        enum CodingKeys: String, CodingKey {
            case network, input, batch, mode, onnx, serial = "serial_graph_ms", branch = "branch_graph_ms"
        }
    }

    /// The ONNX exporters whose files round 7 kept, by file suffix.
    public enum Exporter: String, CaseIterable, Sendable {
        case torchScript = "ts17", dynamo = "dyn"
    }

    /// Assets/calibration, where rounds 7 and 9 keep their files.
    static func folder() throws -> String {
        guard let dir = AssetLocator.directory("calibration") else {
            throw ConvtopError(.model, "cannot find convtop's Assets/calibration folder; set CONVTOP_ASSETS to the Assets directory")
        }
        return dir
    }

    /// Every run simulated from every export of its network (label: network, input size, exporter, mode, batch).
    public static func run(_ round: Round = .round7, gpu: GPUSpec? = nil) throws -> [FidelityReport.NetworkRow] {
        let dir = try folder() + "/" + round.rawValue
        let g = try gpu ?? GPUCatalog.load("h200")
        let runs = (FileManager.default.contents(atPath: dir + "/runs.jsonl") ?? Data())
            .split(separator: UInt8(ascii: "\n")).compactMap { try? JSONDecoder().decode(Run.self, from: Data($0)) }
        var cases: [(file: String, label: String, batch: Int, mode: GraphMode, serial: Double, branch: Double?, clean: Bool)] = []
        for (n, r) in runs.enumerated() {
            guard let serial = r.serial else { continue }
            for e in Exporter.allCases {
                let file = dir + "/exported/\(r.onnx)__\(e.rawValue).onnx.gz"
                guard FileManager.default.fileExists(atPath: file) else { continue }
                let mode: GraphMode = r.mode == "training" ? .training : .inference
                // measure_other_shapes.py (and measure_new_networks.py) times every case in one process, each before
                // profiling it: the first was timed before PyTorch's profiler had run in that process, as no other was.
                cases.append((file, "\(r.network) \(r.input)px \(e.rawValue) \(r.mode) b\(r.batch)", r.batch, mode, serial, r.branch, n == 0))
            }
        }
        let list = cases
        return try parallelMap(list.count) { i in
            let c = list[i]
            return try FidelityReport.networkRow(model: c.file, label: c.label, batch: c.batch, mode: c.mode, serialMs: c.serial,
                                                 branchMs: c.branch, gpu: c.clean ? g.inCleanProcess : g, simulateBranch: false)
        }
    }

    /// One convolution at a new shape: its measured time and convtop's, and where convtop's time came from.
    public struct ConvRow: Sendable {
        public var key: String
        public var pass: OpPass
        public var measuredUs: Double, simulatedUs: Double
        /// The catalog's neighbours (`.near`) or the model alone (`.model`).
        public var origin: KernelOrigin
        public var error: Double { simulatedUs / measuredUs - 1 }
        /// Whether cuDNN can take the op's tensors in 16-byte vectors (`OpSignature.vectorAligned`).
        public var aligned: Bool { OpSignature(key: key)?.vectorAligned ?? true }
        /// Channels out (0 where the key does not say).
        public var outChannels: Int { OpSignature(key: key)?.value("cout")?.first ?? 0 }
    }

    /// Conv layers at new shapes measured in the catalog's format: round 7's 120 layers of every kind (forward, data and
    /// weight gradient), round 9's 40 dense 7×7 forward layers, the held-out check of the large-window rule that was
    /// read off round 7's (`Lowering.largeWindowConvolution`), and round 19's 1,300 dense convolutions at random shapes
    /// (`CatalogManifest.addRandomShapeCheck`; its file also holds the ReLU before each, which is left out here), and
    /// round 22's 1,368 across output-channel tile edges (`CatalogManifest.addTileEdgeCheck`, the same format).
    public enum ConvSet: String, CaseIterable, Sendable {
        case round7 = "round7/conv_ops.tsv.gz", round9 = "round9/large_window_convs.tsv.gz", round19 = "round19/random_convs.tsv.gz"
        case round22 = "round22/tile_edge_convs.tsv.gz"
    }

    /// The conv layers of `set` priced as a user's network would get them: lowered with the shipped catalog (none of
    /// these keys is in it), each kernel alone.
    public static func convRows(_ set: ConvSet = .round7, gpu: GPUSpec? = nil) throws -> [ConvRow] {
        let g = try gpu ?? GPUCatalog.load("h200")
        let measured = try CatalogFile.load(path: try folder() + "/" + set.rawValue).catalog.allEntries
        let source = CatalogSource.forGPU(g)
        let catalog = source.catalog
        let timing = TimingModel(gpu: g)
        let rows = try parallelMap(measured.count) { i -> ConvRow? in
            let e = measured[i]
            guard e.family == .conv, e.totalUs > 0, catalog?.entry(e.key) == nil, let (graph, node) = OpSignature(key: e.key)?.rebuilt()
            else { return nil }
            let kg = Lowering.lower(graph, gpu: g, precision: .tf32, catalog: source)
            let ks = kg.opKernels[node].map { kg.kernels[$0] }
            guard !ks.isEmpty else { return nil }
            return ConvRow(key: e.key, pass: e.pass, measuredUs: e.totalUs, simulatedUs: ks.reduce(0) { $0 + timing.standaloneDuration($1) },
                           origin: ks.contains { $0.origin == .near } ? .near : ks[0].origin)
        }
        return rows.compactMap { $0 }
    }
}
