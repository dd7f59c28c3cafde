import Foundation

/// The list of op instances a catalog measurement covers: every distinct op of the chosen networks at the chosen
/// batch sizes and modes, then generic sweeps for networks convtop has never seen: convolutions (wide, grouped,
/// depthwise, narrow on large maps, strided for up-sampling, patchifying stems), batch norm and pooling (also on
/// large planes), linear layers at transformer shapes. One JSON
/// object per line, read by `Assets/catalog/measure_catalog.py`.
public struct CatalogManifest: Sendable {
    /// One op to measure: its signature and convtop's FLOPs and bytes for it (the catalog's neighbour distance).
    public struct Item: Sendable {
        public var signature: OpSignature
        public var flops: Double
        public var bytes: Double
        /// Where it came from: "resnet50 b32 training", or "sweep".
        public var source: String
    }
    public var items: [Item] = []
    private var seen: Set<String> = []

    public init() {}

    /// Adds every distinct op of `model` at each batch and mode (inference, and a training step with SGD).
    public mutating func addNetwork(_ model: String, batches: [Int], modes: [GraphMode], gpu: GPUSpec) throws {
        for batch in batches {
            for mode in modes {
                let graph = try ModelLoader.load(model, batch: batch, mode: mode)
                add(graph, source: "\(model) b\(batch) \(mode.rawValue)", gpu: gpu)
            }
        }
    }

    /// Adds the distinct ops of a built graph.
    public mutating func add(_ graph: Graph, source: String, gpu: GPUSpec, skipping: Set<OpFamily> = []) {
        let kg = Lowering.lower(graph, gpu: gpu)
        for node in graph.nodes {
            guard let sig = OpSignature.of(node, in: graph, precision: .tf32), !seen.contains(sig.key),
                  !skipping.contains(sig.family) else { continue }
            // (a transposed convolution's bias kernel is not part of its entry: `CatalogLowering.biasKernels`)
            let ks = kg.opKernels[node.id].dropLast(CatalogLowering.biasKernels(node)).map { kg.kernels[$0] }
            guard !ks.isEmpty else { continue }
            seen.insert(sig.key)
            items.append(Item(signature: sig, flops: ks.reduce(0) { $0 + $1.flops }, bytes: ks.reduce(0) { $0 + $1.bytes }, source: source))
        }
    }

    /// Orders the items so that a measurement cut short by its time budget has the most used first: networks' ops at
    /// `batches`, then their other batch sizes, then the sweep (stable within each group).
    public mutating func prioritise(batches: Set<Int>) {
        func rank(_ i: Item) -> Int { i.source == "sweep" ? 2 : (batches.contains(i.signature.batch) ? 0 : 1) }
        items = items.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    /// The manifest as JSON Lines: key, family, pass, parameters, FLOPs, bytes, source.
    public func jsonLines() -> String {
        items.map { item in
            let s = item.signature
            let params = s.params.map { "\"\($0.name)\":[\($0.value.map(String.init).joined(separator: ","))]" }.joined(separator: ",")
            return "{\"key\":\"\(s.key)\",\"family\":\"\(s.family.rawValue)\",\"pass\":\"\(s.pass.rawValue)\",\"params\":{\(params)},"
                + "\"flops\":\(Int(item.flops.rounded())),\"bytes\":\(Int(item.bytes.rounded())),\"source\":\"\(item.source)\"}"
        }.joined(separator: "\n") + "\n"
    }
}
