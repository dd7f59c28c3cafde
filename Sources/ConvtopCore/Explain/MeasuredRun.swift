/// What a profiler trace shows about the run it recorded: where the GPU sat idle (the host could not keep it busy),
/// how many streams did work, and how much independent work ran back to back on one stream.
public struct MeasuredRun: Sendable {
    /// First kernel start to last kernel end (µs).
    public var spanUs: Double
    /// Time at least one kernel ran, and its complement within the span (host gaps, waits).
    public var gpuBusyUs: Double
    public var gpuIdleUs: Double { max(0, spanUs - gpuBusyUs) }
    /// Sum of kernel durations over busy time: the concurrency the run achieved.
    public var achievedConcurrency: Double
    /// Streams that ran kernels, and those busy less than 5% of the span.
    public var streams: Int, nearlyIdleStreams: Int
    /// Kernels that followed an independent kernel on the same stream (they could have overlapped), and their time.
    public var serialisedKernels: Int, serialisedUs: Double
    /// Whether independence could be checked (the op graph of very large traces is skipped).
    public var checkedIndependence: Bool

    public init(trace t: ProfilerTrace, kernels kg: KernelGraph) {
        let ks = t.kernels
        let start = ks.map(\.start).min() ?? 0
        let span = t.spanUs
        spanUs = span
        var busy = 0.0, cursor = start
        for k in ks.sorted(by: { $0.start < $1.start }) {
            let end = k.start + k.duration
            if end > cursor { busy += end - max(cursor, k.start); cursor = end }
        }
        gpuBusyUs = busy
        achievedConcurrency = busy > 0 ? t.kernelTimeUs / busy : 0
        var perStream: [Int: Double] = [:]
        for k in ks { perStream[k.stream, default: 0] += k.duration }
        streams = perStream.count
        nearlyIdleStreams = perStream.values.filter { $0 < 0.05 * max(span, 1e-9) }.count
        // Independence at op level: an op that does not (transitively) depend on the previous kernel's op.
        let g = kg.graph
        let checkable = g.nodes.count <= 5000 && kg.kernels.count == ks.count
        checkedIndependence = checkable
        var count = 0, time = 0.0
        if checkable, let order = try? DAG(predecessors: g.nodes.map(\.inputs)).order {
            let reach = BitMatrix.reachability(successors: g.successors(), order: order)
            var lastOnStream: [Int: Int] = [:]
            for (i, k) in ks.enumerated().sorted(by: { $0.element.start < $1.element.start }) {
                if let p = lastOnStream[k.stream] {
                    let a = kg.kernels[p].op, b = kg.kernels[i].op
                    if a != b && !reach.get(a, b) { count += 1; time += k.duration }
                }
                lastOnStream[k.stream] = i
            }
        }
        serialisedKernels = count
        serialisedUs = time
    }
}
