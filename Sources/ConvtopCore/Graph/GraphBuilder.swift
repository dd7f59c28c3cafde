/// Builds a forward graph op by op, inferring shapes, parameters and MACs the way PyTorch does.
///
/// Every method returns the new node's id; inputs must already exist, so ids are a topological order.
public struct GraphBuilder {
    public private(set) var nodes: [Node] = []
    public let name: String
    private var scope: [String] = []
    private var counters: [String: Int] = [:]

    public init(name: String) { self.name = name }

    public func shape(_ id: Int) -> TensorShape { nodes[id].shape }
    public func channels(_ id: Int) -> Int { nodes[id].shape.channels }

    /// Runs `body` with `part` appended to the names of the ops it creates.
    public mutating func scoped<T>(_ part: String, _ body: (inout GraphBuilder) throws -> T) rethrows -> T {
        scope.append(part)
        defer { scope.removeLast() }
        return try body(&self)
    }

    private mutating func uniqueName(_ base: String) -> String {
        let full = (scope + [base]).joined(separator: ".")
        let n = counters[full, default: 0]
        counters[full] = n + 1
        return n == 0 ? full : "\(full)_\(n)"
    }

    @discardableResult
    public mutating func add(_ kind: OpKind, inputs: [Int], shape: TensorShape, name: String? = nil, macs: Int = 0,
                             parameters: [Int]? = nil) -> Int {
        let id = nodes.count
        let params = parameters ?? kind.parameterTensors(channels: inputs.first.map { nodes[$0].shape.channels } ?? 0)
        nodes.append(Node(id: id, name: uniqueName(name ?? kind.name), kind: kind, inputs: inputs, shape: shape,
                          phase: .forward, forwardOf: nil, gradients: [], updates: [], parameterTensors: params,
                          macs: macs))
        return id
    }

    public mutating func input(_ dims: [Int], name: String = "input") -> Int {
        add(.input, inputs: [], shape: TensorShape(dims), name: name)
    }

    public mutating func conv(_ x: Int, _ out: Int, k: (Int, Int), s: (Int, Int) = (1, 1), p: (Int, Int) = (0, 0),
                              d: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = false, name: String = "conv") -> Int {
        let i = shape(x)
        let a = ConvAttributes(inChannels: i.channels, outChannels: out, kernel: k, stride: s, padding: p,
                               dilation: d, groups: groups, bias: bias)
        let o = TensorShape([i.batch, out, Self.convolvedSize(i.height, k: k.0, s: s.0, p: p.0, d: d.0),
                             Self.convolvedSize(i.width, k: k.1, s: s.1, p: p.1, d: d.1)])
        let macs = o.elements * (i.channels / groups) * k.0 * k.1
        return add(.conv(a), inputs: [x], shape: o, name: name, macs: macs)
    }

    public mutating func conv(_ x: Int, _ out: Int, k: Int, s: Int = 1, p: Int = 0, groups: Int = 1,
                              bias: Bool = false, name: String = "conv") -> Int {
        conv(x, out, k: (k, k), s: (s, s), p: (p, p), groups: groups, bias: bias, name: name)
    }

    public mutating func bn(_ x: Int, name: String = "bn") -> Int { add(.batchNorm, inputs: [x], shape: shape(x), name: name) }
    public mutating func relu(_ x: Int, name: String = "relu") -> Int { add(.relu, inputs: [x], shape: shape(x), name: name) }
    public mutating func relu6(_ x: Int) -> Int { add(.relu6, inputs: [x], shape: shape(x)) }
    public mutating func dropout(_ x: Int) -> Int { add(.dropout, inputs: [x], shape: shape(x)) }

    /// Output size of a convolution along one axis, as PyTorch computes it.
    public static func convolvedSize(_ n: Int, k: Int, s: Int, p: Int, d: Int) -> Int {
        (n + 2 * p - d * (k - 1) - 1) / s + 1
    }

    /// Output size of a pooling window along one axis, as PyTorch computes it (ceil mode included).
    public static func pooledSize(_ n: Int, _ a: PoolAttributes) -> Int {
        let span = n + 2 * a.padding - a.kernel
        var o = (a.ceilMode ? (span + a.stride - 1) / a.stride : span / a.stride) + 1
        if a.ceilMode && (o - 1) * a.stride >= n + a.padding { o -= 1 }
        return o
    }

    public mutating func maxPool(_ x: Int, k: Int, s: Int, p: Int = 0, ceil: Bool = false, name: String = "maxpool") -> Int {
        let a = PoolAttributes(kernel: k, stride: s, padding: p, ceilMode: ceil)
        let i = shape(x)
        return add(.maxPool(a), inputs: [x], shape: TensorShape([i.batch, i.channels, Self.pooledSize(i.height, a),
                                                                 Self.pooledSize(i.width, a)]), name: name)
    }

    public mutating func avgPool(_ x: Int, k: Int, s: Int, p: Int = 0, ceil: Bool = false, name: String = "avgpool") -> Int {
        let a = PoolAttributes(kernel: k, stride: s, padding: p, ceilMode: ceil)
        let i = shape(x)
        return add(.avgPool(a), inputs: [x], shape: TensorShape([i.batch, i.channels, Self.pooledSize(i.height, a),
                                                                 Self.pooledSize(i.width, a)]), name: name)
    }

    /// Adaptive average pooling to `size`×`size`.
    public mutating func adaptiveAvgPool(_ x: Int, size: Int = 1) -> Int {
        let i = shape(x)
        return add(.adaptiveAvgPool, inputs: [x], shape: TensorShape([i.batch, i.channels, size, size]))
    }

    public mutating func concat(_ xs: [Int], name: String = "concat") -> Int {
        var o = shape(xs[0])
        o.dims[1] = xs.reduce(0) { $0 + channels($1) }
        return add(.concat, inputs: xs, shape: o, name: name)
    }

    public mutating func sum(_ xs: [Int], name: String = "add") -> Int { add(.add, inputs: xs, shape: shape(xs[0]), name: name) }

    public mutating func flatten(_ x: Int) -> Int {
        let i = shape(x)
        return add(.flatten, inputs: [x], shape: TensorShape([i.batch, i.elements / i.batch]))
    }

    public mutating func linear(_ x: Int, _ out: Int, bias: Bool = true, name: String = "fc") -> Int {
        let i = shape(x)
        let inF = i.elements / i.batch
        return add(.linear(inFeatures: inF, outFeatures: out, bias: bias), inputs: [x],
                   shape: TensorShape([i.batch, out]), name: name, macs: i.batch * inF * out)
    }

    /// Conv → batch norm → ReLU, the BasicConv2d of GoogLeNet/Inception.
    public mutating func convBNReLU(_ x: Int, _ out: Int, k: (Int, Int), s: (Int, Int) = (1, 1), p: (Int, Int) = (0, 0),
                                    groups: Int = 1, relu6: Bool = false) -> Int {
        let c = conv(x, out, k: k, s: s, p: p, groups: groups)
        let b = bn(c)
        return relu6 ? self.relu6(b) : relu(b)
    }

    public mutating func convBNReLU(_ x: Int, _ out: Int, k: Int, s: Int = 1, p: Int = 0, groups: Int = 1,
                                    relu6: Bool = false) -> Int {
        convBNReLU(x, out, k: (k, k), s: (s, s), p: (p, p), groups: groups, relu6: relu6)
    }

    /// Marks a convolution as reading and writing channels-last memory (`Node.channelsLast`).
    public mutating func setChannelsLast(_ id: Int) { nodes[id].channelsLast = true }

    /// Sets the kind of an existing node (an importer folding a following op into it).
    public mutating func setKind(_ id: Int, _ kind: OpKind, parameters: [Int]) {
        nodes[id].kind = kind
        nodes[id].parameterTensors = parameters
    }

    /// Finishes the graph as an inference (forward) graph.
    public func build() -> Graph { Graph(name: name, mode: .inference, nodes: nodes) }
}
