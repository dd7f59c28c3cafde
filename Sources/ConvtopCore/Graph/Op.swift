/// Hyper-parameters of a 2-D convolution.
public struct ConvAttributes: Sendable, Hashable, Codable {
    public var inChannels: Int
    public var outChannels: Int
    public var kernel: (Int, Int) { (kernelH, kernelW) }
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var padH: Int, padW: Int
    public var dilationH: Int, dilationW: Int
    public var groups: Int
    public var bias: Bool

    /// The same convolution without its bias.
    public var withoutBias: ConvAttributes { var a = self; a.bias = false; return a }

    public init(inChannels: Int, outChannels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = false) {
        self.inChannels = inChannels; self.outChannels = outChannels
        kernelH = kernel.0; kernelW = kernel.1
        strideH = stride.0; strideW = stride.1
        padH = padding.0; padW = padding.1
        dilationH = dilation.0; dilationW = dilation.1
        self.groups = groups; self.bias = bias
    }

    public static func == (a: ConvAttributes, b: ConvAttributes) -> Bool {
        a.inChannels == b.inChannels && a.outChannels == b.outChannels && a.kernelH == b.kernelH &&
            a.kernelW == b.kernelW && a.strideH == b.strideH && a.strideW == b.strideW && a.padH == b.padH &&
            a.padW == b.padW && a.dilationH == b.dilationH && a.dilationW == b.dilationW && a.groups == b.groups &&
            a.bias == b.bias
    }
    public func hash(into h: inout Hasher) {
        for v in [inChannels, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW, groups] {
            h.combine(v)
        }
        h.combine(bias)
    }

    /// Weight (and bias) element counts.
    public var parameterTensors: [Int] {
        let w = outChannels * (inChannels / groups) * kernelH * kernelW
        return bias ? [w, outChannels] : [w]
    }
    public var isDepthwise: Bool { groups > 1 && groups == inChannels }
}

/// Hyper-parameters of max/average pooling.
public struct PoolAttributes: Sendable, Hashable, Codable {
    public var kernel: Int
    public var stride: Int
    public var padding: Int
    public var ceilMode: Bool
    public init(kernel: Int, stride: Int, padding: Int = 0, ceilMode: Bool = false) {
        self.kernel = kernel; self.stride = stride; self.padding = padding; self.ceilMode = ceilMode
    }
}

/// Which part of a training iteration an op belongs to.
public enum Phase: String, Sendable, Codable { case forward, backward, update }

/// What an operation computes. Forward ops, their backward counterparts and optimizer updates.
public enum OpKind: Sendable, Hashable {
    case input
    case conv(ConvAttributes)
    case batchNorm
    case relu
    case relu6
    case maxPool(PoolAttributes)
    case avgPool(PoolAttributes)
    case adaptiveAvgPool
    case concat
    /// Element-wise sum of all inputs (residual add, PathNet module sum).
    case add
    case linear(inFeatures: Int, outFeatures: Int, bias: Bool)
    case dropout
    case flatten
    case softmaxCrossEntropy
    /// Softmax over the last axis.
    case softmax
    /// An element-wise function of one tensor (constants and learned scales folded in).
    case unary(UnaryOp)
    /// An element-wise op of two computed tensors with broadcasting; the output has the broadcast shape.
    case binary(BinaryOp)
    /// A reduction to the node's shape (axes of size 1 or removed).
    case reduce(ReduceOp)
    /// Layer normalisation over the trailing `normalized` elements of each row.
    case layerNorm(normalized: Int)
    /// Group normalisation of an N×C×… tensor in `groups` groups.
    case groupNorm(groups: Int)
    /// A copy kernel: a permutation, slice or padding made contiguous.
    case copy(CopyKind)
    /// A change of shape without data movement (reshape, squeeze, expand, channel split): no kernel.
    case view
    /// Spatial up- or down-sampling of an N×C×H×W tensor to the node's shape.
    case resize(ResizeMode)
    /// Transposed convolution, described by the forward convolution whose data gradient it is (that convolution
    /// maps this op's output shape to its input shape).
    case convTranspose(ConvAttributes)
    /// A batched product of two computed tensors.
    case matmul(MatmulShape)
    /// Scaled dot-product attention of query, key and value tensors (PyTorch's fused kernels).
    case attention(AttentionShape)
    // Backward.
    case lossBackward
    case convDataGrad(ConvAttributes)
    case convWeightGrad(ConvAttributes)
    case batchNormBackward
    case reluBackward
    case poolBackward(max: Bool)
    case adaptiveAvgPoolBackward
    case linearDataGrad(inFeatures: Int, outFeatures: Int)
    case linearWeightGrad(inFeatures: Int, outFeatures: Int, bias: Bool)
    case dropoutBackward
    case softmaxBackward
    case unaryBackward(UnaryOp)
    /// The gradient of one operand of a binary op (reduced over broadcast axes where the operand was smaller).
    case binaryBackward(BinaryOp)
    case reduceBackward
    case layerNormBackward(normalized: Int)
    case groupNormBackward(groups: Int)
    case copyBackward(CopyKind)
    case resizeBackward(ResizeMode)
    case convTransposeDataGrad(ConvAttributes)
    case convTransposeWeightGrad(ConvAttributes)
    /// The gradient of one operand of a matmul: a batched product of the same size.
    case matmulGrad(MatmulShape)
    case attentionBackward(AttentionShape)
    /// A view of the gradient (concat/flatten backward): no kernel.
    case gradientView
    /// Sum of gradient contributions where a tensor fans out.
    case gradAccumulate
    // Optimizer.
    case sgdUpdate
    case sgdUpdateForeach
    /// An op imported from a profiler trace: its kernels come from the trace, not from lowering.
    case external

    /// A convolution's or linear layer's weight gradient (what `ooo-backprop` takes off the critical path).
    public var isWeightGradient: Bool {
        switch self {
        case .convWeightGrad, .linearWeightGrad: return true
        default: return false
        }
    }

    /// Short lowercase name used in tables, JSON and labels.
    public var name: String {
        switch self {
        case .input: return "input"
        case .conv: return "conv"
        case .batchNorm: return "batchnorm"
        case .relu: return "relu"
        case .relu6: return "relu6"
        case .maxPool: return "maxpool"
        case .avgPool: return "avgpool"
        case .adaptiveAvgPool: return "adaptive_avgpool"
        case .concat: return "concat"
        case .add: return "add"
        case .linear: return "linear"
        case .dropout: return "dropout"
        case .flatten: return "flatten"
        case .softmaxCrossEntropy: return "softmax_cross_entropy"
        case .softmax: return "softmax"
        case .unary(let u): return u.name
        case .binary(let b): return b.rawValue
        case .reduce(let r): return "reduce_\(r.rawValue)"
        case .layerNorm: return "layernorm"
        case .groupNorm: return "groupnorm"
        case .copy(let c): return c.rawValue
        case .view: return "view"
        case .resize(let m): return "resize_\(m.rawValue)"
        case .convTranspose: return "conv_transpose"
        case .matmul: return "matmul"
        case .attention: return "attention"
        case .softmaxBackward: return "softmax_backward"
        case .unaryBackward(let u): return "\(u.name)_backward"
        case .binaryBackward(let b): return "\(b.rawValue)_backward"
        case .reduceBackward: return "reduce_backward"
        case .layerNormBackward: return "layernorm_backward"
        case .groupNormBackward: return "groupnorm_backward"
        case .copyBackward(let c): return "\(c.rawValue)_backward"
        case .resizeBackward(let m): return "resize_\(m.rawValue)_backward"
        case .convTransposeDataGrad: return "conv_transpose_dgrad"
        case .convTransposeWeightGrad: return "conv_transpose_wgrad"
        case .matmulGrad: return "matmul_grad"
        case .attentionBackward: return "attention_backward"
        case .lossBackward: return "loss_backward"
        case .convDataGrad: return "conv_dgrad"
        case .convWeightGrad: return "conv_wgrad"
        case .batchNormBackward: return "batchnorm_backward"
        case .reluBackward: return "relu_backward"
        case .poolBackward(let m): return m ? "maxpool_backward" : "avgpool_backward"
        case .adaptiveAvgPoolBackward: return "adaptive_avgpool_backward"
        case .linearDataGrad: return "linear_dgrad"
        case .linearWeightGrad: return "linear_wgrad"
        case .dropoutBackward: return "dropout_backward"
        case .gradientView: return "grad_view"
        case .gradAccumulate: return "grad_accumulate"
        case .sgdUpdate: return "sgd_update"
        case .sgdUpdateForeach: return "sgd_update_foreach"
        case .external: return "traced"
        }
    }

    /// Element counts of the learnable parameter tensors this op owns.
    public func parameterTensors(channels: Int) -> [Int] {
        switch self {
        case .conv(let a): return a.parameterTensors
        case .batchNorm: return [channels, channels]
        case .linear(let i, let o, let b): return b ? [i * o, o] : [i * o]
        case .convTranspose(let a): return a.parameterTensors
        case .layerNorm(let n): return [n, n]
        case .groupNorm: return [channels, channels]
        default: return []
        }
    }
}

/// Refers to one learnable parameter tensor: the op that owns it and its index among that op's tensors.
public struct ParameterRef: Sendable, Hashable, Codable, Comparable {
    public var node: Int
    public var index: Int
    public init(node: Int, index: Int) { self.node = node; self.index = index }
    public static func < (a: ParameterRef, b: ParameterRef) -> Bool { (a.node, a.index) < (b.node, b.index) }
}
