import ArgumentParser
import ConvtopCore

/// `convtop gpus`: the shipped GPU profiles.
struct GPUs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gpus", abstract: "List the GPU profiles (Assets/gpus).")
    @Flag(help: "Print JSON (the full profiles).") var json = false

    func run() throws {
        let specs = try GPUCatalog.names().map { try GPUCatalog.load($0) }
        if specs.isEmpty { throw ConvtopError(.usage, "no GPU profiles found; set CONVTOP_ASSETS to convtop's Assets directory") }
        if json { try printJSON(specs); return }
        printTable(["gpu", "name", "cc", "SMs", "threads/SM", "smem/SM KB", "FP32 TF", "TF32 TF", "FP16 TF", "DRAM GB/s", "L2 MB", "timing"],
                   specs.map { g in
                       [g.name, g.fullName, g.computeCapability, String(g.smCount), String(g.maxThreadsPerSM),
                        String(g.sharedMemoryPerSM / 1024), fmt(g.fp32TFLOPS, 1), fmt(g.tf32TFLOPS, 1), fmt(g.fp16TFLOPS, 1),
                        fmt(g.dramBandwidthGBs, 0), String(g.l2Bytes / (1024 * 1024)), SafeText.printable(g.calibration ?? "unknown")]
                   })
        print("\nmeasured: timing fitted on this GPU's own runs (Assets/calibration); derived: fitted on the named GPU and carried over,")
        print("scaled by this GPU's own peaks, bandwidth and SM limits — its error is unknown until it is measured (`convtop validate`).")
    }
}
