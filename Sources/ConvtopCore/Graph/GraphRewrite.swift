extension Graph {
    /// The graph without the nodes in `removed`, every other node passed through `change` (which sees old ids)
    /// and renumbered; inputs are remapped to the new ids. Removed nodes must have no consumers left.
    func rewritten(removing removed: Set<Int>, _ change: (inout Node) -> Void) -> Graph {
        var newID = Array(repeating: -1, count: nodes.count)
        var out: [Node] = []
        for v in nodes where !removed.contains(v.id) {
            var n = v
            change(&n)
            n.id = out.count
            n.inputs = n.inputs.map { newID[$0] }
            newID[v.id] = n.id
            out.append(n)
        }
        var g = self
        g.nodes = out
        return g
    }
}
