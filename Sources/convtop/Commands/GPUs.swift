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
        printTable(["gpu", "name", "cc", "SMs", "threads/SM", "smem/SM KB", "FP32 TF", "TF32 TF", "FP16 TF", "DRAM GB/s", "L2 MB", "timing", "kernel catalog"],
                   specs.map { g in
                       [g.name, g.fullName, g.computeCapability, String(g.smCount), String(g.maxThreadsPerSM),
                        String(g.sharedMemoryPerSM / 1024), fmt(g.fp32TFLOPS, 1), fmt(g.tf32TFLOPS, 1), fmt(g.fp16TFLOPS, 1),
                        fmt(g.dramBandwidthGBs, 0), String(g.l2Bytes / (1024 * 1024)), SafeText.printable(g.calibration ?? "unknown"),
                        CatalogSource.forGPU(g).summary]
                   })
        print("\nmeasured: timing fitted on this GPU's own runs (Assets/calibration); derived: fitted on the named GPU and carried over,")
        print("scaled by this GPU's own peaks, bandwidth and SM limits — its error is unknown until it is measured (`convtop validate`).")
        print("kernel catalog: measured kernels per op (Assets/catalog); derived: another GPU's catalog of the same architecture,")
        print("times carried over by the two GPUs' modelled times (error unknown: no H100 was measured); none: the model alone.")
        print("Measure your own GPU with `convtop calibrate -o DIR`, then pass `--gpu DIR`.")
    }
}
