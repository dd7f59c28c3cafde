/// Discrete-event simulation of one iteration at thread-block granularity.
///
/// Host launches feed stream FIFOs mapped onto hardware connections; a connection hands its head kernel to the block
/// dispatcher once the kernel's stream predecessor and cross-stream events are complete. The dispatcher serves grids
/// in arrival order (priority first): a later grid gets blocks only after every block of the earlier grids has been
/// dispatched, and only on SMs with room for its threads, warps, block slots, registers and shared memory. Blocks are
/// priced by `TimingModel` when they start, sharing their SM's throughput with co-resident warps and the chip's DRAM
/// bandwidth with co-running blocks.
public struct Simulator {
    let kg: KernelGraph
    let schedule: Schedule
    let gpu: GPUSpec
    let options: SimulationOptions
    let timing: TimingModel

    public init(kernels: KernelGraph, schedule: Schedule, gpu: GPUSpec, options: SimulationOptions) {
        kg = kernels; self.schedule = schedule; self.gpu = gpu; self.options = options
        timing = TimingModel(gpu: gpu)
    }

    /// Checks that every kernel's block fits on an SM of this GPU (or of its SM range).
    public static func checkFits(_ kg: KernelGraph, gpu: GPUSpec) throws {
        for k in kg.kernels {
            let f = BlockFootprint(kernel: k, gpu: gpu)
            if f.blocksPerSM(gpu) == 0 || k.threadsPerBlock > 1024 {
                let why = f.misfit(gpu, threadsRequested: k.threadsPerBlock, registersPerThread: k.registersPerThread)
                    ?? "its resources"
                throw SimulationError("kernel \(k.name) of op '\(kg.graph.nodes[k.op].name)' cannot fit on any SM of \(gpu.name): \(why) exceed what an SM has; choose another GPU or precision")
            }
        }
    }

    struct Event: Comparable {
        var time: Double
        var seq: Int
        var kind: UInt8
        var a: Int32
        static func < (l: Event, r: Event) -> Bool { l.time < r.time || (l.time == r.time && l.seq < r.seq) }
    }
    static let arrive: UInt8 = 0, tryIssue: UInt8 = 1, gridReady: UInt8 = 2, groupEnd: UInt8 = 3, complete: UInt8 = 4, dispatch: UInt8 = 5

    public func run() throws -> Trace {
        var st = try State(self)
        return try st.run()
    }
}
