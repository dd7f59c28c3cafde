/// One operation in a network graph. Inputs refer to earlier nodes by id.
public struct Node: Sendable, Hashable {
    public var id: Int
    public var name: String
    public var kind: OpKind
    public var inputs: [Int]
    public var shape: TensorShape
    public var phase: Phase
    /// For backward ops: the forward op they differentiate.
    public var forwardOf: Int?
    /// Parameter tensors whose gradient this op produces (weight-gradient, batch-norm backward).
    public var gradients: [ParameterRef]
    /// Parameter tensors this op updates (optimizer ops).
    public var updates: [ParameterRef]
    /// Element counts of the learnable tensors this op owns (forward ops only).
    public var parameterTensors: [Int]
    /// Multiply–accumulates of this op (convolutions and linear layers; 0 elsewhere).
    public var macs: Int
    /// A convolution reading and writing channels-last memory (N, H, W, C), as PyTorch runs one whose input is
    /// channels-last (ONNX imports follow memory order, `MemoryLayout`); its kernels differ from the NCHW ones.
    public var channelsLast = false
    /// A permute that PyTorch's fused inference path reads in place (nn.MultiheadAttention's fast path,
    /// `MultiheadFastPath`): no kernel in a forward pass; a copy in a training step, whose slow path makes it.
    public var inferenceView = false

    public var parameters: Int { parameterTensors.reduce(0, +) }
}

/// Whether a graph is the forward pass or a full training step.
public enum GraphMode: String, Sendable, Codable, CaseIterable {
    case inference, training
}

/// A network as a DAG of ops with stable ids. Node `i` is `nodes[i]`.
public struct Graph: Sendable {
    public var name: String
    public var mode: GraphMode
    public var nodes: [Node]
    /// For imported ONNX files: what each ONNX op became.
    public var importReport: ImportReport?

    public init(name: String, mode: GraphMode = .inference, nodes: [Node]) {
        self.name = name; self.mode = mode; self.nodes = nodes
    }

    public var batch: Int { nodes.first(where: { $0.kind == .input })?.shape.batch ?? 1 }
    public var parameters: Int { nodes.reduce(0) { $0 + $1.parameters } }
    public var forwardMACs: Int { nodes.filter { $0.phase == .forward }.reduce(0) { $0 + $1.macs } }
    public var totalMACs: Int { nodes.reduce(0) { $0 + $1.macs } }
    /// Ops that compute something (everything but inputs).
    public var operationCount: Int { nodes.filter { $0.kind != .input }.count }

    /// Consumers of each node, in id order.
    public func successors() -> [[Int]] {
        var s = Array(repeating: [Int](), count: nodes.count)
        for n in nodes { for i in n.inputs { s[i].append(n.id) } }
        return s
    }

    /// All learnable parameter tensors of the forward pass.
    public var parameterRefs: [ParameterRef] {
        nodes.flatMap { n in n.parameterTensors.indices.map { ParameterRef(node: n.id, index: $0) } }
    }
}
