import Foundation

/// Whether a workload's kernels consult the kernel catalog (the default) or come from convtop's model alone.
public enum KernelSource: String, Sendable, Hashable, Codable, CaseIterable {
    case catalog, model
}

/// Where a GPU's kernels come from: its own measured catalog, a catalog measured on a GPU of the same architecture
/// (times carried over by the ratio of the two GPUs' modelled times), or the model alone.
public enum CatalogSource: Sendable {
    case measured(KernelCatalog)
    /// Measured on `catalog.gpuName`; this GPU's times are the measured ones × (this GPU's modelled time ÷ the
    /// measured GPU's modelled time), op by op (`CatalogLowering.transferRatio`).
    case derived(KernelCatalog, measuredOn: GPUSpec)
    case none

    public var catalog: KernelCatalog? {
        switch self {
        case .measured(let c), .derived(let c, _): return c
        case .none: return nil
        }
    }

    /// A line for `convtop gpus`: measured, derived from which GPU, or none.
    public var summary: String {
        switch self {
        case .measured(let c): return "measured (\(c.count) ops)"
        case .derived(let c, _): return "derived from \(c.gpuName)"
        case .none: return "none (model only)"
        }
    }

    /// The catalog for a GPU: the folder it was calibrated into, else `Assets/catalog/<name>/`, else a shipped
    /// catalog of another GPU with the same compute capability major (Hopper's H100 from the H200), else none.
    public static func forGPU(_ gpu: GPUSpec) -> CatalogSource {
        resolved.get("\(gpu.name)|\(gpu.catalogDirectory ?? "")|\(gpu.computeCapability)") { resolve(gpu) }
    }

    private static let resolved = Memo<String, CatalogSource>()

    private static func resolve(_ gpu: GPUSpec) -> CatalogSource {
        if let dir = gpu.catalogDirectory {
            return CatalogFile.cached(dir + "/" + CatalogFile.fileName).map { .measured($0) } ?? .none
        }
        guard let root = AssetLocator.directory("catalog") else { return .none }
        if let own = CatalogFile.cached(root + "/" + gpu.name + "/" + CatalogFile.fileName) { return .measured(own) }
        let others = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
        for name in others where name != gpu.name {
            guard let c = CatalogFile.cached(root + "/" + name + "/" + CatalogFile.fileName), c.ccMajor == gpu.ccMajor,
                  let measuredOn = try? GPUCatalog.load(c.gpuName) else { continue }
            return .derived(c, measuredOn: measuredOn)
        }
        return .none
    }
}
