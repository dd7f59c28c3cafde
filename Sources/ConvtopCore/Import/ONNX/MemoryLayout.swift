/// Where a tensor's memory is not in its logical order, and which ops read it so without a copy: PyTorch's permute
/// is a view, element-wise ops iterate any strides (their output keeps the input's order), convolutions, batch norm
/// and pooling read and write channels-last (N, H, W, C in memory) as they read NCHW, and every other op (layer norm,
/// matrix products, reshapes, softmax, reductions) copies to contiguous memory first.
///
/// ConvNeXt's blocks permute to channels-last for their layer norm and MLP and back: an exporter writes two
/// Transposes, but PyTorch copies nothing, since the depthwise convolution keeps the block's input channels-last
/// (the H200 profile of ConvNeXt-T, Assets/onnx/measured/kernels.jsonl.gz: 4 copies an iteration where the export
/// has 46 Transposes).
///
/// An order lists the logical axes outermost first: [0, 1, 2, 3] is contiguous, [0, 2, 3, 1] channels-last.
enum MemoryLayout {
    static let channelsLast = [0, 2, 3, 1]

    /// The memory order after permuting logical axes by `perm` (output axis i is input axis perm[i]).
    static func transposed(_ order: [Int], perm: [Int]) -> [Int] {
        var inverse = Array(repeating: 0, count: perm.count)
        for (i, p) in perm.enumerated() where p >= 0 && p < perm.count { inverse[p] = i }
        return order.map { $0 >= 0 && $0 < inverse.count ? inverse[$0] : $0 }
    }

    /// Whether axes in this memory order are contiguous for these sizes (axes of size 1 may sit anywhere).
    static func isContiguous(_ order: [Int], dims: [Int]) -> Bool {
        let real = order.filter { $0 >= 0 && $0 < dims.count && dims[$0] != 1 }
        return real == real.sorted()
    }

    /// Whether an ONNX op reads a tensor in this order in place.
    static func reads(_ order: [Int], op: String) -> Bool {
        switch op {
        case "Transpose", "Shape", "Size": return true
        case "Relu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Erf", "Sqrt", "Exp", "Gelu", "LeakyRelu", "Elu",
             "Selu", "Softplus", "Mish", "Neg", "Abs", "Reciprocal", "Log", "Not", "Sign", "Floor", "Ceil", "Round":
            return true
        case "Conv", "BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool":
            return order == channelsLast
        default:
            return false
        }
    }

    /// Whether an op's output keeps the memory order of its input (`input` and `output` shapes).
    static func keeps(_ kind: OpKind, order: [Int], input: [Int], output: [Int]) -> Bool {
        switch kind {
        case .relu, .relu6, .unary, .binary, .add: return input == output
        case .conv, .batchNorm, .maxPool, .avgPool: return order == channelsLast && output.count == 4 && !isContiguous(order, dims: output)
        default: return false
        }
    }
}
