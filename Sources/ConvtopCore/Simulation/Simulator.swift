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
                throw ConvtopError(.simulation, "kernel \(k.name) of op '\(kg.graph.nodes[k.op].name)' cannot fit on any SM of \(gpu.name): \(why) exceed what an SM has; choose another GPU or precision")
            }
        }
    }

    /// What happens at an event; the payload names the kernel, hardware queue, partition or running batch it concerns.
    enum EventKind: Equatable {
        /// The host's launch of a kernel reaches its hardware queue.
        case arrive(kernel: Int32)
        /// A queue's head may have become eligible (its launch-gap wait has passed).
        case tryIssue(connection: Int32)
        /// The front end has started a grid; it joins its partition's dispatch queue.
        case gridReady(kernel: Int32)
        /// The front end's oldest grid may have finished its launch work (stale unless `stamp` is the latest).
        case frontEnd(stamp: Int32)
        /// A partition's dispatcher runs once the groups ending at this instant have freed their SMs.
        case dispatch(partition: Int32)
        /// A running batch of block groups ends (see FluidPricing).
        case batchEnd(batch: Int32)
        /// A kernel's last block has ended and its completion is visible to dependants.
        case complete(kernel: Int32)
        /// DRAM contention moved at this instant: every running batch is re-priced once the instant's changes are in.
        case repriceAll
        /// A connection's polling window after its last grid's launch has passed.
        case pollEnd(connection: Int32)
    }

    struct Event: HeapElement {
        var time: Double
        var seq: Int
        var kind: EventKind
        /// A batch's end event is tracked by the batch's slot (see `MinHeap.moveEarlier`).
        var trackingSlot: Int? {
            if case .batchEnd(let b) = kind { return Int(b) }
            return nil
        }
        static func < (l: Event, r: Event) -> Bool { l.time < r.time || (l.time == r.time && l.seq < r.seq) }
        static func == (l: Event, r: Event) -> Bool { l.time == r.time && l.seq == r.seq }
    }

    public func run() throws -> Trace {
        var st = try State(self)
        return try st.run()
    }
}
