/// An element-wise function of one tensor, constants folded in, as PyTorch runs it: one kernel.
///
/// `fused` stands for a chain that an exporter decomposed (GELU as Div·Erf·Add·Mul·Mul, SiLU as Sigmoid·Mul) and
/// that PyTorch runs as one kernel; `count` of its ops sets the arithmetic.
public enum UnaryOp: Sendable, Hashable {
    case sigmoid, hardSigmoid, hardSwish, silu, gelu, tanh, erf, sqrt, exp, clamp
    /// Multiplication or addition with a constant or learned tensor (layer scale, position embedding, bias).
    case affine
    /// Multiplication or division by one number (attention's 1/√d).
    case scale
    /// Comparisons, casts and other cheap element-wise ops.
    case other
    /// A decomposed activation run as one kernel: `ops` element-wise steps.
    case fused(ops: Int)

    /// Arithmetic per element (transcendentals count as a few operations).
    public var flopsPerElement: Double {
        switch self {
        case .sigmoid, .tanh, .erf, .exp: return 8
        case .silu, .gelu: return 12
        case .hardSigmoid, .hardSwish, .clamp: return 3
        case .sqrt: return 4
        case .affine, .scale, .other: return 1
        case .fused(let n): return Double(max(n, 1) * 3)
        }
    }

    /// Short name used in op names, graph files and kernel names.
    public var name: String {
        switch self {
        case .sigmoid: return "sigmoid"
        case .hardSigmoid: return "hard_sigmoid"
        case .hardSwish: return "hard_swish"
        case .silu: return "silu"
        case .gelu: return "gelu"
        case .tanh: return "tanh"
        case .erf: return "erf"
        case .sqrt: return "sqrt"
        case .exp: return "exp"
        case .clamp: return "clamp"
        case .affine: return "affine"
        case .scale: return "scale"
        case .other: return "elementwise"
        case .fused: return "fused_elementwise"
        }
    }

    /// The ops a graph file names by `op` (the rest arise from import only).
    public static let byName: [String: UnaryOp] = [
        "sigmoid": .sigmoid, "hard_sigmoid": .hardSigmoid, "hard_swish": .hardSwish, "silu": .silu, "gelu": .gelu,
        "tanh": .tanh, "erf": .erf, "sqrt": .sqrt, "exp": .exp, "clamp": .clamp,
    ]
}

/// An element-wise operation of two computed tensors, broadcasting as NumPy does.
public enum BinaryOp: String, Sendable, Hashable, CaseIterable {
    case add, sub, mul, div, pow, other
}

/// A reduction over some axes (ReduceMean and friends).
public enum ReduceOp: String, Sendable, Hashable, CaseIterable {
    case mean, sum, max, min, l2, other
}

/// How `resize` interpolates.
public enum ResizeMode: String, Sendable, Hashable, CaseIterable {
    case nearest, bilinear
}

/// Data movement that PyTorch runs as one copy kernel.
public enum CopyKind: String, Sendable, Hashable, CaseIterable {
    /// A permutation made contiguous (transpose, permute, channel shuffle).
    case transpose
    /// A slice or gather along a non-leading axis made contiguous.
    case slice
    /// Constant padding.
    case pad
}

/// A batched matrix product: `batch` products of an m×k by a k×n matrix.
public struct MatmulShape: Sendable, Hashable {
    public var batch: Int, m: Int, n: Int, k: Int
    public init(batch: Int, m: Int, n: Int, k: Int) { self.batch = batch; self.m = m; self.n = n; self.k = k }
    public var macs: Int { batch * m * n * k }
}

/// Scaled dot-product attention as one op: `batch` sequences × `heads` heads, queries of length `seqQ` against
/// keys of length `seqK`, `headDim` features per head.
public struct AttentionShape: Sendable, Hashable {
    public var batch: Int, heads: Int, seqQ: Int, seqK: Int, headDim: Int
    public init(batch: Int, heads: Int, seqQ: Int, seqK: Int, headDim: Int) {
        self.batch = batch; self.heads = heads; self.seqQ = seqQ; self.seqK = seqK; self.headDim = headDim
    }
    /// Q·Kᵀ and P·V.
    public var macs: Int { 2 * batch * heads * seqQ * seqK * headDim }
}
