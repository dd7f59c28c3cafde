import Foundation

/// Round 12 (Assets/calibration/round12/graph_replay.jsonl, `measure_graph_replay.py`): what a CUDA Graph replay
/// costs by graph size, on graphs nobody fitted — chains of one-block adds on one or four streams, and a spin kernel
/// followed by adds — in a process that has not run PyTorch's profiler and in one that has. Each graph's host call
/// (wall clock around the replay), its replay timed by CUDA events from an idle GPU (what `convtop validate`'s other
/// sets measure) and its time on the device alone (behind a spin kernel, the host's call hidden).
public enum GraphReplay {
    /// The measured graph's shape.
    public enum Shape: String, Sendable {
        /// `kernels` one-block in-place adds on one stream.
        case adds
        /// The same adds as four independent chains on four streams.
        case fourChains = "adds4"
        /// One one-block spin kernel, then `kernels` adds on its stream.
        case spin
    }

    struct Record: Decodable {
        var kind: String, state: String?, kernels: Int?, streams: Int?
        var spinUs: Double?, spinAloneMs: Double?
        var hostCallUs: Double?, replayMs: Double?, deviceMs: Double?
        enum CodingKeys: String, CodingKey {
            case kind, state, kernels, streams
            case spinUs = "spin_us", spinAloneMs = "spin_alone_ms", hostCallUs = "host_call_us", replayMs = "replay_ms", deviceMs = "device_ms"
        }
    }

    /// One graph in one process state: the medians of its rounds, and its replay as the GPU profile simulates it.
    public struct Row: Sendable {
        public var phase: ProfilerEffect.Phase
        public var shape: Shape
        public var kernels: Int
        /// The spin kernel's time alone on the device (spin graphs only).
        public var spinUs: Double?
        public var hostCallUs: Double, replayUs: Double, deviceUs: Double
        public var simulatedUs: Double
        public var error: Double { simulatedUs / replayUs - 1 }
        public var label: String {
            switch shape {
            case .adds: return "\(kernels) adds, 1 stream"
            case .fourChains: return "\(kernels) adds, 4 streams"
            case .spin: return String(format: "%.0f µs spin + %d adds", spinUs ?? 0, kernels)
            }
        }
    }

    static func records() throws -> [Record] {
        try MeasuredRuns.required("graph_replay.jsonl", as: Record.self, sub: "/round12/") { $0.kind != "device" }
    }

    /// A replay of `shape` simulated as measured: one-block in-place adds (the front-end benchmark's kernels, at
    /// `addUs`, their profiled time there), the spin kernel stretched to its measured time, one stream per chain.
    static func simulatedUs(_ shape: Shape, kernels: Int, spinUs: Double?, addUs: Double?, gpu: GPUSpec) throws -> Double {
        switch shape {
        case .adds, .fourChains:
            let streams = shape == .adds ? 1 : 4
            return try FidelityReport.frontEndTrace(blocks: 1, streams: streams, kernels: kernels, gpu: gpu, kernelUs: addUs).iterationTime
        case .spin:
            var b = GraphBuilder(name: "spin-then-adds")
            var y = b.relu(b.input([1, 1024, 1, 1], name: "x"), name: "spin")
            for _ in 0..<kernels { y = b.relu(y) }
            return try FidelityReport.benchmarkTrace(b.build(), streams: 1, gpu: gpu) { $0.name == "spin" ? spinUs ?? 0 : addUs }.iterationTime
        }
    }

    /// The profiled time (µs) of the front-end benchmark's one-block add (`Assets/calibration/round3/frontend.jsonl`),
    /// the kernel round 12's graphs chain: `torch.zeros(1024).add_(1.0)` in both scripts.
    static func oneBlockAddUs() throws -> Double? {
        try MeasuredRuns.frontEnd().first { $0.blocks == 1 }?.kernelUs
    }

    /// Every graph of the file in each process state, measured (medians over the rounds) and simulated on `gpu`.
    public static func rows(gpu: GPUSpec) throws -> [Row] {
        let recs = try records()
        struct Key: Hashable { var state: String, kind: String, kernels: Int, spin: Double }
        var seen: [Key] = []
        for r in recs {
            guard let state = r.state, let n = r.kernels else { continue }
            let k = Key(state: state, kind: r.kind, kernels: n, spin: r.spinUs ?? 0)
            if !seen.contains(k) { seen.append(k) }
        }
        let keys = seen
        let addUs = try oneBlockAddUs()
        return try parallelMap(keys.count) { i -> Row? in
            let k = keys[i]
            guard let shape = Shape(rawValue: k.kind) else { return nil }
            let same = recs.filter { $0.state == k.state && $0.kind == k.kind && $0.kernels == k.kernels && ($0.spinUs ?? 0) == k.spin }
            let spinUs = FrontEndSharing.median(same.compactMap(\.spinAloneMs)).map { $0 * 1000 }
            guard let host = FrontEndSharing.median(same.compactMap(\.hostCallUs)), let replay = FrontEndSharing.median(same.compactMap(\.replayMs)),
                  let device = FrontEndSharing.median(same.compactMap(\.deviceMs)) else { return nil }
            let phase: ProfilerEffect.Phase = k.state == ProcessState.clean.rawValue ? .before : .after
            return Row(phase: phase, shape: shape, kernels: k.kernels, spinUs: spinUs,
                       hostCallUs: host, replayUs: replay * 1000, deviceUs: device * 1000,
                       simulatedUs: try simulatedUs(shape, kernels: k.kernels, spinUs: spinUs, addUs: addUs, gpu: gpu.inProcess(phase.process)))
        }.compactMap { $0 }
    }
}
