/// Where a workload's kernel times come from: the share of its kernels' standalone time (one iteration, each kernel
/// alone on the GPU) that the GPU's kernel catalog measured for the op itself, that its nearest measured neighbours
/// gave (`KernelCatalog.nearEstimateUs`), and that convtop's rules alone gave. Held-out sets say how far each goes:
/// `convtop validate` (round 23: held-out convolutions priced from neighbours come out about 10% short at the median
/// where convtop gives them 100 µs or more).
public struct TimeSources: Sendable, Equatable, Encodable {
    /// Shares of the standalone kernel time, summing to 1 (all 0 for a workload without kernels).
    public var catalog = 0.0, neighbours = 0.0, model = 0.0
    /// Kernels by origin.
    public var catalogKernels = 0, neighbourKernels = 0, modelKernels = 0
    /// The GPU the catalog was measured on, where it is not the simulated one (its times carried over by the ratio of
    /// the two GPUs' modelled times).
    public var measuredOn: String?

    enum CodingKeys: String, CodingKey {
        case catalog, neighbours, model
        case catalogKernels = "catalog_kernels", neighbourKernels = "neighbour_kernels", modelKernels = "model_kernels"
        case measuredOn = "measured_on"
    }

    public init(_ kernels: [Kernel], timing: TimingModel, measuredOn: String? = nil) {
        self.measuredOn = measuredOn
        var us: [KernelOrigin: Double] = [:]
        for k in kernels {
            us[k.origin, default: 0] += timing.standaloneDuration(k)
            switch k.origin {
            case .catalog: catalogKernels += 1
            case .near: neighbourKernels += 1
            case .model: modelKernels += 1
            }
        }
        let total = us.values.reduce(0, +)
        guard total > 0 else { return }
        catalog = (us[.catalog] ?? 0) / total
        neighbours = (us[.near] ?? 0) / total
        model = (us[.model] ?? 0) / total
    }
}

extension Workload {
    /// Where this workload's kernel times come from (`TimeSources`).
    public var timeSources: TimeSources {
        var on: String?
        if case .derived(_, let measured) = Self.catalog(scenario, gpu) { on = measured.name }
        return TimeSources(kernels.kernels, timing: TimingModel(gpu: gpu), measuredOn: on)
    }
}
