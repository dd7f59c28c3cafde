/// A CUDA grid or block size.
public struct Dim3: Sendable, Hashable, Codable, CustomStringConvertible {
    public var x: Int, y: Int, z: Int
    public init(_ x: Int, _ y: Int = 1, _ z: Int = 1) { self.x = max(x, 1); self.y = max(y, 1); self.z = max(z, 1) }
    public var count: Int { x * y * z }
    public var description: String { z > 1 ? "\(x)×\(y)×\(z)" : (y > 1 ? "\(x)×\(y)" : "\(x)") }
}

/// The kind of work a kernel does; selects its efficiency in the timing model.
public enum KernelClass: String, Sendable, Codable, CaseIterable {
    case tensorGemm = "tensor_gemm"
    case cudaCore = "cuda_core"
    /// cuBLAS's CUDA-core (FP32, no TF32) matrix products: larger tiles, higher efficiency than convolution kernels.
    case simtGemm = "simt_gemm"
    case elementwise
    case reduction
    case layout

    /// A matrix product (tensor-core or CUDA-core convolution, cuBLAS SIMT GEMM), as against memory-bound work.
    public var isMatrixProduct: Bool { self == .tensorGemm || self == .cudaCore || self == .simtGemm }
}

/// One GPU kernel launch: what the simulator schedules and what the timing model prices.
public struct Kernel: Sendable, Hashable {
    public var id: Int
    /// The graph node this kernel belongs to.
    public var op: Int
    /// Kernel family, named after the library kernel it stands for.
    public var name: String
    public var kernelClass: KernelClass
    public var grid: Dim3
    public var block: Dim3
    public var registersPerThread: Int
    public var sharedMemoryPerBlock: Int
    public var flops: Double
    /// Work issued per FLOP counted: a tile kernel computes whole tiles, its predicated lanes included, so a layer whose
    /// output channels do not fill its last tile issues more than `flops` says (`Lowering.paddedShare`). The timing
    /// model prices `flops × issuedShare`; reports count `flops`. (cuBLAS's CUDA-core products count their padded
    /// rows in `flops` itself, as the catalog's manifests do.)
    public var issuedShare: Double = 1
    public var bytes: Double
    public var precision: Precision
    /// Kernels that must finish before this one starts (the previous kernel of the op, producers' last kernels).
    public var deps: [Int]
    /// Divides every rate the timing model gives this kernel (1 for modelled kernels). A kernel taken from the kernel
    /// catalog gets the ratio of its measured to its modelled standalone time beyond the launch latency; a miss near
    /// catalog entries gets their ratio (see `KernelCatalog`).
    public var timeScale: Double = 1
    /// Where the kernel's launch configuration and time come from.
    public var origin: KernelOrigin = .model
    /// Whether the kernel reads and writes the same tensor (an in-place update), so that it touches only half the
    /// bytes it moves.
    public var inPlace = false
    /// A fixed time each block takes whatever else runs on its SM (µs), where the library kernel's profile shows one
    /// (a row-wise normalisation's dependent load, reduce and store); nil takes the class's block overhead.
    public var blockLatencyUs: Double?

    /// The bytes of distinct data the kernel touches where its traffic re-reads them (a depthwise weight gradient reads
    /// each plane once per window element); nil where it touches each byte it moves once.
    public var touchedBytes: Double?

    /// Bytes the kernel touches, which must stay in the L2 cache for its traffic to be served from there.
    public var footprint: Double { touchedBytes ?? (inPlace ? bytes / 2 : bytes) }

    public var blocks: Int { grid.count }
    /// The name as a person reads it: a measured library kernel's C++ signature shortened to its function name
    /// (`void at::native::vectorized_elementwise_kernel<4, …>(…)` → `vectorized_elementwise_kernel`).
    public var displayName: String { Self.shortName(name) }
    /// A memset node (the catalog keeps cuDNN's among a convolution's kernels).
    public var isMemset: Bool { KernelClassifier.isMemset(name) }

    public static func shortName(_ name: String) -> String {
        var s = Substring(name)
        if s.hasPrefix("void ") { s = s.dropFirst(5) }
        var template: Substring = ""
        if let cut = s.firstIndex(where: { $0 == "<" || $0 == "(" }) {
            if s[cut] == "<" { template = s[s.index(after: cut)...].prefix { $0 != "," && $0 != ">" && $0 != "(" } }
            s = s[..<cut]
        }
        if let colon = s.range(of: "::", options: .backwards) { s = s[colon.upperBound...] }
        // CUTLASS wraps every kernel in `cutlass::Kernel<Config>`: the configuration is the name that tells.
        if s.lowercased().hasPrefix("kernel"), !template.isEmpty {
            s = template
            if let colon = s.range(of: "::", options: .backwards) { s = s[colon.upperBound...] }
        }
        while s.last == " " { s = s.dropLast() }
        return s.isEmpty ? name : String(s.prefix(72))
    }
    public var threadsPerBlock: Int { block.count }
}

/// A network lowered to kernels, with the graph it came from.
public struct KernelGraph: Sendable {
    public var graph: Graph
    public var kernels: [Kernel]
    /// Kernel ids of each node, in launch order (empty for views and inputs).
    public var opKernels: [[Int]]
    public var precision: Precision
    /// Measured standalone duration (µs) of each kernel, for graphs imported from a profiler trace.
    public var measuredUs: [Double]?

    public init(graph: Graph, kernels: [Kernel], opKernels: [[Int]], precision: Precision, measuredUs: [Double]? = nil) {
        self.graph = graph; self.kernels = kernels; self.opKernels = opKernels; self.precision = precision; self.measuredUs = measuredUs
    }

    public var totalFLOPs: Double { kernels.reduce(0) { $0 + $1.flops } }
    public var totalBlocks: Int { kernels.reduce(0) { $0 + $1.blocks } }
    /// Nodes that launch at least one kernel, in id order (a topological order).
    public var activeOps: [Int] { opKernels.indices.filter { !opKernels[$0].isEmpty } }
}

/// Where a kernel's launch configuration and time come from.
public enum KernelOrigin: String, Sendable, Hashable, CaseIterable, Encodable {
    /// convtop's rules and roofline.
    case model
    /// Measured: the kernel catalog holds this op instance.
    case catalog
    /// Modelled kernels with the time of the nearest measured ops of the same family.
    case near
}

/// Which convolution a kernel computes: the forward pass, the data gradient or the weight gradient.
public enum ConvPass: String, Sendable, Hashable, CaseIterable {
    case fprop, dgrad, wgrad

    /// The convolution pass a catalog op pass names (nil for passes convolutions do not have).
    public init?(_ pass: OpPass) {
        switch pass {
        case .forward: self = .fprop
        case .dgrad: self = .dgrad
        case .wgrad: self = .wgrad
        case .backward: return nil
        }
    }
}
