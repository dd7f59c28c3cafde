/// Which optimizer kernels a training step launches.
public enum OptimizerStyle: String, Sendable, Codable, CaseIterable {
    /// One small update per parameter tensor (PyTorch's per-tensor loop).
    case perTensor = "sgd"
    /// A few large multi-tensor kernels (PyTorch's foreach/fused SGD, the default on CUDA).
    case foreach = "sgd-foreach"
}

/// Turns a forward graph into a full training step: forward, loss, backward and SGD update.
///
/// Follows PyTorch autograd: every convolution gets a data-gradient and a weight-gradient op that are independent of
/// each other; gradients are accumulated where a tensor fans out, one add as each arrives; concat and flatten
/// backward are views.
public enum TrainingGraph {
    public static func build(from forward: Graph, optimizer: OptimizerStyle = .foreach) -> Graph {
        var b = Builder(forward: forward)
        for v in forward.nodes.reversed() { b.backward(of: v) }
        b.addOptimizer(optimizer)
        return Graph(name: forward.name, mode: .training, nodes: b.nodes)
    }

    /// Whether gradient `g` of a training graph's `nodes` is a channel slice of a wider 4-D gradient at a batch above 1
    /// (a concatenation's, through views that hand it on as it is, such as an addition's backward): not contiguous.
    /// Such a slice is copied before a backward that reads it contiguous (`Builder.contiguous`) and summed strided
    /// (`Lowering.accumulatesSlices`).
    static func isStridedSlice(_ g: Int, in nodes: [Node]) -> Bool {
        var n = nodes[g], hops = 0
        while n.kind == .gradientView, let u = n.inputs.first, hops < 64 {
            let whole = nodes[u].shape
            if whole.rank == 4 && n.shape.rank == 4 && whole.channels > n.shape.channels { return n.shape.batch > 1 }
            guard whole == n.shape else { return false }
            n = nodes[u]; hops += 1
        }
        return false
    }

    /// The training step under construction: the forward nodes, then the loss, the backward ops (reverse topological
    /// order of the forward graph) and the optimizer.
    struct Builder {
        let forward: Graph
        var nodes: [Node]
        /// contributions[v]: the first op producing a gradient w.r.t. forward node v's output, then each running sum.
        var contributions: [[Int]]
        /// Each parameter tensor and the op that computes its gradient.
        var gradOps: [(ParameterRef, Int)] = []

        init(forward: Graph) {
            self.forward = forward
            nodes = forward.nodes
            contributions = Array(repeating: [], count: forward.nodes.count)
            // The network output: the last sink of the forward graph.
            let succ = forward.successors()
            let output = forward.nodes.last(where: { succ[$0.id].isEmpty })!.id
            let loss = append(.softmaxCrossEntropy, "loss", [output], TensorShape([1]), phase: .forward)
            let lossGrad = append(.lossBackward, "loss.backward", [loss, output], forward.nodes[output].shape, forwardOf: loss)
            contributions[output] = [lossGrad]
        }

        @discardableResult
        mutating func append(_ kind: OpKind, _ name: String, _ inputs: [Int], _ shape: TensorShape, phase: Phase = .backward,
                             forwardOf: Int? = nil, gradients: [ParameterRef] = [], updates: [ParameterRef] = [], macs: Int = 0) -> Int {
            let id = nodes.count
            nodes.append(Node(id: id, name: name, kind: kind, inputs: inputs, shape: shape, phase: phase,
                              forwardOf: forwardOf, gradients: gradients, updates: updates, parameterTensors: [], macs: macs))
            return id
        }

        /// Records that `op` produces a gradient for forward node `input` (the graph input needs none). A second or later
        /// gradient is added to the running sum at once, as autograd's InputBuffer does when it arrives: on the stream of
        /// the node that will consume the sum (`input`'s backward, which runs on `input`'s forward stream), which waits
        /// for the new gradient's producer. The add is launched right after that producer, so on that stream it queues
        /// ahead of every backward op autograd reaches later; a branch that shares the stream waits behind it. (One sum
        /// of every gradient before `input`'s own backward, as before session 14, let those branches run: NASNet's
        /// training step at batch 1 came out 2.28x faster with the branch rule, measured 1.79x, round14/zoo_training.jsonl.)
        mutating func give(_ op: Int, to input: Int) {
            guard forward.nodes[input].kind != .input else { return }
            guard let sum = contributions[input].last else { contributions[input] = [op]; return }
            let name = "\(forward.nodes[input].name).grad_sum" + (contributions[input].count > 1 ? "\(contributions[input].count)" : "")
            contributions[input].append(append(.gradAccumulate, name, [sum, op], forward.nodes[input].shape, forwardOf: input))
        }

        /// The backward ops of forward node `v`, once every gradient w.r.t. its output is known.
        mutating func backward(of v: Node) {
            guard v.kind != .input else { return }
            // The last contribution is the whole gradient: the running sum, or the only one.
            guard var g = contributions[v.id].last else { return } // does not influence the loss
            switch v.kind {
            case .batchNorm, .maxPool, .avgPool: g = contiguous(g, for: v)
            default: break // (a convolution's two gradients each make their own copy, `layerBackward`)
            }
            if !layerBackward(of: v, gradient: g) { tensorOpBackward(of: v, gradient: g) }
        }

        /// Gradient `g` as cuDNN's batch-norm and convolution backward and PyTorch's pooling backward read it:
        /// contiguous. A concatenation's channel slice at a batch above 1 is not, and they copy it first (one strided
        /// `direct_copy_kernel_cuda` each call: a convolution's data and weight gradients are two calls, two copies).
        /// Measured: 132 such copies in NASNet's training step at batch 4 and none at batch 1, each before a
        /// batch-norm or pooling backward; in DenseNet-121's at batch 8, two before each dense block's last
        /// convolution's gradients (Assets/calibration/round26).
        mutating func contiguous(_ g: Int, for v: Node, reader: String = "grad") -> Int {
            guard TrainingGraph.isStridedSlice(g, in: nodes) else { return g }
            return append(.copy(.slice), "\(v.name).\(reader)_contiguous", [g], v.shape, forwardOf: v.id)
        }

        /// Backward ops of the CNN layers; false for ops whose backward TensorOpBackward describes.
        mutating func layerBackward(of v: Node, gradient g: Int) -> Bool {
            let id = v.id, x = v.inputs.first
            let needsInputGrad = x.map { forward.nodes[$0].kind != .input } ?? false
            let params = v.parameterTensors.indices.map { ParameterRef(node: id, index: $0) }
            switch v.kind {
            // One autograd node computes both gradients, the data gradient first (cuDNN's and cuBLAS's backward in
            // PyTorch, round2/kernels.jsonl.gz), and hands the data gradient on only when the node is done: the event
            // another stream waits on is recorded after the weight gradient. So its consumers wait for both (a view
            // without kernels that reads both), and an add that sums it follows the weight gradient.
            case .conv(let a):
                let d = needsInputGrad ? append(.convDataGrad(a), "\(v.name).dgrad", [contiguous(g, for: v, reader: "dgrad")], forward.nodes[x!].shape,
                                                forwardOf: id, macs: v.macs) : nil
                let w = append(.convWeightGrad(a), "\(v.name).wgrad", [contiguous(g, for: v, reader: "wgrad"), x!], v.shape, forwardOf: id, gradients: params,
                               macs: v.macs)
                gradOps += params.map { ($0, w) }
                if let d { give(append(.gradientView, "\(v.name).grad_input", [d, w], forward.nodes[x!].shape, forwardOf: id), to: x!) }
            case .linear(let i, let o, let bias):
                let d = needsInputGrad ? append(.linearDataGrad(inFeatures: i, outFeatures: o), "\(v.name).dgrad", [g], forward.nodes[x!].shape,
                                                forwardOf: id, macs: v.macs) : nil
                let w = append(.linearWeightGrad(inFeatures: i, outFeatures: o, bias: bias), "\(v.name).wgrad", [g, x!], v.shape,
                               forwardOf: id, gradients: params, macs: v.macs)
                gradOps += params.map { ($0, w) }
                if let d { give(append(.gradientView, "\(v.name).grad_input", [d, w], forward.nodes[x!].shape, forwardOf: id), to: x!) }
            case .batchNorm:
                let d = append(.batchNormBackward, "\(v.name).backward", [g, x!], v.shape, forwardOf: id, gradients: params)
                gradOps += params.map { ($0, d) }
                give(d, to: x!)
            case .relu, .relu6:
                give(append(.reluBackward, "\(v.name).backward", [g, id], v.shape, forwardOf: id), to: x!)
            case .maxPool:
                give(append(.poolBackward(max: true), "\(v.name).backward", [g, x!], forward.nodes[x!].shape, forwardOf: id), to: x!)
            case .avgPool:
                give(append(.poolBackward(max: false), "\(v.name).backward", [g], forward.nodes[x!].shape, forwardOf: id), to: x!)
            case .adaptiveAvgPool:
                give(append(.adaptiveAvgPoolBackward, "\(v.name).backward", [g], forward.nodes[x!].shape, forwardOf: id), to: x!)
            case .dropout:
                give(append(.dropoutBackward, "\(v.name).backward", [g], v.shape, forwardOf: id), to: x!)
            case .concat:
                for (k, i) in v.inputs.enumerated() where forward.nodes[i].kind != .input {
                    give(append(.gradientView, "\(v.name).slice\(k)", [g], forward.nodes[i].shape, forwardOf: id), to: i)
                }
            case .flatten:
                give(append(.gradientView, "\(v.name).view", [g], forward.nodes[x!].shape, forwardOf: id), to: x!)
            case .add:
                // AddBackward: a node without kernels on the add's stream, which hands the gradient to both inputs
                // (AutogradEvents: its consumers on other streams wait behind what that stream launched before it).
                let h = append(.gradientView, "\(v.name).backward", [g], v.shape, forwardOf: id)
                for i in v.inputs { give(h, to: i) }
            default:
                return false
            }
            return true
        }

        /// General tensor ops (TensorOpBackward.swift); learned tensors of theirs (layer scale, position embedding,
        /// norm weights) get their gradient from the first backward op.
        mutating func tensorOpBackward(of v: Node, gradient g: Int) {
            let params = v.parameterTensors.indices.map { ParameterRef(node: v.id, index: $0) }
            let ops = TensorOpBackward.ops(for: v, gradient: g, forward: forward)
            var firstOp: Int?
            // Gradients only the graph input would receive are never computed (autograd skips them).
            for o in ops where o.to.isEmpty || o.to.contains(where: { forward.nodes[$0].kind != .input }) {
                let id = append(o.kind, "\(v.name).\(o.suffix)", o.inputs, o.shape, forwardOf: v.id,
                                gradients: firstOp == nil ? params : [], macs: o.macs)
                if firstOp == nil { firstOp = id }
                for t in o.to { give(id, to: t) }
            }
            if !params.isEmpty {
                let owner = firstOp ?? append(.gradientView, "\(v.name).param_grad", [g], v.shape, forwardOf: v.id, gradients: params)
                gradOps += params.map { ($0, owner) }
            }
            if ops.isEmpty { for i in v.inputs { give(g, to: i) } }
        }

        /// Optimizer: SGD (with momentum) on every parameter tensor.
        mutating func addOptimizer(_ style: OptimizerStyle) {
            gradOps.sort { $0.0 < $1.0 }
            switch style {
            case .perTensor:
                for (p, op) in gradOps {
                    let n = forward.nodes[p.node]
                    append(.sgdUpdate, "\(n.name).param\(p.index).sgd", [op], TensorShape([n.parameterTensors[p.index]]),
                           phase: .update, updates: [p])
                }
            case .foreach:
                let total = gradOps.reduce(0) { $0 + forward.nodes[$1.0.node].parameterTensors[$1.0.index] }
                let inputs = Array(Set(gradOps.map(\.1))).sorted()
                append(.sgdUpdateForeach, "optimizer.sgd_foreach", inputs, TensorShape([total]), phase: .update,
                       updates: gradOps.map(\.0))
            }
        }
    }
}
