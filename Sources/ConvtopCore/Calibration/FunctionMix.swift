import Foundation

/// Round 29 (`Assets/calibration/round29/function_mix_ops.jsonl`, `measure_function_mix.py`): chains of 48 PyTorch ops
/// on 1×64×28×28 tensors (ReLU, sigmoid, add, batch norm, 1×1 convolution), each alone and then two, four or eight
/// chains on branches of one CUDA Graph, copies of one kind or mixed kinds, timed in a clean process. The question was
/// whether a kernel runs longer beside a different kernel than beside a copy of itself; it does not (the pairs of
/// two kinds cost what pairs of one kind do), which is why convtop gives a kernel's function no part in what it shares.
/// convtop runs the same chains, each on its own stream under the branch rule, and compares how much longer the group
/// runs than its longest chain alone.
public struct FunctionMix: Sendable {
    /// The ops the script chained, as it names them.
    public enum ChainOp: String, Sendable, Decodable, CaseIterable {
        case relu, sigmoid, add, batchnorm, conv1x1
    }

    /// Which part of the script wrote a line: two chains, four or eight chains, or the profiler's per-kernel times.
    enum Part: String, Decodable {
        case pair, mix, profiled
    }

    /// One line of the file (a `pair` or a `mix` is a measured group of chains).
    struct Record: Decodable {
        var part: Part, process: ProcessState?
        var a: ChainOp?, b: ChainOp?, kinds: [ChainOp]?, mix: String?
        var pairUs: Double?, spanUs: Double?, aAloneUs: Double?, bAloneUs: Double?, longestAloneUs: Double?
        enum CodingKeys: String, CodingKey {
            case part, process, a, b, kinds, mix, pairUs = "pair_us", spanUs = "span_us", aAloneUs = "a_alone_us"
            case bAloneUs = "b_alone_us", longestAloneUs = "longest_alone_us"
        }

        /// The measured group, its simulated times still unknown (nil for profiled lines).
        var group: Row? {
            guard let process else { return nil }
            switch part {
            case .pair:
                guard let a, let b, let t = pairUs, let ta = aAloneUs, let tb = bAloneUs else { return nil }
                return Row(label: "\(a.rawValue) | \(b.rawValue)", kinds: [a, b], process: process, measuredUs: t, measuredLongestUs: max(ta, tb))
            case .mix:
                guard let mix, let kinds, let t = spanUs, let l = longestAloneUs else { return nil }
                return Row(label: mix, kinds: kinds, process: process, measuredUs: t, measuredLongestUs: l)
            case .profiled: return nil
            }
        }
    }

    /// One group of chains, measured and simulated.
    public struct Row: Sendable {
        public var label: String
        /// The chains' ops, one per branch.
        public var kinds: [ChainOp]
        /// Whether the process had run PyTorch's profiler when the group was timed.
        public var process: ProcessState
        /// The group's replay and its longest chain's alone (µs), measured and simulated.
        public var measuredUs: Double, measuredLongestUs: Double, simulatedUs = Double.nan, simulatedLongestUs = Double.nan
        public var measuredRatio: Double { measuredUs / measuredLongestUs }
        public var simulatedRatio: Double { simulatedUs / simulatedLongestUs }
    }

    /// Chains of `length` ops of each kind in `kinds`, one chain per input, on 1×64×28×28 tensors.
    static func graph(_ kinds: [ChainOp], length: Int = 48) -> Graph {
        var b = GraphBuilder(name: "function-mix")
        for (i, kind) in kinds.enumerated() {
            let x = b.input([1, 64, 28, 28], name: "x\(i)")
            var y = x
            for _ in 0..<length {
                switch kind {
                case .relu: y = b.relu(y)
                case .sigmoid: y = b.add(.unary(.sigmoid), inputs: [y], shape: b.shape(y))
                case .add: y = b.add(.add, inputs: [y, x], shape: b.shape(y))
                case .batchnorm: y = b.bn(y)
                case .conv1x1: y = b.conv(y, 64, k: 1)
                }
            }
        }
        return b.build()
    }

    /// One replay of the chains of `kinds`, each on its own stream, on `gpu` (µs).
    static func replayUs(_ kinds: [ChainOp], gpu: GPUSpec) throws -> Double {
        var sc = Scenario()
        sc.gpu = gpu.name; sc.streams = max(kinds.count, 1); sc.launch = .graph
        return try Workload(graph: graph(kinds), scenario: sc, gpu: gpu).simulate(.branch, recordBlocks: false).1.iterationTime
    }

    /// Every pair and mix, simulated on `gpu` in the process each was timed in: clean first, then the same pairs after
    /// the script had run PyTorch's profiler.
    public static func run(gpu: GPUSpec) throws -> [Row] {
        let groups = try MeasuredRuns.required("function_mix_ops.jsonl", as: Record.self, sub: "/round29/") { $0.part != .profiled }.compactMap(\.group)
        let singles = ProcessState.allCases.flatMap { p in ChainOp.allCases.map { (p, $0) } }
        let alone = try parallelMap(singles.count) { try replayUs([singles[$0].1], gpu: gpu.inProcess(singles[$0].0)) }
        let together = try parallelMap(groups.count) { try replayUs(groups[$0].kinds, gpu: gpu.inProcess(groups[$0].process)) }
        return groups.enumerated().map { i, g in
            var r = g
            r.simulatedUs = together[i]
            r.simulatedLongestUs = g.kinds.compactMap { k in singles.firstIndex { $0 == (g.process, k) }.map { alone[$0] } }.max() ?? .nan
            return r
        }
    }
}

extension FunctionMix {
    /// Part 1 of round 29 (`function_mix.jsonl`): a chain of 32 kernels of function A beside a chain of A, of B (A's
    /// code under another name) or of C (other code), or alone; per kernel of A's chain, its median time.
    public enum Neighbour: String, Sendable, Decodable {
        /// A's chain ran alone; beside a chain of A itself, of B (A's code under another name), of C (other code).
        case alone = "none", a = "A", b = "B", c = "C"
    }

    public struct KernelPoint: Sendable, Decodable {
        public var blocks: Int, neighbour: Neighbour, neighbourBlocks: Int?, kernel: Int, us: Double, sharedSM: Bool, chainSpanUs: Double
        enum CodingKeys: String, CodingKey {
            case blocks, neighbour, neighbourBlocks = "neighbour_blocks", kernel, us, sharedSM = "shared_sm", chainSpanUs = "chain_span_us"
        }
    }

    /// One case of part 1: A's grid size, the neighbour's function and grid size, A's chain span and median kernel time.
    public struct KernelCase: Sendable {
        public var blocks: Int, neighbour: Neighbour, neighbourBlocks: Int, chainSpanUs: Double, kernelUs: Double, kernelsBesideNeighbour: Int
    }

    /// The cases of part 1, in the file's order.
    public static func kernelCases() throws -> [KernelCase] {
        let points = try MeasuredRuns.required("function_mix.jsonl", as: KernelPoint.self, sub: "/round29/")
        var order: [String] = [], byCase: [String: [KernelPoint]] = [:]
        for p in points {
            let key = "\(p.blocks) \(p.neighbour) \(p.neighbourBlocks ?? 0)"
            if byCase[key] == nil { order.append(key) }
            byCase[key, default: []].append(p)
        }
        return order.compactMap { key in
            guard let ps = byCase[key], let p = ps.first else { return nil }
            return KernelCase(blocks: p.blocks, neighbour: p.neighbour, neighbourBlocks: p.neighbour == .alone ? 0 : p.neighbourBlocks ?? p.blocks,
                              chainSpanUs: p.chainSpanUs, kernelUs: FrontEndSharing.median(ps.map(\.us)) ?? .nan, kernelsBesideNeighbour: ps.filter(\.sharedSM).count)
        }
    }
}
