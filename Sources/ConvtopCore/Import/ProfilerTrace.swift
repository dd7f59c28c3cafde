import Foundation

/// A PyTorch profiler (Kineto) trace read as a kernel graph: every GPU kernel with its real launch configuration,
/// duration and stream, grouped into the framework ops (record_function ranges, else aten ops) that launched it.
public struct ProfilerTrace: Sendable {
    public struct TracedKernel: Sendable {
        public var name: String
        public var stream: Int
        public var start: Double, duration: Double
        public var grid: Dim3, block: Dim3
        public var registers: Int, sharedMemory: Int
        public var op: Int
    }
    public var kernels: [TracedKernel]
    /// Op labels in launch order.
    public var ops: [String]
    public var deviceName: String?
    public var file: String

    public var streams: [Int] { Array(Set(kernels.map(\.stream))).sorted() }
    public var kernelTimeUs: Double { kernels.reduce(0) { $0 + $1.duration } }
    public var spanUs: Double { (kernels.map { $0.start + $0.duration }.max() ?? 0) - (kernels.map(\.start).min() ?? 0) }

    /// The convtop GPU profile for the trace's device ("NVIDIA H200" → "h200"), if a shipped profile's name is in
    /// the device name (longest names first, so that a future "h100nvl" wins over "h100").
    public var gpuProfile: String? {
        guard let d = deviceName?.lowercased() else { return nil }
        return GPUCatalog.names().sorted { ($0.count, $0) > ($1.count, $1) }.first { d.contains($0.lowercased()) }
    }

    /// Whether a file looks like a profiler trace (by content: a JSON object with traceEvents, possibly gzipped).
    public static func looksLikeTrace(path: String) -> Bool {
        // Only regular files are sniffed: a folder would throw, a FIFO would block.
        guard InputFile.isRegular(path), let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        guard let head = try? h.read(upToCount: 4096) else { return false }
        if head.starts(with: [0x1F, 0x8B]) { return true }
        return String(decoding: head, as: UTF8.self).contains("\"traceEvents\"")
    }

    public static func load(path: String) throws -> ProfilerTrace {
        let file = (path as NSString).lastPathComponent
        let data = try InputFile.read(path, what: "trace")
        var bytes = [UInt8](data)
        if bytes.starts(with: [0x1F, 0x8B]) {
            do { bytes = try Inflate.gunzip(bytes) } catch is Inflate.TooLarge {
                throw ConvtopError(.model, "\(file): inflates to more than 256 MiB; convtop reads compressed traces up to 256 MiB unpacked")
            } catch { throw ConvtopError(.model, "\(file): corrupt or truncated gzip data (or a wrong checksum)") }
        }
        let doc: (events: [[String: Any]], device: String?)?
        do { doc = try TraceJSON.read(bytes) } catch {
            throw ConvtopError(.model, "\(file): not valid JSON (a truncated or corrupt trace?)")
        }
        bytes = []
        guard let doc else { throw ConvtopError(.model, "\(file): not a PyTorch profiler trace (no traceEvents)") }
        return try parse(events: doc.events, device: doc.device, file: file)
    }

    /// A number from a JSON value (integers and doubles alike).
    static func num(_ v: Any?) -> Double? { (v as? Double) ?? (v as? Int).map(Double.init) ?? (v as? NSNumber)?.doubleValue }

    /// A host-side range (an annotation or a CPU op) that kernels launched inside it belong to.
    struct Range { var ts: Double; var end: Double; var name: String; var index: Int }

    /// The innermost range holding `t` in ranges sorted by start: searched from the last range starting at or before
    /// `t` backwards (nested ranges: the shortest holding one), at most 4,096 ranges back, so a trace of 50,000
    /// kernels and 150,000 ranges costs milliseconds, not minutes.
    static func innermost(_ rs: [Range], _ t: Double) -> Range? {
        var lo = 0, hi = rs.count
        while lo < hi { let mid = (lo + hi) / 2; if rs[mid].ts <= t { lo = mid + 1 } else { hi = mid } }
        var best: Range?
        var j = lo - 1, seen = 0
        while j >= 0 && seen < 4096 {
            let r = rs[j]
            if t <= r.end && (best == nil || r.end - r.ts < best!.end - best!.ts) { best = r }
            j -= 1; seen += 1
        }
        return best
    }

    /// A kernel event's launch configuration, refused when CUDA could not have launched it (grid 2³¹−1 × 65535 ×
    /// 65535, 1024 threads a block, 255 registers, 1 MB of shared memory): such a trace is corrupt, and would
    /// overflow block counts downstream.
    static func launchConfig(_ e: [String: Any], index i: Int, file: String) throws
        -> (ts: Double, dur: Double, grid: [Int], block: [Int], registers: Int, shared: Int) {
        let a = e["args"] as? [String: Any] ?? [:]
        guard let ts = num(e["ts"]), let dur = num(e["dur"]) else { throw ConvtopError(.model, "\(file): kernel event \(i) has no ts/dur") }
        let grid = (a["grid"] as? [Int]) ?? [1, 1, 1], block = (a["block"] as? [Int]) ?? [1, 1, 1]
        guard grid.count == 3, block.count == 3 else { throw ConvtopError(.model, "\(file): kernel event \(i) has a malformed grid or block") }
        let registers = a["registers per thread"] as? Int ?? 32, shared = a["shared memory"] as? Int ?? 0
        guard grid[0] >= 1, grid[0] <= Int(Int32.max), grid[1] >= 1, grid[1] <= 65535, grid[2] >= 1, grid[2] <= 65535,
              block.allSatisfy({ $0 >= 1 && $0 <= 1024 }), block[0] * block[1] * block[2] <= 1024,
              registers >= 0, registers <= 255, shared >= 0, shared <= 1 << 20, ts.isFinite, dur.isFinite, dur >= 0 else {
            throw ConvtopError(.model, "\(file): kernel event \(i) has a launch configuration CUDA does not allow (grid \(grid), block \(block), \(registers) registers, \(shared) bytes of shared memory)")
        }
        return (ts, dur, grid, block, registers, shared)
    }

    static func parse(events: [[String: Any]], device: String?, file: String) throws -> ProfilerTrace {
        var launches: [Int: Double] = [:]
        var annotations: [Range] = [], cpuOps: [Range] = []
        var raw: [[String: Any]] = []
        for e in events {
            let cat = e["cat"] as? String ?? ""
            switch cat {
            case "kernel", "gpu_memset":
                raw.append(e)
            case "cuda_runtime", "cuda_driver":
                if let c = (e["args"] as? [String: Any])?["correlation"] as? Int, let ts = num(e["ts"]) { launches[c] = ts }
            case "user_annotation", "cpu_op":
                if let ts = num(e["ts"]), let d = num(e["dur"]), let n = e["name"] as? String {
                    let r = Range(ts: ts, end: ts + d, name: n, index: annotations.count + cpuOps.count)
                    if cat == "user_annotation" { annotations.append(r) } else { cpuOps.append(r) }
                }
            default: break
            }
        }
        guard !raw.isEmpty else { throw ConvtopError(.model, "\(file): the trace has no GPU kernels (was CUDA activity profiled?)") }
        raw.sort { (num($0["ts"]) ?? 0) < (num($1["ts"]) ?? 0) }
        annotations.sort { $0.ts < $1.ts }
        cpuOps.sort { $0.ts < $1.ts }
        var kernels: [TracedKernel] = []
        var ops: [String] = []
        var lastRange = -1
        for (i, e) in raw.enumerated() {
            let a = e["args"] as? [String: Any] ?? [:]
            let (ts, dur, grid, block, registers, shared) = try launchConfig(e, index: i, file: file)
            let launchTs = (a["correlation"] as? Int).flatMap { launches[$0] }
            let range = launchTs.flatMap { innermost(annotations, $0) ?? innermost(cpuOps, $0) }
            let key = range?.index ?? -2 - i
            if key != lastRange || ops.isEmpty {
                var label = range?.name ?? (e["name"] as? String ?? "kernel")
                if label.hasPrefix("node::") { label = String(label.dropFirst(6)) }
                ops.append(label)
                lastRange = key
            }
            let isMemset = (e["cat"] as? String) == "gpu_memset"
            kernels.append(TracedKernel(name: isMemset ? "Memset" : (e["name"] as? String ?? "kernel"), stream: a["stream"] as? Int ?? 0,
                                        start: ts, duration: max(dur, 0.001),
                                        grid: isMemset ? Dim3(1) : Dim3(grid[0], grid[1], grid[2]),
                                        block: isMemset ? Dim3(32) : Dim3(block[0], block[1], block[2]),
                                        registers: registers, sharedMemory: shared, op: ops.count - 1))
        }
        return ProfilerTrace(kernels: kernels, ops: ops, deviceName: device, file: file)
    }

    /// The kernel graph the simulator runs: the trace's kernels with their measured durations, grouped into ops.
    /// Op dependencies come from `structure` (a model graph whose kernel-launching ops align one-to-one with the
    /// trace's ops) or, without one, from per-stream order plus cross-stream waits observed in the timing.
    public func kernelGraph(structure: Graph?, gpu: GPUSpec) -> (KernelGraph, source: String) {
        var b = GraphBuilder(name: (file as NSString).deletingPathExtension.replacingOccurrences(of: ".json", with: ""))
        let root = b.input([1, 1], name: "trace")
        var opNode: [Int] = []
        var opDeps: [[Int]] = Array(repeating: [], count: ops.count)
        var source = "stream order and observed cross-stream waits"
        if let g = structure, let deps = Self.align(ops: ops, with: g, gpu: gpu) {
            opDeps = deps
            source = "the \(g.name) graph, aligned op by op"
        } else {
            opDeps = observedDependencies()
        }
        for (i, label) in ops.enumerated() {
            let inputs = opDeps[i].isEmpty ? [root] : opDeps[i].sorted().map { opNode[$0] }
            opNode.append(b.add(.external, inputs: inputs, shape: TensorShape([1, 1]), name: label))
        }
        var ks: [Kernel] = []
        var opKernels = Array(repeating: [Int](), count: b.nodes.count)
        var measured: [Double] = []
        var lastOfOp: [Int: Int] = [:]
        for (i, t) in kernels.enumerated() {
            let node = opNode[t.op]
            let deps: [Int] = lastOfOp[t.op].map { [$0] } ?? opDeps[t.op].compactMap { lastOfOp[$0] }.sorted()
            ks.append(Kernel(id: i, op: node, name: t.name, kernelClass: KernelClassifier.classify(t.name), grid: t.grid, block: t.block,
                             registersPerThread: t.registers, sharedMemoryPerBlock: t.sharedMemory, flops: 0, bytes: 0,
                             precision: .fp32, deps: deps))
            opKernels[node].append(i)
            measured.append(t.duration)
            lastOfOp[t.op] = i
        }
        return (KernelGraph(graph: b.build(), kernels: ks, opKernels: opKernels, precision: .fp32, measuredUs: measured), source)
    }

    /// Op dependencies without a model graph: per-stream order plus cross-stream waits observed in the timing.
    func observedDependencies() -> [[Int]] {
        var opDeps: [[Int]] = Array(repeating: [], count: ops.count)
        var lastOnStream: [Int: Int] = [:]
        let multiStream = Set(kernels.map(\.stream)).count > 1
        // Per stream, the kernels seen so far in order: their ends only grow, so "the latest kernel that
        // finished elsewhere before this one started" is a binary search per other stream, not a scan.
        var ended: [Int: [(end: Double, op: Int)]] = [:]
        for (i, k) in kernels.enumerated() {
            var d = Set<Int>()
            let prev = lastOnStream[k.stream]
            if let p = prev, kernels[p].op != k.op { d.insert(kernels[p].op) }
            // Several streams: a kernel that started well after its stream was free waited for another stream;
            // it depends on the latest kernel that finished elsewhere before it started.
            let streamFree = prev.map { kernels[$0].start + kernels[$0].duration } ?? -Double.infinity
            if multiStream && k.start > streamFree + 2 {
                var best: (end: Double, op: Int)?
                // Streams in a fixed order: with equal ends the first stream's kernel wins, run after run.
                for s in ended.keys.sorted() where s != k.stream {
                    let list = ended[s]!
                    var lo = 0, hi = list.count
                    while lo < hi { let mid = (lo + hi) / 2; if list[mid].end <= k.start + 0.5 { lo = mid + 1 } else { hi = mid } }
                    var j = lo - 1
                    while j >= 0 && list[j].op == k.op { j -= 1 }
                    if j >= 0, best.map({ list[j].end > $0.end }) ?? true { best = list[j] }
                }
                if let w = best { d.insert(w.op) }
            }
            lastOnStream[k.stream] = i
            let end = max(k.start + k.duration, ended[k.stream]?.last?.end ?? -Double.infinity)
            ended[k.stream, default: []].append((end, k.op))
            if !d.isEmpty { opDeps[k.op] = Array(Set(opDeps[k.op]).union(d.filter { $0 < k.op })).sorted() }
        }
        return opDeps
    }

    /// Op-level dependencies from `g` when its kernel-launching ops match the trace's ops one to one, in order
    /// (convolutions where the trace has convolutions); nil when they do not line up.
    static func align(ops: [String], with g: Graph, gpu: GPUSpec) -> [[Int]]? {
        let kg = Lowering.lower(g, gpu: gpu)
        let active = kg.activeOps
        guard active.count == ops.count else { return nil }
        var index: [Int: Int] = [:]
        for (i, o) in active.enumerated() { index[o] = i }
        var agree = 0, convs = 0
        for (i, o) in active.enumerated() {
            guard case .conv = g.nodes[o].kind else { continue }
            convs += 1
            if ops[i].lowercased().contains("conv") { agree += 1 }
        }
        guard convs == 0 || Double(agree) / Double(convs) >= 0.9 else { return nil }
        return active.map { o in
            let first = kg.kernels[kg.opKernels[o][0]]
            return Array(Set(first.deps.map { index[kg.kernels[$0].op]! })).sorted()
        }
    }
}
