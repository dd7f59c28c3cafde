/// Simulated against measured, per kernel class and per iteration, for every shipped calibration set.
public struct ValidationReport: Sendable {
    public struct ClassRow: Sendable {
        public var kernelClass: KernelClass
        public var measuredCount: Int, simulatedCount: Int
        public var measuredUs: Double, simulatedUs: Double
        public var error: Double { measuredUs > 0 ? simulatedUs / measuredUs - 1 : 0 }
    }
    public struct SetRow: Sendable {
        public var file: String
        public var label: String
        public var classes: [ClassRow]
        public var serialMeasuredMs: Double?
        public var serialSimulatedMs: Double
        public var serialLaunch: LaunchMode
        public var branchMeasuredMs: Double?
        public var branchSimulatedMs: Double
        public var serialError: Double? { serialMeasuredMs.map { serialSimulatedMs / $0 - 1 } }
        public var measuredSpeedup: Double? { branchMeasuredMs.flatMap { b in serialMeasuredMs.map { $0 / b } } }
        public var simulatedSpeedup: Double { serialSimulatedMs / branchSimulatedMs }
    }
    public struct PairRow: Sendable {
        public var label: String
        public var measuredSpeedup: Double
        public var simulatedSpeedup: Double
    }
    public var sets: [SetRow]
    public var pairs: [PairRow]

    /// Runs every comparison. `gpuOverride` replaces the profile named by each file's prefix.
    public static func run(gpuOverride: GPUSpec? = nil) throws -> ValidationReport {
        var rows: [SetRow] = []
        for m in try CalibrationData.load() {
            var s = Scenario()
            s.model = m.model; s.batch = m.batch; s.mode = m.mode; s.gpu = m.gpu; s.launch = m.serialLaunch
            let w = try Workload(s, gpu: gpuOverride)
            let timing = TimingModel(gpu: w.gpu)
            var classes: [ClassRow] = []
            for c in KernelClass.allCases {
                let mk = m.kernels.filter { !$0.isMemset && $0.kernelClass == c }
                let sk = w.kernels.kernels.filter { $0.kernelClass == c }
                classes.append(ClassRow(kernelClass: c, measuredCount: mk.count, simulatedCount: sk.count,
                                        measuredUs: mk.reduce(0) { $0 + $1.durationUs },
                                        simulatedUs: sk.reduce(0) { $0 + timing.standaloneDuration($1) }))
            }
            let serial = try w.simulate(.serial, recordBlocks: false).1.iterationTime / 1000
            let branch = try w.simulate(.branch, recordBlocks: false).1.iterationTime / 1000
            rows.append(SetRow(file: m.file, label: "\(m.model) \(m.mode == .training ? "training" : "inference") b\(m.batch)",
                               classes: classes, serialMeasuredMs: m.serialMs, serialSimulatedMs: serial,
                               serialLaunch: m.serialLaunch, branchMeasuredMs: m.branchMs, branchSimulatedMs: branch))
        }
        var pairs: [PairRow] = []
        for p in CalibrationData.pairs() {
            var b = GraphBuilder(name: "pair_\(p.label)")
            let x = b.input(p.input)
            let y = b.input(p.input, name: "input2")
            _ = b.conv(x, p.cout, k: p.k, p: p.k / 2)
            _ = b.conv(y, p.cout, k: p.k, p: p.k / 2)
            var sc = Scenario()
            sc.gpu = "h200"; sc.streams = 2; sc.launch = .graph
            let w = try Workload(graph: b.build(), scenario: sc, gpu: gpuOverride)
            func run(_ p: PolicyKind) throws -> Double { try w.simulate(p, recordBlocks: false).1.iterationTime }
            pairs.append(PairRow(label: "two \(p.label) convs \(p.cin)→\(p.cout) \(p.k)×\(p.k) on \(p.input.map(String.init).joined(separator: "×"))",
                                 measuredSpeedup: p.serialMs / p.parallelMs, simulatedSpeedup: try run(.serial) / run(.branch)))
        }
        return ValidationReport(sets: rows, pairs: pairs)
    }
}
