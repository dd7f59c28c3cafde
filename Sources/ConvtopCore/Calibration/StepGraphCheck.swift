import Foundation

/// Round 26 (`Assets/calibration/round26`, measure_step_dag.py): the dependency graphs CUDA captured from PyTorch's
/// training steps of zoo graphs (serially and with the branch rule on 8 streams), dumped node by node and edge by edge
/// (`cudaGraphDebugDotPrint`) and timed, against the dependencies and times convtop's simulator gives the same steps
/// (`KernelDependencies`). The captured graph holds exactly what the capture made of autograd's
/// streams and events, so a dependency it has and convtop lacks lets convtop overlap kernels that cannot overlap.
public enum StepGraphCheck {
    /// How the step was captured.
    public enum Variant: String, Sendable, CaseIterable {
        case serial, branch
        var policy: PolicyKind { self == .serial ? .serial : .branch }
    }

    /// One captured graph: its nodes in capture order (a kernel's function name, or the node's type) and its edges.
    public struct Captured: Sendable {
        public var names: [String]
        public var edges: [[Int]]
    }

    /// One timed step (`step_dag.jsonl`, `step_dag_heldout.jsonl`): both variants' replays (ms, two passes).
    public struct Record: Sendable, Decodable {
        public var model: String, batch: Int
        public var serialGraphMs: [Double], branchGraphMs: [Double]
        enum CodingKeys: String, CodingKey { case model, batch, serialGraphMs = "serial_graph_ms", branchGraphMs = "branch_graph_ms" }
    }

    /// One captured step against convtop's.
    public struct Row: Sendable {
        public var model: String, batch: Int, variant: Variant
        /// The step's replay, measured in the capturing process (first pass) and simulated (ms).
        public var measuredMs: Double, simulatedMs: Double
        public var capturedNodes: Int, simulatedKernels: Int, matched: Int, capturedEdges: Int
        /// Captured dependencies between matched kernels that convtop's dependencies do not imply, with and without
        /// the events of autograd's nodes without kernels (`AutogradEvents`).
        public var missed: Int, missedWithoutAutogradEvents: Int
        /// convtop's dependencies between matched kernels that the captured graph does not imply.
        public var extra: Int
        /// The longest chain (µs) through each graph, every matched kernel at its standalone time in convtop and every
        /// unmatched node (of either graph) at the launch latency, with and without the autograd events.
        public var capturedPathUs: Double, simulatedPathUs: Double, simulatedPathWithoutAutogradEventsUs: Double
    }

    /// The timed steps, each with a dump of both variants: the first set (NASNet, RandWire, GoogLeNet at batch 1,
    /// which led to `AutogradEvents`), then the held-out one, captured after it, then the torchvision networks' zoo
    /// graphs (DenseNet-121, MobileNet-v2, ResNet-50 at batch 1 and 8, GoogLeNet and SqueezeNet at 8).
    public static func records() throws -> [Record] {
        try MeasuredRuns.lines("step_dag.jsonl", as: Record.self, sub: "/round26/")
            + MeasuredRuns.lines("step_dag_heldout.jsonl", as: Record.self, sub: "/round26/")
            + MeasuredRuns.lines("step_dag_torchvision.jsonl", as: Record.self, sub: "/round26/")
    }

    /// Reads a gzipped dump (nil where the Assets folder lacks it).
    public static func captured(_ file: String) throws -> Captured? {
        guard let dir = AssetLocator.directory("calibration"),
              let raw = FileManager.default.contents(atPath: dir + "/round26/" + file) else { return nil }
        guard let text = try? String(decoding: Inflate.gunzip([UInt8](raw)), as: UTF8.self) else {
            throw ConvtopError(.model, "\(file): not a gzip file; restore it from the repository")
        }
        return try parse(text, file: file)
    }

    /// Parses `cudaGraphDebugDotPrint`'s output: a node is a record whose label starts with its type (`KERNEL`,
    /// `MEMSET`, ...) and whose next line holds `ID (topoId: …)`, a kernel's mangled name after it; an edge is a line
    /// `"a" -> "b"`.
    static func parse(_ text: String, file: String) throws -> Captured {
        var idOfKey: [Substring: Int] = [:], names: [Int: String] = [:]
        var pending: (key: Substring, type: Substring)?
        var edgeKeys: [(Substring, Substring)] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if let p = pending {
                pending = nil
                guard let topo = line.range(of: " (topoId:") else { continue }
                let digits = line[..<topo.lowerBound].reversed().prefix { $0.isNumber }
                guard let id = Int(String(digits.reversed())) else { continue }
                idOfKey[p.key] = id
                var name = String(p.type)
                if p.type == "KERNEL", let bar = line[topo.upperBound...].range(of: "| ") {
                    name = String(line[bar.upperBound...].prefix { $0 != "\\" && $0 != "}" })
                }
                names[id] = name
            } else if line.hasPrefix("\""), let label = line.range(of: "label=\"{") {
                let key = line.dropFirst().prefix { $0 != "\"" }
                pending = (key, line[label.upperBound...].prefix { $0.isLetter || $0 == "_" })
            } else if line.hasPrefix("\""), let arrow = line.range(of: "\" -> \"") {
                let a = line[line.index(after: line.startIndex)..<arrow.lowerBound]
                let b = line[arrow.upperBound...].prefix { $0 != "\"" }
                edgeKeys.append((a, b))
            }
        }
        let count = (names.keys.max() ?? -1) + 1
        guard count > 0, names.count == count else { throw ConvtopError(.model, "\(file): not a CUDA Graph dump; restore it from the repository") }
        var edges = Array(repeating: [Int](), count: count)
        for (a, b) in edgeKeys {
            guard let x = idOfKey[a], let y = idOfKey[b] else { throw ConvtopError(.model, "\(file): an edge names an unknown node") }
            edges[x].append(y)
        }
        return Captured(names: (0..<count).map { names[$0]! }, edges: edges)
    }

    /// What a kernel's name says it does, coarsely enough that a capture's mangled names and convtop's (catalog or
    /// model) names agree.
    static func family(_ name: String) -> String {
        let n = name.lowercased()
        for f in ["depthwise2d_grad_weight", "depthwise2d_backward", "depthwise2d_forward", "conv_depthwise", "bn_bw", "bn_fw", "cutlass",
                  "xmma", "wgrad", "reduce", "max_pool", "avg_pool", "multi_tensor", "softmax", "nll_loss", "implicit_convolve", "gemm",
                  "memset", "fill", "add", "clamp", "threshold", "mul", "copy", "cat"] where n.contains(f) { return f }
        return "other"
    }

    /// Most kernels a graph may have for `align` (its table counts in 16 bits).
    static let maximumKernels = Int(UInt16.max) - 1

    /// The longest common subsequence of two family sequences, as index pairs (each at most `maximumKernels` long).
    static func align(_ a: [String], _ b: [String]) -> [(Int, Int)] {
        let n = a.count, m = b.count, w = m + 1
        var len = [UInt16](repeating: 0, count: (n + 1) * w)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                len[i * w + j] = a[i] == b[j] ? len[(i + 1) * w + j + 1] + 1 : max(len[(i + 1) * w + j], len[i * w + j + 1])
            }
        }
        var pairs: [(Int, Int)] = [], i = 0, j = 0
        while i < n && j < m {
            if a[i] == b[j] { pairs.append((i, j)); i += 1; j += 1 }
            else if len[(i + 1) * w + j] >= len[i * w + j + 1] { i += 1 } else { j += 1 }
        }
        return pairs
    }

    /// Successor lists of convtop's kernel dependencies.
    static func successors(_ d: KernelDependencies) -> [[Int]] {
        var succ = Array(repeating: [Int](), count: d.producers.count)
        for k in d.order {
            for p in Set(d.producers[k] + (d.streamPredecessor[k].map { [$0] } ?? [])) { succ[p].append(k) }
        }
        return succ
    }

    /// The DAG of successor lists `succ`.
    static func dag(_ succ: [[Int]]) throws -> DAG {
        var pred = Array(repeating: [Int](), count: succ.count)
        for (x, ys) in succ.enumerated() { for y in ys { pred[y].append(x) } }
        return try DAG(predecessors: pred)
    }

    /// Edges of `edges` between matched nodes whose images `reach` does not connect.
    static func unimplied(_ edges: [[Int]], map: [Int?], reach: BitMatrix) -> Int {
        var n = 0
        for (x, ys) in edges.enumerated() {
            guard let mx = map[x] else { continue }
            for y in ys { if let my = map[y], !reach.get(mx, my) { n += 1 } }
        }
        return n
    }

    /// Each timed step's serial-time error (a fraction) and speedup error (simulated minus measured), from its two rows.
    public static func stepErrors(_ rows: [Row]) -> (serial: [Double], speedup: [Double]) {
        var serial: [Double] = [], speedup: [Double] = []
        for s in rows where s.variant == .serial {
            guard let b = rows.first(where: { $0.model == s.model && $0.batch == s.batch && $0.variant == .branch }) else { continue }
            speedup.append(s.simulatedMs / b.simulatedMs - s.measuredMs / b.measuredMs)
            serial.append(s.simulatedMs / s.measuredMs - 1)
        }
        return (serial, speedup)
    }

    /// Every dumped step (that `keep` accepts) against convtop on `gpu` (catalog kernels, clean process, CUDA Graph
    /// launch).
    public static func run(gpu: GPUSpec, where keep: (Record) -> Bool = { _ in true }) throws -> [Row] {
        let cases = try records().filter(keep).flatMap { r in Variant.allCases.map { (r, $0) } }
        let clean = gpu.inCleanProcess
        let rows = try parallelMap(cases.count) { i -> Row? in
            let (record, variant) = cases[i]
            let model = record.model, batch = record.batch
            guard let cap = try captured("\(model)_b\(batch)_\(variant.rawValue).dot.gz") else { return nil }
            guard cap.names.count <= maximumKernels else {
                throw ConvtopError(.model, "\(model)_b\(batch)_\(variant.rawValue).dot.gz: more than \(maximumKernels) nodes; restore it from the repository")
            }
            var s = Scenario()
            s.model = HeldOutZoo.specs[model] ?? model; s.batch = batch; s.mode = .training; s.gpu = clean.name; s.launch = .graph
            let w = try Workload(s, gpu: clean)
            let kg = w.kernels, schedule = w.schedule(variant.policy)
            let withEvents = KernelDependencies(kg, schedule: schedule)
            let order = withEvents.order
            guard order.count <= maximumKernels else { throw ConvtopError(.model, "\(model) at batch \(batch): too many kernels to match") }
            let pairs = align(cap.names.map(family), order.map { family(kg.kernels[$0].name) })
            var toSim = [Int?](repeating: nil, count: cap.names.count), toCap = [Int?](repeating: nil, count: kg.kernels.count)
            for (c, o) in pairs { toSim[c] = order[o]; toCap[order[o]] = c }
            let capDAG = try dag(cap.edges)
            let capReach = BitMatrix.reachability(successors: cap.edges, order: capDAG.order)
            let timing = TimingModel(gpu: clean)
            let us = kg.kernels.map { timing.standaloneDuration($0) }
            func simulated(_ d: KernelDependencies) throws -> (missed: Int, extra: Int, path: Double) {
                let succ = successors(d)
                let reach = BitMatrix.reachability(successors: succ, order: order)
                return (unimplied(cap.edges, map: toSim, reach: reach), unimplied(succ, map: toCap, reach: capReach),
                        try dag(succ).criticalPath { toCap[$0] == nil ? clean.kernelLatencyUs : us[$0] }.length)
            }
            let with = try simulated(withEvents)
            let without = try simulated(KernelDependencies(kg, schedule: schedule, autogradEvents: false))
            let capPath = capDAG.criticalPath { c in toSim[c].map { us[$0] } ?? clean.kernelLatencyUs }.length
            let measured = variant == .serial ? record.serialGraphMs[0] : record.branchGraphMs[0]
            let simulatedMs = try w.simulate(schedule: schedule, recordBlocks: false).1.iterationTime / 1000
            return Row(model: model, batch: batch, variant: variant, measuredMs: measured, simulatedMs: simulatedMs, capturedNodes: cap.names.count, simulatedKernels: kg.kernels.count,
                       matched: pairs.count, capturedEdges: cap.edges.reduce(0) { $0 + $1.count }, missed: with.missed,
                       missedWithoutAutogradEvents: without.missed, extra: with.extra, capturedPathUs: capPath,
                       simulatedPathUs: with.path, simulatedPathWithoutAutogradEventsUs: without.path)
        }
        return rows.compactMap { $0 }
    }
}
