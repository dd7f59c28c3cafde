import ArgumentParser
import ConvtopCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `convtop calibrate`: measures a kernel catalog and a GPU profile on this machine's own GPU.
struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure a kernel catalog and GPU profile on this machine's GPU (needs Python 3, PyTorch and CUDA).",
        discussion: """
            Writes into a new folder: manifest.jsonl (the ops to measure: every distinct op of the chosen networks at \
            the chosen batch sizes, inference and training, plus a generic shape sweep), catalog.tsv.gz (their real \
            kernels, measured with PyTorch's profiler by Assets/catalog/measure_catalog.py), device.json and gpu.json. \
            Then '--gpu DIR' simulates with them.
            """)

    @Option(name: [.short, .customLong("output")], help: "A new (or empty) folder to write into.") var output = "convtop-calibration"
    @Option(help: "Networks whose ops to measure, comma-separated (default: the whole zoo).") var models: String?
    @Option(help: "Batch sizes, comma-separated.") var batches = "1,2,4,8,16,32,64,128,256"
    @Option(help: "Modes, comma-separated: inference, training.") var modes = "inference,training"
    @Flag(inversion: .prefixedNo, help: "Add the generic shape sweep (convolutions wide, narrow, strided for up-sampling, grouped, depthwise; batch norm, pooling, also on large planes; linear layers at transformer shapes; patchifying stems; depthwise convolutions on channels-last input; dense 5×5 and 7×7 convolutions).") var sweep = true
    @Option(help: "Also time these networks whole, serial and multi-stream (batch sizes, comma-separated; empty for none).")
    var networks = "1,32"
    @Option(help: "Stop starting new measurements after this many seconds.") var budget: Double = 3600
    @Option(help: "The Python that has PyTorch.") var python = "python3"
    @Option(help: "Name of the GPU profile written (default: from the device's name).") var name: String?
    @Flag(help: "Write the manifest and graph files only; measure nothing.") var manifestOnly = false

    func run() throws {
        let modelList = try models.map { try parseList($0) } ?? ModelZoo.names
        let batchList = try batches.split(separator: ",").map { s -> Int in
            guard let b = Int(s.trimmingCharacters(in: .whitespaces)), (1...Scenario.maxBatch).contains(b) else {
                throw ConvtopError(.usage, "--batches: '\(s)' is not a batch size from 1 to \(Scenario.maxBatch)")
            }
            return b
        }
        let modeList = try parseChoiceList(modes, "mode", GraphMode.self)
        let networkBatches = networks.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard budget > 0, budget.isFinite else { throw ConvtopError(.usage, "--budget must be a positive number of seconds") }
        if !manifestOnly { try CalibrationRun.checkPython(python) }
        try CalibrationRun.makeFolder(output)
        let reference = try GPUCatalog.load("h200")
        var manifest = CatalogManifest()
        for (i, m) in modelList.enumerated() {
            CalibrationRun.progress("manifest", i, modelList.count)
            try manifest.addNetwork(m, batches: batchList, modes: modeList, gpu: reference)
        }
        if sweep { manifest.addSweeps(gpu: reference) }
        manifest.prioritise(batches: [1, 32])
        try OutputFile.write(manifest.jsonLines(), to: output + "/manifest.jsonl", overwrite: false)
        if !networkBatches.isEmpty {
            try CalibrationRun.makeFolder(output + "/graphs")
            for m in modelList {
                let g = try ModelLoader.load(m, batch: 1, mode: .inference)
                try OutputFile.write(try GraphFileWriter.json(g), to: output + "/graphs/\(m).json", overwrite: false)
            }
        }
        CalibrationRun.progressDone()
        print("\(manifest.items.count) ops to measure from \(modelList.count) networks\(sweep ? " and the shape sweep" : "") → \(output)/manifest.jsonl")
        if manifestOnly { return }
        try CalibrationRun(python: python, folder: output, budget: budget, name: name,
                           networkBatches: networkBatches).run()
    }

    private func parseList(_ s: String) throws -> [String] {
        let names = s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for n in names where !ModelZoo.names.contains(n) && !n.hasSuffix(".json") {
            throw ConvtopError(.usage, "--models: unknown model '\(n)'; valid: \(ModelZoo.names.joined(separator: ", ")) or a graph file")
        }
        return names
    }
}
