/// IOS's operator merge (Ding et al., MLSys 2021): convolutions that read the same tensor with the same kernel,
/// stride, padding and dilation (and no grouping) become one convolution with their output channels side by side,
/// each original convolution's output a channel view of it. One wide kernel replaces several narrow ones: fewer
/// launches and larger grids, at the price of the branches no longer running apart.
public enum OperatorMerge {
    /// The merged graph, and how many convolutions were folded into another.
    public static func apply(_ g: Graph) -> (graph: Graph, merged: Int) {
        struct Key: Hashable { var input: Int, kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padH: Int, padW: Int,
                               dilationH: Int, dilationW: Int, bias: Bool }
        var groups: [Key: [Int]] = [:]
        for n in g.nodes {
            guard case .conv(let a) = n.kind, a.groups == 1, n.inputs.count == 1 else { continue }
            let k = Key(input: n.inputs[0], kernelH: a.kernelH, kernelW: a.kernelW, strideH: a.strideH, strideW: a.strideW,
                        padH: a.padH, padW: a.padW, dilationH: a.dilationH, dilationW: a.dilationW, bias: a.bias)
            groups[k, default: []].append(n.id)
        }
        let merges = groups.values.filter { $0.count > 1 }.map { $0.sorted() }.sorted { $0[0] < $1[0] }
        guard !merges.isEmpty else { return (g, 0) }
        let first = Dictionary(uniqueKeysWithValues: merges.map { ($0[0], $0) })
        var mergedInto: [Int: Int] = [:]   // old conv id → new merged node id
        var newID = Array(repeating: -1, count: g.nodes.count)
        var out: [Node] = []
        func append(_ n: Node) -> Int {
            var n = n
            n.id = out.count
            out.append(n)
            return n.id
        }
        for v in g.nodes {
            if let members = first[v.id], case .conv(var a) = v.kind {
                // The wide convolution, where its first member was; then a channel view per member.
                let convs = members.map { g.nodes[$0] }
                a.outChannels = convs.reduce(0) { $0 + $1.shape.channels }
                var dims = v.shape.dims
                dims[1] = a.outChannels
                let params = zip(convs[0].parameterTensors.indices, convs[0].parameterTensors).map { i, _ in
                    convs.reduce(0) { $0 + ($1.parameterTensors.indices.contains(i) ? $1.parameterTensors[i] : 0) }
                }
                let wide = append(Node(id: 0, name: convs.map(\.name).joined(separator: "+"), kind: .conv(a),
                                       inputs: [newID[v.inputs[0]]], shape: TensorShape(dims), phase: v.phase, forwardOf: nil,
                                       gradients: [], updates: [], parameterTensors: params, macs: convs.reduce(0) { $0 + $1.macs }))
                for m in members { mergedInto[m] = wide }
            }
            if let wide = mergedInto[v.id] {
                newID[v.id] = append(Node(id: 0, name: v.name, kind: .view, inputs: [wide], shape: v.shape, phase: v.phase,
                                          forwardOf: nil, gradients: [], updates: [], parameterTensors: [], macs: 0))
                continue
            }
            var n = v
            n.inputs = n.inputs.map { newID[$0] }
            newID[v.id] = append(n)
        }
        var merged = g
        merged.nodes = out
        return (merged, merges.reduce(0) { $0 + $1.count - 1 })
    }
}
