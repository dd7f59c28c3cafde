import ConvtopCore

/// State of an op at an instant of playback.
/// Where an op is at an instant: inputs pending, inputs done, launched and queued in the in-order dispatcher (no block
/// on an SM yet), running, done.
public enum OpState: Sendable, Hashable { case waiting, ready, queued, running, done }

/// Derived, read-only views of one simulated iteration for playback: lanes, op states, SM occupancy at an instant,
/// and parallelism over time. Built once per iteration; every query is cheap enough for 30 frames a second.
public struct PlaybackIndex: Sendable {
    public let iterationUs: Double
    public let streams: [Int]
    /// Kernel records per stream, by start time.
    public let lanes: [Int: [KernelRecord]]
    /// Sorted distinct kernel start/end times, for stepping event by event.
    public let eventTimes: [Double]
    public let opStart: [Double], opEnd: [Double], opReady: [Double]
    /// From when each op's first grid waited in the dispatcher (infinity: it never waited beyond the routine).
    public let opQueuedFrom: [Double]
    /// Grids that waited in the dispatcher beyond the launch latency and grid pacing every grid passes, as spans from
    /// when they could have started to their first block.
    public let queuedSpans: [(issued: Double, start: Double, stream: Int)]
    /// Samples over the iteration: ops ready or running (available) and kernels running (exploited).
    public let available: [Int], exploited: [Int]
    let groups: [BlockGroup]
    let buckets: [[Int32]]
    let bucketUs: Double
    let kernelStream: [Int]
    /// Index into `streams` of each kernel's stream.
    let laneOfKernel: [Int]
    let regions: [ForkJoinRegion]
    let regionOfOp: [Int?]
    /// Ops that launch kernels (computed once: the branch panel asks every frame).
    public let activeOps: [Int]

    let smCount: Int
    let maxWarps: Int

    public static let samples = 256

    public init(workload w: Workload, result r: IterationResult) {
        let t = r.trace
        let kg = w.kernels
        iterationUs = max(t.iterationTime, 1e-6)
        smCount = w.gpu.smCount
        maxWarps = w.gpu.maxWarpsPerSM
        var lanes: [Int: [KernelRecord]] = [:]
        for k in t.kernels { lanes[k.stream, default: []].append(k) }
        for key in lanes.keys { lanes[key]!.sort { $0.start < $1.start } }
        self.lanes = lanes
        streams = lanes.keys.sorted()
        kernelStream = t.kernels.map(\.stream)
        let lane = Dictionary(uniqueKeysWithValues: streams.enumerated().map { ($1, $0) })
        laneOfKernel = t.kernels.map { lane[$0.stream] ?? 0 }
        eventTimes = Array(Set(t.kernels.flatMap { [$0.start, $0.end] })).sorted()
        // Op spans and readiness.
        let n = kg.graph.nodes.count
        var start = Array(repeating: Double.infinity, count: n), end = Array(repeating: 0.0, count: n)
        for k in t.kernels {
            let op = kg.kernels[k.kernel].op
            start[op] = min(start[op], k.start); end[op] = max(end[op], k.end)
        }
        // Every grid spends its launch in the front end (until `ready`); waiting longer than that, it waited for the
        // dispatcher (an earlier grid not fully dispatched, or no SM with room).
        queuedSpans = t.kernels.filter { $0.start - $0.ready > 0.5 }.map { ($0.ready, $0.start, $0.stream) }
        var queuedFrom = Array(repeating: Double.infinity, count: n)
        for op in kg.activeOps {
            let first = t.kernels[kg.opKernels[op][0]]
            if first.start - first.ready > 0.5 { queuedFrom[op] = first.ready }
        }
        opQueuedFrom = queuedFrom
        var ready = Array(repeating: 0.0, count: n)
        for op in kg.activeOps {
            let first = kg.kernels[kg.opKernels[op][0]]
            ready[op] = first.deps.map { t.kernels[$0].end }.max() ?? 0
        }
        opStart = start; opEnd = end; opReady = ready
        // Parallelism samples.
        var avail = Array(repeating: 0, count: Self.samples), used = avail
        let step = iterationUs / Double(Self.samples)
        for op in kg.activeOps {
            let a = Int(ready[op] / step), b = Int(min(end[op] / step, Double(Self.samples - 1)))
            if a <= b { for i in a...b { avail[i] += 1 } }
        }
        for k in t.kernels {
            let a = Int(k.start / step), b = Int(min(k.end / step, Double(Self.samples - 1)))
            if a <= b { for i in a...b { used[i] += 1 } }
        }
        available = avail; exploited = used
        // Block groups bucketed by time for occupancy queries.
        groups = t.groups
        let nb = 512
        bucketUs = iterationUs / Double(nb)
        var bk = Array(repeating: [Int32](), count: nb)
        for (i, g) in t.groups.enumerated() {
            let a = max(0, min(nb - 1, Int(g.start / bucketUs))), b = max(0, min(nb - 1, Int(g.end / bucketUs)))
            for j in a...b { bk[j].append(Int32(i)) }
        }
        buckets = bk
        // Innermost fork–join region of each op.
        regions = w.regions
        var reg = Array<Int?>(repeating: nil, count: n)
        var size = Array(repeating: Int.max, count: n)
        for (ri, r) in w.regions.enumerated() where r.branches.count >= 2 {
            let total = r.branches.reduce(0) { $0 + $1.count }
            for br in r.branches { for op in br where total < size[op] { size[op] = total; reg[op] = ri } }
        }
        regionOfOp = reg
        activeOps = kg.activeOps
    }

    /// Occupancy (resident warps / maximum) and dominant stream of every SM at `t`.
    public func smOccupancy(at t: Double) -> [(fraction: Double, stream: Int)] {
        var warps = Array(repeating: 0, count: smCount)
        guard !buckets.isEmpty else { return Array(repeating: (0, -1), count: smCount) }
        // Warps per (SM, stream lane) in one flat array: no hashing on the per-frame path.
        let lanesCount = max(streams.count, 1)
        var perLane = Array(repeating: 0, count: smCount * lanesCount)
        let b = max(0, min(buckets.count - 1, Int(t / bucketUs)))
        for gi in buckets[b] {
            let g = groups[Int(gi)]
            guard g.start <= t && t < g.end else { continue }
            let sm = Int(g.sm)
            warps[sm] += Int(g.warps)
            perLane[sm * lanesCount + laneOfKernel[Int(g.kernel)]] += Int(g.warps)
        }
        return (0..<smCount).map { sm in
            var best = -1, bestWarps = 0
            for l in 0..<lanesCount where perLane[sm * lanesCount + l] > bestWarps { bestWarps = perLane[sm * lanesCount + l]; best = streams[l] }
            return (min(1, Double(warps[sm]) / Double(maxWarps)), best)
        }
    }

    /// Grids launched and waiting in the dispatcher at `t`.
    public func queuedGrids(at t: Double) -> Int { queuedSpans.filter { $0.issued <= t && t < $0.start }.count }

    public func state(of op: Int, at t: Double) -> OpState {
        if opEnd[op] <= t && opStart[op].isFinite { return .done }
        if opStart[op] <= t { return .running }
        if opQueuedFrom[op] <= t { return .queued }
        if opReady[op] <= t { return .ready }
        return .waiting
    }

    /// The innermost fork–join region around `t`: one with a running op, else the one whose span holds `t`.
    public func region(at t: Double, lanesRunning: [Int]) -> ForkJoinRegion? {
        var bestIndex: Int?
        var bestSize = Int.max
        for op in lanesRunning {
            if let ri = regionOfOp[op] {
                let size = regions[ri].branches.reduce(0) { $0 + $1.count }
                if size < bestSize { bestSize = size; bestIndex = ri }
            }
        }
        if let bestIndex { return regions[bestIndex] }
        var bestSpan = Double.infinity
        for (ri, r) in regions.enumerated() where r.branches.count >= 2 {
            let a = opEnd[r.fork], b = r.join.map { opStart[$0] } ?? iterationUs
            if a <= t && t <= b && b - a < bestSpan { bestSpan = b - a; bestIndex = ri }
        }
        return bestIndex.map { regions[$0] }
    }

    /// Next kernel event strictly after `t`.
    public func nextEvent(after t: Double) -> Double? {
        var lo = 0, hi = eventTimes.count
        while lo < hi { let m = (lo + hi) / 2; if eventTimes[m] <= t { lo = m + 1 } else { hi = m } }
        return lo < eventTimes.count ? eventTimes[lo] : nil
    }
}
