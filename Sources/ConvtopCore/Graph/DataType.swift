/// Numeric precision of a tensor or of a kernel's arithmetic.
public enum Precision: String, Sendable, Codable, CaseIterable {
    case fp32, tf32, fp16, bf16

    /// Bytes per element as stored in memory (tf32 is stored as fp32).
    public var bytes: Int {
        switch self {
        case .fp32, .tf32: return 4
        case .fp16, .bf16: return 2
        }
    }
}

/// A tensor shape, outermost dimension first (NCHW for images, NF for features).
public struct TensorShape: Sendable, Hashable, Codable, CustomStringConvertible {
    public var dims: [Int]
    public init(_ dims: [Int]) { self.dims = dims }

    public var elements: Int { dims.reduce(1, *) }
    public var rank: Int { dims.count }
    public var batch: Int { dims.first ?? 1 }
    /// Channels for NCHW/NF tensors.
    public var channels: Int { dims.count >= 2 ? dims[1] : 1 }
    public var height: Int { dims.count >= 4 ? dims[2] : 1 }
    public var width: Int { dims.count >= 4 ? dims[3] : 1 }
    /// Spatial elements per channel (H×W).
    public var spatial: Int { height * width }
    public var description: String { dims.map(String.init).joined(separator: "×") }

}
