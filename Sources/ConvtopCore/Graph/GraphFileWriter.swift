import Foundation

/// Writes a forward graph in convtop's graph-file format (what `GraphFile` reads), so that other tools — the
/// catalog's measuring script runs it in PyTorch — see exactly convtop's network.
public enum GraphFileWriter {
    /// The graph as convtop-graph JSON; throws for ops the format cannot express (imported tensor ops, training).
    public static func json(_ graph: Graph) throws -> String {
        guard graph.mode == .inference else { throw ConvtopError(.model, "only forward graphs can be written as graph files") }
        var inputs: [String] = []
        var nodes: [String] = []
        let names = uniqueNames(graph)
        func q(_ s: String) -> String {
            let data = try? JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
            return data.map { String(decoding: $0, as: UTF8.self).dropFirst().dropLast() }.map(String.init) ?? "\"\""
        }
        for node in graph.nodes {
            let name = q(names[node.id])
            if node.kind == .input {
                inputs.append("{\"name\":\(name),\"shape\":[\(node.shape.dims.map(String.init).joined(separator: ","))]}")
                continue
            }
            let ins = "[" + node.inputs.map { q(names[$0]) }.joined(separator: ",") + "]"
            guard let fields = try opFields(node, graph: graph) else { continue }
            nodes.append("    {\"name\":\(name),\"inputs\":\(ins),\(fields)}")
        }
        return "{\"format\":\"convtop-graph\",\"version\":1,\"name\":\(q(graph.name)),\n \"inputs\":[\(inputs.joined(separator: ","))],\n"
            + " \"nodes\":[\n" + nodes.joined(separator: ",\n") + "\n ]}\n"
    }

    /// Node names made unique (zoo builders may repeat a name): the second `conv` becomes `conv#2`.
    static func uniqueNames(_ graph: Graph) -> [String] {
        var count: [String: Int] = [:]
        return graph.nodes.map { n in
            count[n.name, default: 0] += 1
            return count[n.name]! == 1 ? n.name : "\(n.name)#\(count[n.name]!)"
        }
    }

    private static func opFields(_ node: Node, graph: Graph) throws -> String? {
        func pair(_ a: Int, _ b: Int) -> String { a == b ? "\(a)" : "[\(a),\(b)]" }
        switch node.kind {
        case .conv(let a):
            return "\"op\":\"conv\",\"out_channels\":\(a.outChannels),\"kernel\":\(pair(a.kernelH, a.kernelW)),"
                + "\"stride\":\(pair(a.strideH, a.strideW)),\"padding\":\(pair(a.padH, a.padW)),"
                + "\"dilation\":\(pair(a.dilationH, a.dilationW)),\"groups\":\(a.groups),\"bias\":\(a.bias)"
        case .batchNorm: return "\"op\":\"batchnorm\""
        case .relu: return "\"op\":\"relu\""
        case .relu6: return "\"op\":\"relu6\""
        case .dropout: return "\"op\":\"dropout\""
        case .flatten: return "\"op\":\"flatten\""
        case .maxPool(let p), .avgPool(let p):
            let op = node.kind == .maxPool(p) ? "maxpool" : "avgpool"
            return "\"op\":\"\(op)\",\"kernel\":\(p.kernel),\"stride\":\(p.stride),\"padding\":\(p.padding),\"ceil_mode\":\(p.ceilMode)"
        case .adaptiveAvgPool: return "\"op\":\"adaptive_avgpool\",\"output_size\":\(node.shape.height)"
        case .concat: return "\"op\":\"concat\""
        case .add: return "\"op\":\"add\""
        case .linear(_, let o, let bias): return "\"op\":\"linear\",\"out_features\":\(o),\"bias\":\(bias)"
        default:
            throw ConvtopError(.model, "node '\(node.name)' (\(node.kind.name)) cannot be written as a graph file")
        }
    }
}
