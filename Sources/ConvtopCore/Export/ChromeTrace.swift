import Foundation

/// Writes a simulated iteration as Chrome Trace Event JSON (opens in ui.perfetto.dev and chrome://tracing):
/// a named track per stream, a host-launch track, kernels as complete events with their launch configuration,
/// SM utilisation and concurrency as counters, and flow arrows for cross-stream waits.
public enum ChromeTrace {
    public static func render(workload w: Workload, result r: IterationResult) -> String {
        let kg = w.kernels
        let t = r.trace
        var ev: [String] = []
        func q(_ s: String) -> String {
            var o = "\""
            for c in s.unicodeScalars {
                switch c {
                case "\"": o += "\\\""
                case "\\": o += "\\\\"
                case "\n": o += "\\n"
                default: if c.value < 0x20 { o += String(format: "\\u%04x", c.value) } else { o.unicodeScalars.append(c) }
                }
            }
            return o + "\""
        }
        func num(_ v: Double) -> String { String(format: "%.3f", v) }
        let title = "\(w.graph.name) \(w.scenario.mode.rawValue) b\(w.scenario.batch) on \(w.gpu.name), \(r.policy.rawValue), \(w.scenario.launch.rawValue)"
        ev.append(#"{"ph":"M","pid":1,"name":"process_name","args":{"name":\#(q(title))}}"#)
        ev.append(#"{"ph":"M","pid":1,"tid":0,"name":"thread_name","args":{"name":"host launches"}}"#)
        ev.append(#"{"ph":"M","pid":1,"tid":0,"name":"thread_sort_index","args":{"sort_index":0}}"#)
        let streams = Set(t.kernels.map(\.stream)).sorted()
        for s in streams {
            ev.append(#"{"ph":"M","pid":1,"tid":\#(s + 10),"name":"thread_name","args":{"name":"stream \#(s)"}}"#)
            ev.append(#"{"ph":"M","pid":1,"tid":\#(s + 10),"name":"thread_sort_index","args":{"sort_index":\#(s + 1)}}"#)
        }
        for h in t.hostLaunches {
            let name = h.kernel.map { "launch " + kg.kernels[$0].name } ?? "cudaGraphLaunch"
            ev.append(#"{"ph":"X","pid":1,"tid":0,"cat":"host","name":\#(q(name)),"ts":\#(num(h.start)),"dur":\#(num(h.end - h.start))}"#)
        }
        let timing = TimingModel(gpu: w.gpu)
        // What each kernel waited for (µs by cause, against its latest producer), as `convtop explain` counts it.
        let attribution = GapAttribution(workload: w, result: r)
        let waits = attribution.perKernel
        let onPath = Set(attribution.path)
        for rec in t.kernels.sorted(by: { ($0.stream, $0.start) < ($1.stream, $1.start) }) {
            let k = kg.kernels[rec.kernel]
            let op = kg.graph.nodes[k.op]
            let fit = BlockFootprint(kernel: k, gpu: w.gpu).blocksPerSM(w.gpu)
            let args = #"{"op":\#(q(op.name)),"op_type":\#(q(op.kind.name)),"kernel":\#(q(k.name)),"class":"\#(k.kernelClass.rawValue)","grid":"\#(k.grid)","block":"\#(k.block)","blocks":\#(k.blocks),"blocks_per_sm":\#(fit),"registers_per_thread":\#(k.registersPerThread),"shared_memory_bytes":\#(k.sharedMemoryPerBlock),"flops":\#(Int(k.flops)),"bytes":\#(Int(k.bytes)),"sms_used":\#(rec.smsUsed),"standalone_us":\#(num(timing.standaloneDuration(k))),"on_critical_path":\#(onPath.contains(rec.kernel)),"waited_us":{\#(LossCause.allCases.compactMap { c in waits[rec.kernel][c].flatMap { $0 > 0.0005 ? q(c.rawValue) + ":" + num($0) : nil } }.joined(separator: ","))}}"#
            ev.append(#"{"ph":"X","pid":1,"tid":\#(rec.stream + 10),"cat":"kernel","name":\#(q(op.name)),"ts":\#(num(rec.start)),"dur":\#(num(max(rec.end - rec.start, 0.001))),"args":\#(args)}"#)
        }
        // Flow arrows: producer end → consumer start where they sit on different streams.
        var flow = 0
        for rec in t.kernels {
            let k = kg.kernels[rec.kernel]
            for d in k.deps where t.kernels[d].stream != rec.stream {
                flow += 1
                let p = t.kernels[d]
                ev.append(#"{"ph":"s","pid":1,"tid":\#(p.stream + 10),"cat":"wait","name":"event","id":\#(flow),"ts":\#(num(max(p.end - 0.001, p.start)))}"#)
                ev.append(#"{"ph":"f","bp":"e","pid":1,"tid":\#(rec.stream + 10),"cat":"wait","name":"event","id":\#(flow),"ts":\#(num(rec.start))}"#)
            }
        }
        // Counters: running kernels and busy SMs, at every change.
        var changes: [(Double, Int)] = []
        for rec in t.kernels { changes.append((rec.start, 1)); changes.append((rec.end, -1)) }
        changes.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        var running = 0
        for (i, c) in changes.enumerated() {
            running += c.1
            if i + 1 < changes.count && changes[i + 1].0 == c.0 { continue }
            ev.append(#"{"ph":"C","pid":1,"name":"concurrent kernels","ts":\#(num(c.0)),"args":{"kernels":\#(running)}}"#)
        }
        for s in SMOccupancy.busySMChanges(t, smCount: w.gpu.smCount) {
            ev.append(#"{"ph":"C","pid":1,"name":"SM utilisation","ts":\#(num(s.time)),"args":{"percent":\#(num(s.fraction * 100))}}"#)
        }
        return "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n" + ev.joined(separator: ",\n") + "\n]}\n"
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
