import Foundation

/// The concurrency sets measured again on a second H200 lease (`Assets/calibration/round4/`, made by
/// `measure_device_side.py`): each CUDA Graph replay timed on the device alone (a spin kernel hides the host's
/// launch), in two passes over the whole set. Pass 0 is the measurement; pass 1 says how well a case repeats.
public enum DeviceSideRuns {
    struct ChainRecord: Decodable {
        var kind: String
        var pass: Int
        var batch: Int, channels: Int, map: Int, kernel: Int
        var depth: Int?, memElements: Int?
        var oneChain: Double?, serial2: Double?, streams2: Double?, serial4: Double?, streams4: Double?, serial: Double?
        enum CodingKeys: String, CodingKey {
            case kind, pass, batch, channels, map, kernel, depth
            case memElements = "mem_elements", oneChain = "one_chain_device_ms", serial2 = "serial2_device_ms"
            case streams2 = "streams2_device_ms", serial4 = "serial4_device_ms", streams4 = "streams4_device_ms"
            case serial = "serial_device_ms"
        }
    }

    struct FrontEndRecord: Decodable {
        var kind: String
        var pass: Int
        var blocks: Int?, streams: Int?, kernels: Int?
        var graph: Double?, emptyGraph: Double?
        enum CodingKeys: String, CodingKey {
            case kind, pass, blocks, streams, kernels
            case graph = "graph_device_ms", emptyGraph = "empty_graph_device_ms"
        }
    }

    struct NetworkRecord: Decodable {
        var model: String, batch: Int, mode: String, pass: Int
        var serial: Double?, branch: Double?
        enum CodingKeys: String, CodingKey {
            case model, batch, mode, pass
            case serial = "serial_graph_device_ms", branch = "branch_graph_device_ms"
        }
    }

    /// Convolution chains (and a convolution beside memory-bound kernels) of one pass, device-side times.
    public static func chains(pass: Int) throws -> [MeasuredRuns.Chains] {
        try MeasuredRuns.lines("pairs.jsonl", as: ChainRecord.self, sub: "/round4/").filter { $0.pass == pass }.map { r in
            MeasuredRuns.Chains(kind: r.kind, batch: r.batch, channels: r.channels, map: r.map, kernel: r.kernel, depth: r.depth,
                                oneChainMs: r.oneChain, serial2Ms: r.serial2, streams2Ms: r.streams2, serial4Ms: r.serial4,
                                streams4Ms: r.streams4, memElements: r.memElements, serialMs: r.serial)
        }
    }

    /// Front-end cases of one pass: µs per kernel after the pass's empty-graph floor.
    public static func frontEnd(pass: Int) throws -> [MeasuredRuns.FrontEnd] {
        let rows = try MeasuredRuns.lines("frontend.jsonl", as: FrontEndRecord.self, sub: "/round4/").filter { $0.pass == pass }
        let floor = rows.first { $0.kind == "floor" }?.emptyGraph ?? 0
        return rows.compactMap { r in
            guard r.kind == "frontend", let graph = r.graph, let kernels = r.kernels, kernels > 0 else { return nil }
            return MeasuredRuns.FrontEnd(kind: r.kind, blocks: r.blocks, streams: r.streams, kernels: kernels,
                                         perKernelUs: (graph - floor) * 1000 / Double(kernels), kernelUs: nil)
        }
    }

    /// The device's own start-up of a graph replay in one pass (µs): where two chains' time (`serial2`) and one
    /// chain's (`oneChain`) extrapolate to no chain at all, the median over every chain shape. The host's launch is
    /// not in it (device-side timing leaves it out), so a simulation compared with these sets takes this in place
    /// of the profile's host cost of a replay.
    public static func graphFloorUs(pass: Int) throws -> Double {
        let floors = try chains(pass: pass).compactMap { c -> Double? in
            guard c.kind == "conv_chains", let one = c.oneChainMs, let two = c.serial2Ms else { return nil }
            return (2 * one - two) * 1000
        }.sorted()
        guard !floors.isEmpty else { return 0 }
        return max(0, floors[floors.count / 2])
    }

    /// Network forward passes of one pass (serial and branch rule), device-side times.
    public static func networks(pass: Int) throws -> [MeasuredRuns.Network] {
        try MeasuredRuns.lines("inference.jsonl", as: NetworkRecord.self, sub: "/round4/").filter { $0.pass == pass }.map { r in
            MeasuredRuns.Network(model: r.model, batch: r.batch, mode: r.mode, serialGraphMs: r.serial, branchGraphMs: r.branch,
                                 serialEagerMs: nil, branchEagerMs: nil, kernels: nil, kernelSumUs: nil)
        }
    }
}
