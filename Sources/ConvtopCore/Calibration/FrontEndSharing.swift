import Foundation

/// Round 10 (Assets/calibration/round10/front_end_sharing_repeat.jsonl, `measure_front_end_sharing.py --repeat`): a chain of 512
/// one-block adds beside K streams that each run a chain of 20 one-block spin kernels. What the chain loses beside
/// them says which queues share the front end: a queue whose next kernel waits for its own stream's previous one
/// takes a share only for a short window after that kernel's launch (`GPUSpec.queuePollUs`), not while a long
/// kernel runs.
public enum FrontEndSharing {
    struct Record: Decodable {
        var phase: String, kind: String, connections: Int
        var sideStreams: Int?, adds: Int?, graphMs: Double?, emptyGraphMs: Double?
        var spins: Int?, spinUsAsked: Double?
        enum CodingKeys: String, CodingKey {
            case phase, kind, connections, adds, spins
            case sideStreams = "side_streams", graphMs = "graph_ms", emptyGraphMs = "empty_graph_ms"
            case spinUsAsked = "spin_us_asked"
        }
        /// µs per add (or per spin, for the spinners alone) after the graph's launch floor.
        var perKernelUs: Double? {
            guard let ms = graphMs, let floor = emptyGraphMs else { return nil }
            let n = (adds ?? 0) > 0 ? adds! : (spins ?? 0)
            return n > 0 ? (ms - floor) * 1000 / Double(n) : nil
        }
    }

    /// One case: µs per add beside `side` spinning streams, against the adds alone in the same process and phase,
    /// measured (medians of the five rounds) and simulated.
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
        try MeasuredRuns.required("front_end_sharing_repeat.jsonl", as: Record.self, sub: "/round10/")
    }

    static func median(_ v: [Double]) -> Double? { v.isEmpty ? nil : v.sorted()[v.count / 2] }

    /// The case as a graph: the add chain, then `side` chains of `spins` kernels stretched to `spinUs` each.
    static func trace(side: Int, spins: Int, spinUs: Double, adds: Int, connections: Int, gpu: GPUSpec) throws -> Trace {
        var b = GraphBuilder(name: "beside-spinners")
        var y = b.input([1, 1024, 1, 1], name: "adds")
        for _ in 0..<adds { y = b.relu(y) }
        for i in 0..<side {
            var z = b.input([1, 1024, 1, 1], name: "spinner\(i)")
            for _ in 0..<spins { z = b.relu(z, name: "spin") }
        }
        return try FidelityReport.benchmarkTrace(b.build(), streams: side + 1, connections: connections, gpu: gpu) {
            $0.name.hasPrefix("spin") ? spinUs : nil
        }
    }

    /// Every spinner case of the file, its measured figures the medians over the rounds, simulated on `gpu`.
    public static func rows(gpu: GPUSpec) throws -> [Row] {
        let recs = try records()
        struct Key: Hashable { var phase: String, connections: Int, side: Int, spin: Double }
        let keys = Array(Set(recs.compactMap { r -> Key? in
            guard r.kind == "spinners", let k = r.sideStreams, k > 0, let us = r.spinUsAsked else { return nil }
            return Key(phase: r.phase, connections: r.connections, side: k, spin: us)
        })).sorted { ($0.phase, $0.connections, $0.spin, $0.side) < ($1.phase, $1.connections, $1.spin, $1.side) }
        let adds = recs.first { ($0.adds ?? 0) > 0 }?.adds ?? 512
        let spins = recs.first { ($0.spins ?? 0) > 0 }?.spins ?? 20
        return try parallelMap(keys.count) { i -> Row? in
            let key = keys[i]
            let same = recs.filter { $0.phase == key.phase && $0.connections == key.connections }
            guard let phase = ProfilerEffect.Phase(rawValue: key.phase),
                  let beside = median(same.filter { $0.kind == "spinners" && $0.sideStreams == key.side && $0.spinUsAsked == key.spin }.compactMap(\.perKernelUs)),
                  let alone = median(same.filter { $0.kind == "spinners" && $0.sideStreams == 0 }.compactMap(\.perKernelUs)),
                  let spinUs = median(same.filter { $0.kind == "spinners_alone" && $0.sideStreams == 1 && $0.spinUsAsked == key.spin }.compactMap(\.perKernelUs))
            else { return nil }
            let gpu = gpu.inProcess(phase.process)
            let sim = try trace(side: key.side, spins: spins, spinUs: spinUs, adds: adds, connections: key.connections, gpu: gpu)
            let simAlone = try trace(side: 0, spins: spins, spinUs: spinUs, adds: adds, connections: key.connections, gpu: gpu)
            let per = { (t: Trace) in (t.iterationTime - gpu.graphDeviceStartUs) / Double(adds) }
            return Row(phase: phase, connections: key.connections, side: key.side, spinUs: spinUs, measuredUs: beside,
                       measuredAloneUs: alone, simulatedUs: per(sim), simulatedAloneUs: per(simAlone))
        }.compactMap { $0 }
    }
}
