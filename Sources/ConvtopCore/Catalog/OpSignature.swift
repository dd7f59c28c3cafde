import Foundation

/// The op families the kernel catalog measures.
public enum OpFamily: String, Sendable, Hashable, CaseIterable {
    case conv, batchnorm, relu, pool, adaptivePool = "apool", concat, add, linear, loss, dropout
}

/// Which computation of an op a catalog entry holds.
public enum OpPass: String, Sendable, Hashable, CaseIterable {
    case forward, dgrad, wgrad, backward
}

/// What identifies one op instance for the kernel catalog: its family, pass and parameters (shapes included), in
/// fp32 tensors with TF32 convolutions. The same key is written to the measuring manifest and read back from the
/// catalog, so convtop and the measuring script agree on what was measured without parsing each other's names.
public struct OpSignature: Sendable, Hashable {
    public var family: OpFamily
    public var pass: OpPass
    /// Parameters in a fixed order; every value is a list of integers.
    public var params: [(name: String, value: [Int])]

    /// `conv.fprop|x=32,64,56,56|cout=64|...`: family, pass and parameters.
    public var key: String {
        "\(family.rawValue).\(pass.rawValue)|" + params.map { "\($0.name)=" + $0.value.map(String.init).joined(separator: ",") }
            .joined(separator: "|")
    }

    /// The key without the batch size: the layer, whatever the batch (cross-validation leaves whole layers out).
    public var layerKey: String {
        "\(family.rawValue).\(pass.rawValue)|" + params.map { p in
            "\(p.name)=" + (p.name == "x" || p.name == "n" ? Array(p.value.dropFirst()) : p.value).map(String.init).joined(separator: ",")
        }.joined(separator: "|")
    }

    public var batch: Int { params.first { $0.name == "x" || $0.name == "n" }?.value.first ?? 1 }

    /// The parameters that change the kernel choice outright and so must match between catalog neighbours: for
    /// convolutions the kernel size, stride and whether the op is dense, depthwise or grouped; for pooling the window
    /// and kind; for adaptive pooling whether it pools to one value (PyTorch's mean reduction) or to a grid (its
    /// adaptive pooling kernel); for activations and batch norm their variant; else nothing beyond the family.
    public var shapeClass: String { shapeClass(byGroup: nil) }

    /// The shape class, with a grouped convolution's path given (`byGroup`: from what the op ran, or what the catalog's
    /// nearest measured ones ran, `GroupPaths`) or, where nil, from `Lowering.runsGroupByGroup`'s rule.
    public func shapeClass(byGroup: Bool?) -> String {
        let keep = params.filter { ["k", "s", "max", "six", "train", "cl"].contains($0.name) }
            .map { "\($0.name)=" + $0.value.map(String.init).joined(separator: ",") }
        var variant = ""
        if let g = value("g")?.first {
            // Depthwise (a group per channel) and grouped convolutions (ResNeXt, RegNet) run different kernels.
            let channels = value("x").flatMap { $0.count > 1 ? $0[1] : nil }
            variant = g == 1 ? (vectorAligned ? "dense" : "dense" + Self.unalignedSuffix) : (g == channels ? "depthwise" : "grouped")
            // Grouped convolutions cuDNN runs one group at a time take their neighbours from that path only: it is
            // several times slower than the grouped kernels.
            if variant == "grouped", byGroup ?? handRuleByGroup {
                variant = "grouped-by-group"
            }
        }
        if family == .adaptivePool, let o = value("o")?.first {
            // A global average pool (squeeze-and-excitation, a classifier's head) is a mean reduction, 5-13x faster
            // at batch 32 than the adaptive pooling kernel on the same input (Assets/catalog/h200: 32x512x7x7 to 1x1
            // in 5.3 µs, to 7x7 in 40.8 µs).
            variant = o == 1 ? "global" : "grid"
        }
        return (keep + [variant]).joined(separator: "|")
    }

    /// What `shapeClass` appends for a dense convolution that is not `vectorAligned`.
    static let unalignedSuffix = "-unaligned"

    /// The aligned twin of an unaligned dense convolution's shape class (nil for any other class): an unaligned
    /// convolution with no unaligned neighbour near it takes aligned ones, for its time (`KernelCatalog.nearEstimateUs`)
    /// and its saved-tensor factor (`ColdSaved.ratio`) alike.
    static func alignedClass(of shapeClass: String) -> String? {
        shapeClass.hasSuffix(unalignedSuffix) ? String(shapeClass.dropLast(unalignedSuffix.count)) : nil
    }

    /// Whether a dense convolution's tensors allow cuDNN's 16-byte vector loads: channels in and out multiples of 4,
    /// and for a 1×1 window at stride 1 (a matrix product straight over NCHW memory) the map's positions too. Where
    /// they do not, cuDNN runs CUTLASS's `align1` tiles or other paths: on round 19's random shapes
    /// (`Assets/calibration/round19/`), unaligned 1×1 convolutions took a median 1.2–1.7× what aligned neighbours on the
    /// catalog's grid gave (aligned ones 0.92–1.02×), unaligned 3×3 ones 1.1–1.9×; a 1×1 on a 7×7 map runs between
    /// layout transforms. Unaligned convolutions take unaligned neighbours (`KernelCatalog.nearEstimateUs`).
    /// Narrow ones (under 32 channels in or out) count as aligned: cuDNN runs them on FFMA tiles at least 32 channels
    /// wide whatever their alignment (`addNarrowSweep`), and their neighbours are the narrow sweep's 3–24 channels.
    public var vectorAligned: Bool {
        guard let x = value("x"), x.count == 4, let cout = value("cout")?.first, min(x[1], cout) >= 32 else { return true }
        let k = value("k") ?? [], s = value("s") ?? []
        let plainProduct = k == [1, 1] && s == [1, 1]
        return x[1] % 4 == 0 && cout % 4 == 0 && (!plainProduct || (x[2] * x[3]) % 4 == 0)
    }

    /// `Lowering.runsGroupByGroup`'s rule for this signature (false for any op but a grouped convolution).
    var handRuleByGroup: Bool { GroupPaths.shape(self).map(GroupPaths.rule) ?? false }

    /// log channels (per group for a grouped convolution) and log positions (N·H·W; rows for 2-D inputs; all inputs'
    /// positions for a concatenation): the shape part of the catalog's neighbour distance. Where the kernel's grid
    /// and per-block work follow other dimensions (a global average pool's N·C rows of H·W; a batch norm's inference
    /// kernel, a block per channel and image over one H×W plane), those stand in for channels and positions.
    public var logShape: (channels: Double, positions: Double) {
        let x = value("x") ?? [], n = value("n") ?? [], c = value("c") ?? []
        if x.count == 4 {
            if family == .adaptivePool && value("o") == [1] {
                // A global average pool is a mean over each of N·C rows of H·W values.
                return (log(Double(max(x[0] * x[1], 1))), log(Double(max(x[2] * x[3], 1))))
            }
            if family == .batchnorm && pass == .forward && value("train") == [0] {
                // cuDNN's inference kernel takes a block per channel and image and walks one H×W plane: neighbours
                // share its grid (C·N) and its plane, not C and N·H·W.
                return (log(Double(max(x[1] * x[0], 1))), log(Double(max(x[2] * x[3], 1))))
            }
            // A grouped convolution's kernel follows its group width (channels per group): RegNet's 8-wide groups and
            // ResNeXt's 4-wide ones run different kernels at different rates for the same channels.
            let g = shapeClass.contains("grouped") ? max(value("g")?.first ?? 1, 1) : 1
            return (log(Double(max(x[1] / g, 1))), log(Double(max(x[0] * x[2] * x[3], 1))))
        }
        if x.count == 2 { return (log(Double(max(x[1], 1))), log(Double(max(x[0], 1)))) }
        if n.count == 3 { return (log(Double(max(c.reduce(0, +), 1))), log(Double(max(n[0] * n[1] * n[2] * c.count, 1)))) }
        return (0, 0)
    }

    func value(_ name: String) -> [Int]? { params.first { $0.name == name }?.value }

    /// Parses a key (`family.pass|name=v,…|…`, as `key` writes it); nil when it is not one.
    public init?(key: String) {
        let parts = key.split(separator: "|", omittingEmptySubsequences: false)
        let head = parts[0].split(separator: ".")
        guard head.count == 2, let f = OpFamily(rawValue: String(head[0])), let p = OpPass(rawValue: String(head[1])) else { return nil }
        var params: [(String, [Int])] = []
        for part in parts.dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard kv.count == 2, !kv[0].isEmpty else { return nil }
            let values = kv[1].split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
            guard values.allSatisfy({ $0 != nil }) else { return nil }
            params.append((String(kv[0]), values.map { $0! }))
        }
        self.init(f, p, params)
    }

    public static func == (a: OpSignature, b: OpSignature) -> Bool { a.key == b.key }
    public func hash(into h: inout Hasher) { h.combine(key) }

    init(_ family: OpFamily, _ pass: OpPass, _ params: [(String, [Int])]) {
        self.family = family; self.pass = pass; self.params = params.map { (name: $0.0, value: $0.1) }
    }

    /// The signature of a node, or nil where the catalog has no family for it (views, tensor ops of imported
    /// transformers, optimizer updates) or the precision is not the measured one (fp32 tensors, TF32 convolutions).
    public static func of(_ node: Node, in graph: Graph, precision: Precision) -> OpSignature? {
        guard precision == .tf32 else { return nil }
        let nodes = graph.nodes
        func input(_ i: Int = 0) -> TensorShape { node.inputs.count > i ? nodes[node.inputs[i]].shape : node.shape }
        let forward = node.forwardOf.map { nodes[$0] }
        let forwardInput = forward.flatMap { f in f.inputs.first.map { nodes[$0].shape } }
        let training = graph.mode == .training ? 1 : 0
        switch node.kind {
        case .conv(let a):
            // (a depthwise convolution on channels-last input runs cuDNN's NHWC kernel: its own entries, `cl=1`, and
            // neighbours; a dense one keeps the NCHW entries, whose kernels cuDNN shares between the two layouts)
            let cl = node.channelsLast && Lowering.runsNativeDepthwise(a)
            return conv(a, x: input(), pass: .forward).map { cl ? OpSignature($0.family, $0.pass, $0.params.map { ($0.name, $0.value) } + [("cl", [1])]) : $0 }
        case .convDataGrad(let a): return forwardInput.flatMap { conv(a, x: $0, pass: .dgrad) }
        case .convWeightGrad(let a): return forwardInput.flatMap { conv(a, x: $0, pass: .wgrad) }
        // PyTorch runs a transposed convolution as the convolution that maps its output shape back to its input:
        // forward as that convolution's data gradient, its data gradient as that convolution's forward pass, its
        // weight gradient as that convolution's. The bias is a kernel of its own, outside the catalog's entry.
        case .convTranspose(let a): return conv(a.withoutBias, x: node.shape, pass: .dgrad)
        case .convTransposeDataGrad(let a): return forward.flatMap { conv(a.withoutBias, x: $0.shape, pass: .forward) }
        case .convTransposeWeightGrad(let a): return forward.flatMap { conv(a.withoutBias, x: $0.shape, pass: .wgrad) }
        case .batchNorm: return OpSignature(.batchnorm, .forward, [("x", node.shape.dims), ("train", [training])])
        case .batchNormBackward: return OpSignature(.batchnorm, .backward, [("x", node.shape.dims), ("train", [1])])
        case .relu, .relu6:
            return OpSignature(.relu, .forward, [("x", node.shape.dims), ("six", [node.kind == .relu6 ? 1 : 0])])
        case .reluBackward:
            let six = forward?.kind == .relu6 ? 1 : 0
            return OpSignature(.relu, .backward, [("x", node.shape.dims), ("six", [six])])
        case .maxPool(let a): return pool(a, max: true, x: input(), pass: .forward)
        case .avgPool(let a): return pool(a, max: false, x: input(), pass: .forward)
        case .poolBackward:
            guard let f = forward, let x = forwardInput else { return nil }
            switch f.kind {
            case .maxPool(let a): return pool(a, max: true, x: x, pass: .backward)
            case .avgPool(let a): return pool(a, max: false, x: x, pass: .backward)
            default: return nil
            }
        case .adaptiveAvgPool:
            return OpSignature(.adaptivePool, .forward, [("x", input().dims), ("o", [node.shape.height])])
        case .adaptiveAvgPoolBackward:
            guard let f = forward, let x = forwardInput else { return nil }
            return OpSignature(.adaptivePool, .backward, [("x", x.dims), ("o", [f.shape.height])])
        case .concat:
            let shapes = node.inputs.map { nodes[$0].shape }
            guard shapes.allSatisfy({ $0.rank == 4 }) else { return nil }
            return OpSignature(.concat, .forward, [("n", [node.shape.batch, node.shape.height, node.shape.width]),
                                                   ("c", shapes.map(\.channels))])
        case .gradAccumulate where Lowering.accumulatesSlices(node, graph: graph):
            return nil // the catalog measured contiguous tensors only
        case .add, .gradAccumulate:
            return OpSignature(.add, .forward, [("x", node.shape.dims), ("inputs", [node.inputs.count])])
        case .linear(let i, let o, let bias):
            return OpSignature(.linear, .forward, [("x", [input().elements / max(i, 1), i]), ("out", [o]), ("bias", [bias ? 1 : 0])])
        case .linearDataGrad(let i, let o):
            return OpSignature(.linear, .dgrad, [("x", [node.shape.elements / max(i, 1), i]), ("out", [o]), ("bias", [0])])
        case .linearWeightGrad(let i, let o, let bias):
            guard let x = forwardInput else { return nil }
            return OpSignature(.linear, .wgrad, [("x", [x.elements / max(i, 1), i]), ("out", [o]), ("bias", [bias ? 1 : 0])])
        case .softmaxCrossEntropy:
            return OpSignature(.loss, .forward, [("x", [input().batch, input().elements / max(input().batch, 1)])])
        case .lossBackward:
            return OpSignature(.loss, .backward, [("x", [node.shape.batch, node.shape.elements / max(node.shape.batch, 1)])])
        case .dropout:
            // Inference dropout launches nothing; the catalog measures the training kernel.
            return training == 1 ? OpSignature(.dropout, .forward, [("x", node.shape.dims)]) : nil
        case .dropoutBackward:
            return OpSignature(.dropout, .backward, [("x", node.shape.dims)])
        default:
            return nil
        }
    }

    static func conv(_ a: ConvAttributes, x: TensorShape, pass: OpPass) -> OpSignature? {
        guard x.rank == 4 else { return nil }
        return OpSignature(.conv, pass, [("x", x.dims), ("cout", [a.outChannels]), ("k", [a.kernelH, a.kernelW]),
                                         ("s", [a.strideH, a.strideW]), ("p", [a.padH, a.padW]),
                                         ("d", [a.dilationH, a.dilationW]), ("g", [a.groups]), ("bias", [a.bias ? 1 : 0])])
    }

    static func pool(_ a: PoolAttributes, max: Bool, x: TensorShape, pass: OpPass) -> OpSignature? {
        guard x.rank == 4 else { return nil }
        return OpSignature(.pool, pass, [("x", x.dims), ("max", [max ? 1 : 0]), ("k", [a.kernel]), ("s", [a.stride]),
                                         ("p", [a.padding]), ("ceil", [a.ceilMode ? 1 : 0])])
    }
}
