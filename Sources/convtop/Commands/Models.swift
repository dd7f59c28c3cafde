import ArgumentParser
import ConvtopCore

/// `convtop models [MODEL]`: the model zoo, or one model described in detail.
struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the built-in models, or describe one model (or graph file).")

    @Argument(help: "A model name or graph file to describe; omit to list every model.") var model: String?
    @Option(help: "inference or training.") var mode = GraphMode.inference
    @Option(help: "Batch size (default: an ONNX or graph file's own, else 1).") var batch: Int?
    @Flag(name: .customLong("onnx-ops"), help: "List the ONNX op types convtop imports.") var onnxOps = false
    @Option(help: "GPU whose kernels to count.") var gpu = "h100"
    @Option(help: "fp32, tf32, fp16 or bf16.") var precision = Precision.tf32
    @Flag(help: "Print JSON.") var json = false

    struct Row: Encodable {
        var name: String
        var parameters: Int
        var forwardMacs: Int
        var operations: Int
        var maxWidth: Int
        var forkJoinRegions: Int
        enum CodingKeys: String, CodingKey {
            case name, parameters, forwardMacs = "forward_macs", operations, maxWidth = "max_width", forkJoinRegions = "fork_join_regions"
        }
    }

    struct Detail: Encodable {
        var name: String, mode: String, batch: Int, gpu: String, precision: String
        var parameters: Int, forwardMacs: Int, totalMacs: Int, operations: Int, maxWidth: Int, forkJoinRegions: Int
        var kernels: Int, threadBlocks: Int, totalFlops: Double, criticalPathOps: Int
        var kernelClasses: [String: Int]
        enum CodingKeys: String, CodingKey {
            case name, mode, batch, gpu, precision, parameters, forwardMacs = "forward_macs", totalMacs = "total_macs", operations
            case maxWidth = "max_width", forkJoinRegions = "fork_join_regions", kernels, threadBlocks = "thread_blocks"
            case totalFlops = "total_flops", criticalPathOps = "critical_path_ops", kernelClasses = "kernel_classes"
        }
    }

    func run() throws {
        if onnxOps {
            print(ONNXImporter.supported.joined(separator: " "))
            return
        }
        if let model { try describe(model, batch: try batch ?? ModelLoader.defaultBatch(model)); return }
        var rows: [Row] = []
        for name in ModelZoo.names {
            let g = try ModelZoo.build(name, batch: 1)
            rows.append(Row(name: name, parameters: g.parameters, forwardMacs: g.forwardMACs, operations: g.operationCount,
                            maxWidth: g.maxWidth(), forkJoinRegions: g.dag().forkJoinRegionCount))
        }
        if json { try printJSON(rows); return }
        printTable(["model", "parameters", "MACs (b1)", "ops", "width", "fork-joins"], rows.map {
            [$0.name, grouped($0.parameters), giga(Double($0.forwardMacs)), String($0.operations), String($0.maxWidth), String($0.forkJoinRegions)]
        })
        print("\nAlso: any graph file (convtop models path/to/net.json); parameters like pathnet:L=3,M=8,N=2 or randwire:seed=7.")
    }

    func describe(_ spec: String, batch: Int) throws {
        var s = Scenario()
        s.model = spec; s.batch = batch; s.gpu = gpu
        s.mode = mode
        s.precision = precision
        let w = try Workload(s)
        let g = w.graph
        let d = g.dag()
        let cp = d.criticalPath { w.opCost[$0] }
        var classes: [String: Int] = [:]
        for k in w.kernels.kernels { classes[k.kernelClass.rawValue, default: 0] += 1 }
        let detail = Detail(name: g.name, mode: s.mode.rawValue, batch: batch, gpu: w.gpu.name, precision: s.precision.rawValue,
                            parameters: g.parameters, forwardMacs: g.forwardMACs, totalMacs: g.totalMACs,
                            operations: g.operationCount, maxWidth: g.maxWidth(), forkJoinRegions: d.forkJoinRegionCount,
                            kernels: w.kernels.kernels.count, threadBlocks: w.kernels.totalBlocks, totalFlops: w.kernels.totalFLOPs,
                            criticalPathOps: cp.path.filter { !w.kernels.opKernels[$0].isEmpty }.count, kernelClasses: classes)
        if json { try printJSON(detail); return }
        print("\(g.name) — \(s.mode.rawValue), batch \(batch), lowered for \(w.gpu.fullName) at \(s.precision.rawValue)")
        printTable(["property", "value"], [
            ["parameters", grouped(g.parameters)],
            ["forward MACs", giga(Double(g.forwardMACs))],
            ["all MACs (incl. backward)", giga(Double(g.totalMACs))],
            ["operations", String(g.operationCount)],
            ["max width (ops at once)", String(detail.maxWidth)],
            ["fork-join regions", String(d.forkJoinRegionCount)],
            ["kernels", String(w.kernels.kernels.count)],
            ["thread blocks", grouped(w.kernels.totalBlocks)],
            ["total FLOPs", giga(w.kernels.totalFLOPs) + "FLOP"],
            ["ops on the critical path", String(detail.criticalPathOps)],
        ] + classes.sorted { $0.key < $1.key }.map { ["  \($0.key) kernels", String($0.value)] })
        if let report = g.importReport {
            print("\nONNX ops and what they became (folded: shape arithmetic or constants computed at import, no kernel)")
            printTable(["ONNX op", "became"], report.mapping.map { [$0.onnxOp, $0.became] })
            for note in report.notes { print("note: \(note)") }
        }
    }
}
