/// The backward ops autograd runs for the general tensor ops (element-wise, reductions, normalisation, data
/// movement, matrix products, attention): which ops, on which tensors, and which forward inputs they feed.
enum TensorOpBackward {
    /// One backward op to append: its kind, inputs, output shape, and the forward inputs whose gradient it is.
    struct Op {
        var kind: OpKind
        var suffix: String
        var inputs: [Int]
        var shape: TensorShape
        var to: [Int]
        var macs: Int = 0
    }

    /// Backward ops of forward node `v` given the op `g` producing its output gradient. Empty when the gradient
    /// passes through unchanged (views, same-shape additions): then every input receives `g`.
    static func ops(for v: Node, gradient g: Int, forward: Graph) -> [Op] {
        let shape = { (i: Int) in forward.nodes[i].shape }
        let x = v.inputs.first ?? g
        switch v.kind {
        case .unary(let u):
            return [Op(kind: .unaryBackward(u), suffix: "backward", inputs: [g, x], shape: shape(x), to: [x])]
        case .binary(let b):
            // Each computed operand gets its gradient: a sum or difference passes it through where the operand has
            // the output's shape (a view); otherwise an element-wise kernel, summed down over broadcast axes.
            return v.inputs.enumerated().map { k, i in
                if (b == .add || b == .sub) && shape(i) == v.shape {
                    return Op(kind: .gradientView, suffix: "grad\(k)", inputs: [g], shape: shape(i), to: [i])
                }
                let other = v.inputs.enumerated().first { $0.offset != k }.map { [$0.element] } ?? []
                return Op(kind: .binaryBackward(b), suffix: "grad\(k)", inputs: [g] + other, shape: shape(i), to: [i])
            }
        case .reduce:
            return [Op(kind: .reduceBackward, suffix: "backward", inputs: [g], shape: shape(x), to: [x])]
        case .layerNorm(let n):
            return [Op(kind: .layerNormBackward(normalized: n), suffix: "backward", inputs: [g, x], shape: shape(x), to: [x])]
        case .groupNorm(let groups):
            return [Op(kind: .groupNormBackward(groups: groups), suffix: "backward", inputs: [g, x], shape: shape(x), to: [x])]
        case .copy(let c):
            return [Op(kind: .copyBackward(c), suffix: "backward", inputs: [g], shape: shape(x), to: [x])]
        case .view:
            return [Op(kind: .gradientView, suffix: "view", inputs: [g], shape: shape(x), to: [x])]
        case .resize(let m):
            return [Op(kind: .resizeBackward(m), suffix: "backward", inputs: [g], shape: shape(x), to: [x])]
        case .softmax:
            return [Op(kind: .softmaxBackward, suffix: "backward", inputs: [g, v.id], shape: shape(x), to: [x])]
        case .convTranspose(let a):
            return [Op(kind: .convTransposeWeightGrad(a), suffix: "wgrad", inputs: [g, x], shape: v.shape, to: [], macs: v.macs),
                    Op(kind: .convTransposeDataGrad(a), suffix: "dgrad", inputs: [g], shape: shape(x), to: [x], macs: v.macs)]
        case .matmul(let s):
            return v.inputs.enumerated().map { k, i in
                let other = v.inputs.enumerated().first { $0.offset != k }.map { [$0.element] } ?? []
                return Op(kind: .matmulGrad(s), suffix: "grad\(k)", inputs: [g] + other, shape: shape(i), to: [i], macs: s.macs)
            }
        case .attention(let s):
            return [Op(kind: .attentionBackward(s), suffix: "backward", inputs: [g] + v.inputs, shape: shape(x),
                       to: Array(Set(v.inputs)).sorted(), macs: 2 * s.macs)]
        default:
            return []
        }
    }
}
