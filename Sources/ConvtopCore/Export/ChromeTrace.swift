import Foundation

/// Writes a simulated iteration as Chrome Trace Event JSON (opens in ui.perfetto.dev and chrome://tracing):
/// a named track per stream, a host-launch track, kernels as complete events with their launch configuration,
/// SM utilisation and concurrency as counters, and flow arrows for cross-stream waits.
public enum ChromeTrace {
    /// One trace event (the Trace Event Format's fields; absent ones are left out).
    struct Event: Encodable {
        var ph: String
        var pid = 1
        var tid: Int?
        var cat: String?
        var name: String
        var id: Int?
        var bp: String?
        var ts: Double?
        var dur: Double?
        var args: Args?
    }

    /// An event's arguments: a track name or sort index, a kernel's launch details, or a counter value.
    enum Args: Encodable {
        case name(String)
        case sortIndex(Int)
        case kernel(KernelArgs)
        case counter(String, Double)

        func encode(to encoder: Encoder) throws {
            switch self {
            case .name(let n): try ["name": n].encode(to: encoder)
            case .sortIndex(let i): try ["sort_index": i].encode(to: encoder)
            case .kernel(let k): try k.encode(to: encoder)
            case .counter(let key, let v): try [key: v].encode(to: encoder)
            }
        }
    }

    /// What the trace viewer shows for a kernel when it is selected.
    struct KernelArgs: Encodable {
        var op: String, opType: String, kernel: String, kernelClass: String, grid: String, block: String
        var blocks: Int, blocksPerSM: Int, registersPerThread: Int, sharedMemoryBytes: Int, flops: Int, bytes: Int
        var smsUsed: Int, standaloneUs: Double, onCriticalPath: Bool
        /// Where the kernel's time comes from: measured (catalog), the nearest measured ops (near) or the model alone.
        var timing: KernelOrigin
        /// µs by cause, against the kernel's latest producer, as `convtop explain` counts it.
        var waitedUs: [String: Double]

        enum CodingKeys: String, CodingKey {
            case op, opType = "op_type", kernel, kernelClass = "class", grid, block, blocks, blocksPerSM = "blocks_per_sm"
            case registersPerThread = "registers_per_thread", sharedMemoryBytes = "shared_memory_bytes", flops, bytes
            case smsUsed = "sms_used", standaloneUs = "standalone_us", onCriticalPath = "on_critical_path", waitedUs = "waited_us"
            case timing
        }
    }

    /// Microseconds to the nanosecond.
    static func us(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }

    public static func render(workload w: Workload, result r: IterationResult) -> String {
        let t = r.trace
        let title = "\(w.graph.name) \(w.scenario.mode.rawValue) b\(w.scenario.batch) on \(w.gpu.name), \(r.policy.rawValue), \(w.scenario.launch.rawValue)"
        var ev = [Event(ph: "M", name: "process_name", args: .name(title)),
                  Event(ph: "M", tid: 0, name: "thread_name", args: .name("host launches")),
                  Event(ph: "M", tid: 0, name: "thread_sort_index", args: .sortIndex(0))]
        for s in Set(t.kernels.map(\.stream)).sorted() {
            ev.append(Event(ph: "M", tid: s + 10, name: "thread_name", args: .name("stream \(s)")))
            ev.append(Event(ph: "M", tid: s + 10, name: "thread_sort_index", args: .sortIndex(s + 1)))
        }
        for h in t.hostLaunches {
            let name = h.kernel.map { "launch " + w.kernels.kernels[$0].name } ?? "cudaGraphLaunch"
            ev.append(Event(ph: "X", tid: 0, cat: "host", name: name, ts: us(h.start), dur: us(h.end - h.start)))
        }
        ev += kernelEvents(w, r) + flowEvents(w, r) + counterEvents(w, r)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let lines = ev.map { String(decoding: (try? enc.encode($0)) ?? Data("{}".utf8), as: UTF8.self) }
        return "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n" + lines.joined(separator: ",\n") + "\n]}\n"
    }

    /// A complete event per kernel on its stream's track, with its launch configuration and what it waited for.
    static func kernelEvents(_ w: Workload, _ r: IterationResult) -> [Event] {
        let kg = w.kernels, timing = TimingModel(gpu: w.gpu)
        let attribution = GapAttribution(workload: w, result: r)
        let onPath = Set(attribution.path)
        return r.trace.kernels.sorted(by: { ($0.stream, $0.start) < ($1.stream, $1.start) }).map { rec in
            let k = kg.kernels[rec.kernel]
            let op = kg.graph.nodes[k.op]
            var waited: [String: Double] = [:]
            for c in LossCause.allCases { if let v = attribution.perKernel[rec.kernel][c], v > 0.0005 { waited[c.rawValue] = us(v) } }
            let args = KernelArgs(op: op.name, opType: op.kind.name, kernel: k.name, kernelClass: k.kernelClass.rawValue,
                                  grid: "\(k.grid)", block: "\(k.block)", blocks: k.blocks,
                                  blocksPerSM: BlockFootprint(kernel: k, gpu: w.gpu).blocksPerSM(w.gpu),
                                  registersPerThread: k.registersPerThread, sharedMemoryBytes: k.sharedMemoryPerBlock,
                                  flops: Int(k.flops), bytes: Int(k.bytes), smsUsed: rec.smsUsed,
                                  standaloneUs: us(timing.standaloneDuration(k)), onCriticalPath: onPath.contains(rec.kernel),
                                  timing: k.origin, waitedUs: waited)
            return Event(ph: "X", tid: rec.stream + 10, cat: "kernel", name: op.name, ts: us(rec.start),
                         dur: us(max(rec.end - rec.start, 0.001)), args: .kernel(args))
        }
    }

    /// Flow arrows: producer end → consumer start where they sit on different streams.
    static func flowEvents(_ w: Workload, _ r: IterationResult) -> [Event] {
        let t = r.trace
        var ev: [Event] = []
        for rec in t.kernels {
            for d in w.kernels.kernels[rec.kernel].deps where t.kernels[d].stream != rec.stream {
                let p = t.kernels[d], id = ev.count / 2 + 1
                ev.append(Event(ph: "s", tid: p.stream + 10, cat: "wait", name: "event", id: id, ts: us(max(p.end - 0.001, p.start))))
                ev.append(Event(ph: "f", tid: rec.stream + 10, cat: "wait", name: "event", id: id, bp: "e", ts: us(rec.start)))
            }
        }
        return ev
    }

    /// Counters: running kernels and busy SMs, at every change.
    static func counterEvents(_ w: Workload, _ r: IterationResult) -> [Event] {
        var changes: [(Double, Int)] = []
        for rec in r.trace.kernels { changes.append((rec.start, 1)); changes.append((rec.end, -1)) }
        changes.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        var ev: [Event] = []
        var running = 0
        for (i, c) in changes.enumerated() {
            running += c.1
            if i + 1 < changes.count && changes[i + 1].0 == c.0 { continue }
            ev.append(Event(ph: "C", name: "concurrent kernels", ts: us(c.0), args: .counter("kernels", Double(running))))
        }
        for s in SMOccupancy.busySMChanges(r.trace, smCount: w.gpu.smCount) {
            ev.append(Event(ph: "C", name: "SM utilisation", ts: us(s.time), args: .counter("percent", us(s.fraction * 100))))
        }
        return ev
    }
}

/// Derived views of which SMs were busy when, from block-group records.
public enum SMOccupancy {
    /// Fraction of SMs with at least one resident block, at every time it changes.
    public static func busySMChanges(_ t: Trace, smCount: Int) -> [(time: Double, fraction: Double)] {
        var edges: [(Double, Int32, Int)] = []
        edges.reserveCapacity(t.groups.count * 2)
        for g in t.groups { edges.append((g.start, g.sm, 1)); edges.append((g.end, g.sm, -1)) }
        edges.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.2 < $1.2) }
        var resident = Array(repeating: 0, count: smCount)
        var busy = 0
        var out: [(Double, Double)] = []
        for (i, e) in edges.enumerated() {
            let s = Int(e.1)
            let before = resident[s]
            resident[s] += e.2
            if before == 0 && resident[s] > 0 { busy += 1 }
            if before > 0 && resident[s] == 0 { busy -= 1 }
            if i + 1 < edges.count && edges[i + 1].0 == e.0 { continue }
            let f = Double(busy) / Double(max(smCount, 1))
            if out.last?.1 != f { out.append((e.0, f)) }
        }
        return out
    }
}
