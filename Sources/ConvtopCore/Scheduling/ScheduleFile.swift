import Foundation

/// A schedule as a file a user's own runtime can replay, and `convtop simulate --schedule` reads back: per op its
/// stream, launch position, priority and SM range, and the cross-stream waits (events) the dependencies imply.
///
/// ```json
/// {"format": "convtop-schedule", "version": 1, "model": "googlenet", "batch": 1, "mode": "inference", "gpu": "h100",
///  "policy": "branch", "streams": 8,
///  "ops": [{"op": "conv1.conv", "stream": 0, "order": 0, "priority": 0, "sm_range": null}, …],
///  "events": [{"op": "inception3a.concat", "stream": 0, "waits_for": ["inception3a.branch2.1.relu"]}, …]}
/// ```
public enum ScheduleFile {
    struct Op: Codable {
        var op: String, stream: Int, order: Int, priority: Int
        var smRange: [Int]?
        enum CodingKeys: String, CodingKey { case op, stream, order, priority, smRange = "sm_range" }
    }
    struct Event: Codable {
        var op: String, stream: Int
        var waitsFor: [String]
        enum CodingKeys: String, CodingKey { case op, stream, waitsFor = "waits_for" }
    }
    struct File: Codable {
        var format: String, version: Int
        var model: String, batch: Int, mode: String, gpu: String, policy: String, streams: Int
        var ops: [Op]
        var events: [Event]?
    }

    /// The schedule as JSON (ops in launch order).
    public static func encode(_ s: Schedule, workload w: Workload) throws -> String {
        let nodes = w.graph.nodes
        let od = OpDAG(w.kernels)
        let ops = s.launchOrder.enumerated().map { i, op in
            Op(op: nodes[op].name, stream: s.streamOfOp[op] ?? 0, order: i, priority: s.priorityOfOp[op],
               smRange: s.smRangeOfOp[op].map { [$0.lower, $0.upper] })
        }
        let events = s.launchOrder.compactMap { op -> Event? in
            let v = od.index[op]!
            let cross = od.dag.predecessors[v].map { od.ops[$0] }.filter { s.streamOfOp[$0] != s.streamOfOp[op] }
            return cross.isEmpty ? nil : Event(op: nodes[op].name, stream: s.streamOfOp[op] ?? 0, waitsFor: cross.map { nodes[$0].name })
        }
        let f = File(format: "convtop-schedule", version: 1, model: w.scenario.model, batch: w.scenario.batch,
                     mode: w.scenario.mode.rawValue, gpu: w.gpu.name, policy: s.policy.rawValue, streams: w.scenario.streams,
                     ops: ops, events: events)
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try e.encode(f), as: UTF8.self) + "\n"
    }

    /// Reads a schedule for `w`'s graph: every op that launches kernels must appear once, on a stream of 0–127, in a
    /// launch order that puts every op after its inputs. One clear error line otherwise.
    public static func decode(_ data: Data, file: String, workload w: Workload) throws -> Schedule {
        func fail(_ why: String) -> ConvtopError { ConvtopError(.model, SafeText.printable("\(file): \(why)")) }
        let f: File
        do { f = try JSONDecoder().decode(File.self, from: data) } catch {
            throw fail("not a convtop schedule file (JSON with format, version, model, batch, mode, gpu, policy, streams and ops)")
        }
        guard f.format == "convtop-schedule", f.version == 1 else { throw fail("format must be \"convtop-schedule\", version 1") }
        let od = OpDAG(w.kernels)
        var byName: [String: Int] = [:]
        for op in od.ops { byName[w.graph.nodes[op].name] = op }
        let n = w.graph.nodes.count
        var s = Schedule(policy: PolicyKind(rawValue: f.policy) ?? .serial, streamOfOp: Array(repeating: nil, count: n), launchOrder: [],
                         priorityOfOp: Array(repeating: 0, count: n), smRangeOfOp: Array(repeating: nil, count: n))
        var seen = Set<Int>()
        for o in f.ops {
            guard let op = byName[o.op] else { throw fail("op '\(o.op)' is not an op of \(w.graph.name) that launches kernels (at batch \(w.scenario.batch), \(w.scenario.mode.rawValue))") }
            guard seen.insert(op).inserted else { throw fail("op '\(o.op)' appears twice") }
            guard (0..<Scenario.maxStreams).contains(o.stream) else { throw fail("op '\(o.op)': stream must be 0 to \(Scenario.maxStreams - 1)") }
            s.streamOfOp[op] = o.stream
            s.priorityOfOp[op] = max(-1000, min(1000, o.priority))
            if let r = o.smRange {
                guard r.count == 2, r[0] >= 0, r[0] < r[1], r[1] <= w.gpu.smCount else {
                    throw fail("op '\(o.op)': sm_range must be [lower, upper] with 0 ≤ lower < upper ≤ \(w.gpu.smCount)")
                }
                s.smRangeOfOp[op] = SMRange(r[0], r[1])
            }
        }
        if let missing = od.ops.first(where: { !seen.contains($0) }) {
            throw fail("op '\(w.graph.nodes[missing].name)' has no entry; a schedule names every op that launches kernels (\(od.count))")
        }
        s.launchOrder = f.ops.sorted { ($0.order, byName[$0.op]!) < ($1.order, byName[$1.op]!) }.map { byName[$0.op]! }
        var launched = Set<Int>()
        for op in s.launchOrder {
            for p in od.dag.predecessors[od.index[op]!] where !launched.contains(od.ops[p]) {
                throw fail("op '\(w.graph.nodes[op].name)' is launched before its input '\(w.graph.nodes[od.ops[p]].name)'")
            }
            launched.insert(op)
        }
        return s
    }
}
