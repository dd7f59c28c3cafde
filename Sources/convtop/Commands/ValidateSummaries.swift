import ConvtopCore

/// The summary line of every network-level set `convtop validate` prints, for `--json`: each set's serial-time and
/// speedup errors, median and worst (absolute), and how many of each.
struct SetSummary: Encodable {
    var set: String
    var serialCount: Int, serialMedian: Double?, serialWorst: Double?
    var speedupCount: Int, speedupMedian: Double?, speedupWorst: Double?

    init(_ set: String, serial: [Double], speedup: [Double]) {
        self.set = set
        serialCount = serial.count; speedupCount = speedup.count
        let s = FidelityReport.medianWorst(serial), p = FidelityReport.medianWorst(speedup)
        serialMedian = serial.isEmpty ? nil : s.median; serialWorst = serial.isEmpty ? nil : s.worst
        speedupMedian = speedup.isEmpty ? nil : p.median; speedupWorst = speedup.isEmpty ? nil : p.worst
    }

    /// Every set, in the order the text output prints them.
    static func all() throws -> [SetSummary] {
        let h200 = try GPUCatalog.load("h200")
        let fitted = try FidelityReport.run()
        let lease = try SecondLeaseReport.run(gpu: h200)
        let corpus = try HeldOutNetworks.run()
        let batches = try HeldOutNetworks.runBatches(gpu: h200)
        let lifetimes = try BranchLiveness.rows(gpu: h200)
        let zoo = try HeldOutZoo.run(gpu: h200)
        let prefixes = try PrefixReplays.run(gpu: h200, floorUs: try DeviceSideRuns.graphFloorUs(pass: 0))
        let training = try ZooTraining.run(gpu: h200), variants = try ZooTraining.run(gpu: h200, set: .variants)
        let steps = StepGraphCheck.stepErrors(try StepGraphCheck.run(gpu: h200))
        let shapes = try OtherShapes.run(), networks = try OtherShapes.run(.round18, gpu: h200)
        let oddSizes = try OtherShapes.run(.round20, gpu: h200), large = try OtherShapes.run(.round24, gpu: h200)
        return [
            SetSummary("fitted sets", serial: fitted.serialErrors, speedup: fitted.speedupErrors),
            SetSummary("second lease", serial: lease.serialErrors, speedup: lease.speedupErrors),
            SetSummary("memory lifetimes (round 13)", serial: lifetimes.map(\.serialError), speedup: lifetimes.map(\.speedupErrorFreed)),
            SetSummary("ONNX corpus (held out)", serial: corpus.map(\.serialError), speedup: corpus.compactMap(\.speedupError)),
            SetSummary("ONNX corpus at new batch sizes (held out)", serial: batches.map(\.serialError), speedup: batches.compactMap(\.speedupError)),
            SetSummary("zoo held out (round 13)", serial: zoo.rows.map(\.serialError), speedup: zoo.rows.compactMap(\.speedupError)),
            SetSummary("node by node (round 14)", serial: prefixes.map(\.error), speedup: []),
            SetSummary("zoo training (round 14)", serial: training.rows.map(\.step.serialError), speedup: training.rows.compactMap(\.step.speedupError)),
            SetSummary("zoo training variants (round 14, held out)", serial: variants.rows.map(\.step.serialError),
                       speedup: variants.rows.compactMap(\.step.speedupError)),
            SetSummary("captured training steps (round 26)", serial: steps.serial, speedup: steps.speedup),
            SetSummary("new shapes (round 7, held out)", serial: shapes.map(\.serialError), speedup: shapes.compactMap(\.speedupError)),
            SetSummary("new networks (round 18, held out)", serial: networks.map(\.serialError), speedup: networks.compactMap(\.speedupError)),
            SetSummary("odd input and batch sizes (round 20, held out)", serial: oddSizes.map(\.serialError),
                       speedup: oddSizes.compactMap(\.speedupError)),
            SetSummary("larger and newer networks (round 24, held out)", serial: large.map(\.serialError), speedup: large.compactMap(\.speedupError)),
        ]
    }
}
