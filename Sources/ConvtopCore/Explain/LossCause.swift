/// Why an iteration takes longer than its critical-path bound: the causes `convtop explain` splits the gap into.
public enum LossCause: String, Sendable, Codable, CaseIterable {
    /// The host had not launched the kernel yet when it could have run (eager launches, events), or a CUDA Graph
    /// replay had not started on the device yet.
    case hostLaunch = "host launch"
    /// Waiting for the previous kernel of the same stream that is no producer of it (a false dependency the policy's
    /// stream assignment creates).
    case dependencies = "stream order"
    /// In a training step, waiting for an event autograd recorded behind other work: a backward node without kernels
    /// (an addition's) hands its gradient on behind whatever its stream launched before it (`AutogradEvents`).
    case autogradEvents = "autograd events"
    /// Waiting behind another stream's kernel in the same hardware queue, or for one of the 128 resident-grid slots.
    case hardwareQueues = "hardware queues"
    /// The front end's per-grid start latency and its one-grid-at-a-time pace.
    case launchLatency = "launch latency"
    /// Launched and ready, but behind an earlier grid whose blocks were not all dispatched (head-of-line blocking).
    case inOrderDispatch = "in-order dispatch"
    /// No SM had room (threads, warps, block slots, registers, shared memory), or co-resident blocks shared the SMs.
    case smResources = "SM resources"
    /// Co-running kernels together asked for more DRAM bandwidth than the chip has.
    case memoryBandwidth = "memory bandwidth"
    /// A kernel shared SMs with another branch's matrix product, and its memory round trips or tiles queued behind
    /// the product's (`GPUSpec.corunStretchUs`).
    case corunStretch = "co-running stretch"
    /// The kernel needs more than one wave of blocks on this GPU (the bound assumes unlimited SMs), partial last
    /// waves included.
    case waves = "finite SMs (waves and tails)"

    /// One line of advice for a user who sees this cause dominate.
    public var advice: String {
        switch self {
        case .hostLaunch: return "capture the iteration in a CUDA Graph (--launch graph); a replay's start-up is fixed"
        case .dependencies: return "more streams, or a policy that keeps independent branches apart (--policy branch)"
        case .autogradEvents: return "streams that keep additions apart from other branches' gradient sums (--policy critical-path)"
        case .hardwareQueues: return "more connections (CUDA_DEVICE_MAX_CONNECTIONS=32, --connections 32)"
        case .launchLatency: return "fewer, larger kernels (fusion) or a CUDA Graph"
        case .inOrderDispatch: return "priorities for the critical path (--policy critical-path), or smaller grids beside it"
        case .smResources: return "kernels with smaller tiles, or SM partitions (--policy resource-aware)"
        case .memoryBandwidth: return "lower precision (--precision bf16) or fusing memory-bound ops"
        case .corunStretch: return "fuse element-wise ops into the products beside them, or fewer streams (--streams)"
        case .waves: return "the GPU is full: only a GPU with more SMs (or less work) shortens this"
        }
    }
}
