/// Where an iteration's lost parallelism goes: the gap between the simulated iteration time and the critical-path
/// bound, split into causes.
///
/// The simulator records, for every kernel, when the host launched it, when its hardware queue issued it, when its
/// first block started and when it ended. Walking back from the last kernel to finish along the *realized* critical
/// path (each kernel's latest-finishing producer), every instant of the iteration falls in one
/// segment of one kernel: the modelled dependency gap and the kernel's time with unlimited SMs (what the bound
/// counts), or a delay with a cause — the host not having launched it, its queue busy with another stream's kernel,
/// the previous kernel of its stream when that is no producer of it (stream order), an event autograd recorded behind
/// other work (a training step's backward), the front end's latency, the
/// dispatcher serving an earlier grid or finding no room, extra waves on a finite GPU,
/// sharing SMs or DRAM with co-running kernels. The delays add up to the iteration time minus the ideal time of
/// that path; since the bound is the longest ideal path of the whole graph, the gap to the bound is at most that
/// sum, and each cause is scaled by the same factor so that the causes add up to the gap exactly.
public struct GapAttribution: Sendable {
    /// Delay by cause, in µs, after scaling to the gap.
    public var byCause: [LossCause: Double]
    /// The same before scaling (delays along the realized critical path).
    public var rawByCause: [LossCause: Double]
    public var iterationUs: Double
    public var criticalPathBoundUs: Double
    /// Kernels on the realized critical path, first to last.
    public var path: [Int]
    /// Unscaled delays of every kernel (indexed by kernel id), measured against its own latest predecessor.
    public var perKernel: [[LossCause: Double]]

    public var gapUs: Double { max(0, iterationUs - criticalPathBoundUs) }
    /// The factor applied to the path's delays so that they add up to the gap.
    public var scale: Double {
        let raw = Self.sum(rawByCause)
        return raw > 0 ? gapUs / raw : 0
    }

    /// Sum over causes in their declared order: dictionary order changes from run to run, and so would the last
    /// digits of a floating-point sum taken in it.
    static func sum(_ d: [LossCause: Double]) -> Double { LossCause.allCases.reduce(0) { $0 + (d[$1] ?? 0) } }

    public init(workload w: Workload, result r: IterationResult) {
        let ctx = KernelWaits(w, r)
        let n = w.kernels.kernels.count, recs = r.trace.kernels
        var per = Array(repeating: [LossCause: Double](), count: n)
        var binding = Array(repeating: -1, count: n)
        for k in 0..<n { (per[k], binding[k]) = ctx.causes(k) }
        // The realized critical path, from the last kernel to finish back to the start.
        var path: [Int] = []
        var k = (0..<n).max { recs[$0].end < recs[$1].end } ?? -1
        var raw: [LossCause: Double] = [:]
        while k >= 0 {
            path.append(k)
            for cause in LossCause.allCases { if let v = per[k][cause] { raw[cause, default: 0] += v } }
            k = binding[k]
        }
        path.reverse()
        rawByCause = raw
        perKernel = per
        iterationUs = r.trace.iterationTime
        criticalPathBoundUs = w.criticalPathUs
        self.path = path
        let total = Self.sum(raw)
        let g = max(0, r.trace.iterationTime - w.criticalPathUs)
        byCause = raw.mapValues { total > 0 ? $0 * g / total : 0 }
    }
}

/// What each kernel of a simulated iteration waited for and why it ran longer than alone on an idle GPU.
struct KernelWaits {
    let kg: KernelGraph, gpu: GPUSpec, recs: [KernelRecord], timing: TimingModel
    /// The gap after a dependency.
    let gap: Double
    /// Each kernel's predecessor on its stream in launch order (-1: none).
    let streamPred: [Int]
    /// Each kernel's waits on autograd's events beyond its producers (`AutogradEvents`).
    let events: [[Int]]

    init(_ w: Workload, _ r: IterationResult) {
        kg = w.kernels; gpu = w.gpu; recs = r.trace.kernels; timing = TimingModel(gpu: w.gpu)
        gap = w.scenario.launch == .graph ? gpu.kernelGapGraphUs : gpu.kernelGapEagerUs
        let graph = w.kernels, records = r.trace.kernels
        var pred = Array(repeating: -1, count: graph.kernels.count)
        var last: [Int: Int] = [:]
        for k in r.schedule.launchOrder.flatMap({ graph.opKernels[$0] }) {
            if let p = last[records[k].stream] { pred[k] = p }
            last[records[k].stream] = k
        }
        streamPred = pred
        events = AutogradEvents.extraDependencies(graph, schedule: r.schedule)
    }

    /// Grids waiting in the dispatcher: a kernel issued while an earlier one had not started, or a multi-wave
    /// earlier one was still running, waited behind it in order.
    func behindEarlierGrid(_ k: Int) -> Bool {
        let r = recs[k]
        for j in recs.indices where j != k {
            let o = recs[j]
            guard o.issued <= r.issued, o.end > r.issued, o.start <= r.start else { continue }
            if o.start > r.issued { return true }
            let fit = BlockFootprint(kernel: kg.kernels[j], gpu: gpu).blocksPerSM(gpu) * gpu.smCount
            if kg.kernels[j].blocks > fit && o.end > r.start { return true }
        }
        return false
    }

    /// Kernel `k`'s waits and slowdowns by cause, and the dependency that bound its start (-1: none). The walk
    /// follows data dependencies (the graph's own paths); a stream predecessor that is not a data dependency is a
    /// false dependency, charged as stream order.
    func causes(_ k: Int) -> ([LossCause: Double], Int) {
        let r = recs[k]
        var p = -1
        for d in kg.kernels[k].deps where p < 0 || recs[d].end > recs[p].end { p = d }
        var c: [LossCause: Double] = [:]
        // Before the first block: the dependency gap (ideal), autograd events, stream order, host, queue, latency,
        // dispatcher.
        let a = p >= 0 ? recs[p].end : 0
        let gapEnd = min(p >= 0 ? a + gap : a, r.start)
        let eventEnd = events[k].map { min(max(recs[$0].end, gapEnd), r.start) }.max() ?? gapEnd
        let sp = streamPred[k]
        let orderEnd = sp >= 0 && !kg.kernels[k].deps.contains(sp) ? min(max(recs[sp].end, eventEnd), r.start) : eventEnd
        let hostEnd = min(max(r.launched, orderEnd), r.start)
        let issueEnd = min(max(r.issued, hostEnd), r.start)
        // Launch latency: the front end's launch work, shared with the grids launching beside it.
        let latEnd = min(max(r.ready, issueEnd), r.start)
        c[.autogradEvents] = eventEnd - gapEnd
        c[.dependencies] = orderEnd - eventEnd
        c[.hostLaunch] = hostEnd - orderEnd
        c[.hardwareQueues] = issueEnd - hostEnd
        c[.launchLatency] = latEnd - issueEnd
        let dispatch = r.start - latEnd
        if dispatch > 0 { c[behindEarlierGrid(k) ? .inOrderDispatch : .smResources, default: 0] += dispatch }
        // Running: the bound's unlimited-SM time, extra waves, then sharing with co-running kernels.
        let exec = r.end - r.start
        let m = kg.measuredUs?[k]
        let unlimited = timing.unlimitedDuration(kg.kernels[k], measured: m)
        let standalone = m ?? timing.standaloneDuration(kg.kernels[k])
        let excess = max(0, exec - max(standalone, unlimited))
        let stretch = min(excess, r.corunStretch)
        let dram = min(excess - stretch, exec * r.dramStretch)
        c[.waves] = max(0, min(standalone, exec) - unlimited)
        c[.corunStretch] = stretch
        c[.memoryBandwidth] = dram
        c[.smResources, default: 0] += excess - stretch - dram
        return (c, p)
    }
}
