import Foundation

/// Round 10 (Assets/calibration/round10/front_end_sharing.jsonl, `measure_front_end_sharing.py`): a chain of 512
/// one-block adds beside K streams that each run a chain of 20 one-block spin kernels. What the chain loses beside
/// them says which queues share the front end: a queue whose next kernel waits for its own stream's previous one
/// takes a share only for a short window after that kernel's launch (`GPUSpec.queuePollUs`), not while a long
/// kernel runs.
public enum FrontEndSharing {
    struct Record: Decodable {
        var phase: String, kind: String, connections: Int
        var sideStreams: Int?, adds: Int?, graphMs: Double?, emptyGraphMs: Double?
        var spins: Int?, spinnersAloneMs: Double?, blocks: Int?, streams: Int?
        enum CodingKeys: String, CodingKey {
            case phase, kind, connections, adds, spins, blocks, streams
            case sideStreams = "side_streams", graphMs = "graph_ms", emptyGraphMs = "empty_graph_ms"
            case spinnersAloneMs = "spinners_alone_ms"
        }
    }

    /// One case: µs per add beside `side` spinning streams, against the chain alone in the same process and phase
    /// (`aloneMs`), measured and simulated.
    public struct Row: Sendable {
        public var phase: ProfilerEffect.Phase
        public var connections: Int
        public var side: Int
        /// One spin kernel's measured duration (the spinners' chains alone, per kernel).
        public var spinUs: Double
        public var measuredUs: Double, measuredAloneUs: Double
        public var simulatedUs: Double, simulatedAloneUs: Double
        public var measuredRatio: Double { measuredUs / measuredAloneUs }
        public var simulatedRatio: Double { simulatedUs / simulatedAloneUs }
    }

    static func records() throws -> [Record] {
        guard let dir = AssetLocator.directory("calibration/round10"),
              let data = FileManager.default.contents(atPath: dir + "/front_end_sharing.jsonl") else {
            throw ConvtopError(.model, "cannot find Assets/calibration/round10/front_end_sharing.jsonl; set CONVTOP_ASSETS to the Assets directory")
        }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONDecoder().decode(Record.self, from: Data($0)) }
    }

    /// The case as a graph: the add chain, then `side` chains of `spins` kernels stretched to `spinUs` each.
    static func trace(side: Int, spins: Int, spinUs: Double, adds: Int, connections: Int, gpu: GPUSpec) throws -> Trace {
        var b = GraphBuilder(name: "beside-spinners")
        var y = b.input([1, 1024, 1, 1], name: "adds")
        for _ in 0..<adds { y = b.relu(y) }
        for i in 0..<side {
            var z = b.input([1, 1024, 1, 1], name: "spinner\(i)")
            for _ in 0..<spins { z = b.relu(z, name: "spin") }
        }
        var sc = Scenario()
        sc.gpu = gpu.name; sc.streams = side + 1; sc.launch = .graph; sc.connections = connections
        var kg = Lowering.lower(b.build(), gpu: gpu, precision: sc.precision, catalog: Workload.catalog(sc, gpu))
        let timing = TimingModel(gpu: gpu)
        for i in kg.kernels.indices {
            kg.kernels[i].inPlace = true
            if kg.graph.nodes[kg.kernels[i].op].name.hasPrefix("spin") {
                kg.kernels[i].origin = .model
                kg.kernels[i].timeScale = 1
                kg.kernels[i].timeScale = timing.timeScale(kg.kernels[i], toUs: spinUs)
            }
        }
        let w = try Workload(kernels: kg, scenario: sc, gpu: gpu, structureSource: nil, trace: nil)
        return try w.simulate(side == 0 ? .serial : .branch, recordBlocks: false).1
    }

    /// The add chain alone in one process and phase: the median over every graph of the file whose adds run
    /// alone for all their length (no spinners, the waiting streams' adds after it, the front-end benchmark's one
    /// chain). The first of them timed in each phase came out up to 18% faster than the others, hence a median.
    static func aloneMs(_ recs: [Record], phase: String, connections: Int) -> Double? {
        let alone = recs.filter { r in
            r.phase == phase && r.connections == connections &&
                ((r.kind == "spinners" && r.sideStreams == 0) || r.kind == "waiters" || (r.kind == "frontend" && r.blocks == 1 && r.streams == 1))
        }.compactMap(\.graphMs).sorted()
        return alone.isEmpty ? nil : alone[alone.count / 2]
    }

    /// Every spinner case of the file that has its chain-alone case in the same process and phase, simulated on `gpu`.
    public static func rows(gpu: GPUSpec) throws -> [Row] {
        let recs = try records()
        let cases = recs.filter { $0.kind == "spinners" && ($0.sideStreams ?? 0) > 0 }
        return try parallelMap(cases.count) { i -> Row? in
            let r = cases[i]
            guard let phase = ProfilerEffect.Phase(rawValue: r.phase), let side = r.sideStreams, let adds = r.adds,
                  let spins = r.spins, let alone = r.spinnersAloneMs, let ms = r.graphMs, let floor = r.emptyGraphMs,
                  let baseMs = aloneMs(recs, phase: r.phase, connections: r.connections) else { return nil }
            let spinUs = (alone - floor) * 1000 / Double(spins)
            let sim = try trace(side: side, spins: spins, spinUs: spinUs, adds: adds, connections: r.connections, gpu: gpu)
            let simAlone = try trace(side: 0, spins: spins, spinUs: spinUs, adds: adds, connections: r.connections, gpu: gpu)
            let per = { (t: Trace) in (t.iterationTime - gpu.graphLaunchUs) / Double(adds) }
            return Row(phase: phase, connections: r.connections, side: side, spinUs: spinUs,
                       measuredUs: (ms - floor) * 1000 / Double(adds), measuredAloneUs: (baseMs - floor) * 1000 / Double(adds),
                       simulatedUs: per(sim), simulatedAloneUs: per(simAlone))
        }.compactMap { $0 }
    }
}
