import Foundation

/// Imports an ONNX file (weights present or not, from the TorchScript or the dynamo exporter, `.onnx` or
/// `.onnx.gz`) as a forward graph: shape inference for every op, shape arithmetic folded away, and the kernels
/// PyTorch runs restored where an exporter fused them (batch norm folded into convolutions).
public enum ONNXImporter {
    /// Every ONNX op type convtop imports.
    public static let supported: [String] = (ONNXGraphBuild.tensorOps + ONNXGraphBuild.shapeOps).sorted()

    /// Loads `path`; the file's own batch size is used unless `batch` is given (a symbolic batch becomes 1).
    public static func load(path: String, batch: Int? = nil) throws -> Graph {
        let (model, file) = try read(path: path)
        var name = file
        for ext in [".gz", ".onnx"] where name.hasSuffix(ext) { name.removeLast(ext.count) }
        return try build(model, name: name, file: file, batch: batch)
    }

    /// The batch size the file was exported with (1 for a symbolic batch), read without building the graph.
    public static func exportedBatch(path: String) throws -> Int {
        let (model, _) = try read(path: path)
        return max(imageInput(model)?.dims.first ?? 1, 1)
    }

    /// The file, unpacked if gzip-compressed, and parsed.
    static func read(path: String) throws -> (ONNXModel, file: String) {
        let file = (path as NSString).lastPathComponent
        var bytes = [UInt8](try InputFile.read(path, what: "ONNX model"))
        if bytes.starts(with: [0x1F, 0x8B]) {
            do { bytes = try Inflate.gunzip(bytes) } catch {
                throw ConvtopError(.model, "\(file): not a valid gzip file (corrupt, truncated or over 256 MiB unpacked)")
            }
        }
        let model: ONNXModel
        do { model = try ONNXModel.parse(bytes) } catch {
            throw ConvtopError(.model, "\(file): not a valid ONNX model (corrupt or truncated protobuf)")
        }
        return (model, file)
    }

    /// The image input: the first graph input that is not an initializer and that a node consumes as data (graph
    /// inputs no node consumes as data are weights, as exports without initializers list them).
    static func imageInput(_ m: ONNXModel) -> (name: String, dims: [Int], elemType: Int64)? {
        m.inputs.first { inp in
            m.initializers[inp.name] == nil && m.nodes.contains { n in n.inputs.first == inp.name && n.opType != "Identity" }
        }
    }

    static func build(_ m: ONNXModel, name: String, file: String, batch: Int?) throws -> Graph {
        let unsupported = Set(m.nodes.map(\.opType)).subtracting(supported).sorted()
        guard unsupported.isEmpty else {
            throw ConvtopError(.model, SafeText.printable("\(file): unsupported ONNX ops: \(unsupported.joined(separator: ", ")) (`convtop models --onnx-ops` lists the \(supported.count) op types convtop imports)"))
        }
        var s = try ONNXGraphBuild(model: m, name: name, file: file, batch: nil)
        for n in m.nodes { try s.apply(n) }
        if let batch, batch != s.batch {
            // A static export at another batch: shapes written into the file (Reshape targets with the batch folded
            // into windows or heads) are rescaled along the axis that carries the batch, found from this first pass.
            let reference = s.values.compactMapValues { v -> [Int]? in if case .tensor(let id) = v { return s.b.shape(id).dims } else { return nil } }
            s = try ONNXGraphBuild(model: m, name: name, file: file, batch: batch)
            s.reference = reference
            for n in m.nodes { try s.apply(n) }
        }
        var g = ElementwiseFusion.apply(MultiheadFastPath.apply(AttentionFusion.apply(s.b.build())))
        g.importReport = s.report()
        return g
    }
}

/// The state of one import: the graph being built and what every ONNX value name stands for.
struct ONNXGraphBuild {
    let file: String
    var b: GraphBuilder
    var values: [String: ONNXValue] = [:]
    /// Learned tensors (float initializers and graph inputs other than the image) and their shapes.
    var learned: [String: [Int]] = [:]
    /// The batch size the file was exported with, and the one being built.
    var exportedBatch = 1, batch = 1
    /// ONNX op type → what it became (graph op names, "folded", "view").
    var mapping: [String: [String: Int]] = [:]
    var notes: [String] = []
    /// Shapes of every computed value at the exported batch (set when building a static export at another batch).
    var reference: [String: [Int]] = [:]
    /// Tensors whose memory is not in their logical order (transposed views and what element-wise ops and
    /// channels-last layers made of them): the logical axes in memory order, outermost first (`MemoryLayout`).
    var layouts: [Int: [Int]] = [:]
    /// The contiguous copy made of such a tensor for a consumer that needed one.
    var materialized: [Int: Int] = [:]
    /// The folded op that made each constant value, and the values whose device work is charged
    /// (`chargeRuntimeConstant`).
    var foldedBy: [String: ONNXModel.Node] = [:]
    var runtimeCharged: Set<String> = []

    init(model m: ONNXModel, name: String, file: String, batch userBatch: Int?) throws {
        self.file = file
        b = GraphBuilder(name: name)
        for (k, t) in m.initializers.sorted(by: { $0.key < $1.key }) {
            guard t.dims.count <= 8, ONNXFold.product(t.dims) != nil else {
                throw ConvtopError(.model, SafeText.printable("\(file): initializer '\(k)' has a shape out of range (\(t.dims.prefix(9)))"))
            }
            values[k] = .constant(ONNXConstant(dims: t.dims, ints: t.ints.isEmpty ? nil : t.ints,
                                               floats: t.floats.isEmpty ? nil : t.floats, sources: Self.isFloat(t.dataType) ? [k] : []))
            if Self.isFloat(t.dataType) { learned[k] = t.dims }
        }
        var images = 0
        let image = ONNXImporter.imageInput(m)?.name
        for inp in m.inputs where values[inp.name] == nil {
            if inp.name == image && images == 0 {
                guard (1...6).contains(inp.dims.count) else { throw ConvtopError(.model, "\(file): input '\(inp.name)' must have 1 to 6 dimensions (got \(inp.dims))") }
                guard inp.dims.dropFirst().allSatisfy({ $0 > 0 }) else {
                    throw ConvtopError(.model, SafeText.printable("\(file): input '\(inp.name)' has a symbolic size other than the batch (\(inp.dims)); export it with a fixed image size"))
                }
                exportedBatch = max(inp.dims[0], 1)
                batch = userBatch ?? exportedBatch
                let dims = [batch] + inp.dims.dropFirst()
                guard InputLimits.checkedElements(dims) != nil else {
                    throw ConvtopError(.model, "\(file): input '\(inp.name)' has a shape out of range (\(dims); each dimension 1 to \(InputLimits.dimension))")
                }
                values[inp.name] = .tensor(b.input(dims, name: inp.name))
                if inp.dims[0] < 1 { notes.append("symbolic batch: \(userBatch.map { "set to \($0) by --batch" } ?? "taken as 1 (give --batch)")") }
                images += 1
            } else {
                guard inp.dims.count <= 8, ONNXFold.product(inp.dims.map { max($0, 1) }) != nil else {
                    throw ConvtopError(.model, SafeText.printable("\(file): input '\(inp.name)' has a shape out of range (\(inp.dims.prefix(9)))"))
                }
                values[inp.name] = .constant(ONNXConstant(dims: inp.dims.map { max($0, 1) }, sources: Self.isFloat(inp.elemType) ? [inp.name] : []))
                if Self.isFloat(inp.elemType) { learned[inp.name] = inp.dims.map { max($0, 1) } }
            }
        }
        guard images > 0 else { throw ConvtopError(.model, "\(file): the model has no image input") }
    }

    static func isFloat(_ t: Int64) -> Bool { ONNXField.DataType.floats.contains(t) }

    /// What `convtop models FILE` shows about the import.
    func report() -> ImportReport {
        ImportReport(mapping: mapping.keys.sorted().map { op in
            (op, mapping[op]!.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", "))
        }, notes: notes)
    }

    // MARK: per-node helpers

    /// The error for node `n`, one printable line naming the node.
    func fail(_ n: ONNXModel.Node, _ why: String) -> ConvtopError {
        ConvtopError(.model, SafeText.printable("\(file): node '\(n.name.isEmpty ? n.outputs.first ?? n.opType : n.name)' (\(n.opType)): \(why)"))
    }

    func input(_ n: ONNXModel.Node, _ i: Int) -> ONNXValue? {
        guard i < n.inputs.count, !n.inputs[i].isEmpty else { return nil }
        return values[n.inputs[i]]
    }

    func dims(_ v: ONNXValue) -> [Int] {
        switch v {
        case .tensor(let id): return b.shape(id).dims
        case .constant(let c): return c.dims
        case .sequence: return []
        }
    }

    /// Input `i` as a constant, or nil (absent or computed).
    func constant(_ n: ONNXModel.Node, _ i: Int) -> ONNXConstant? {
        if case .constant(let c)? = input(n, i) { return c }
        return nil
    }

    /// Integer values of constant input `i`; an error when the values are not known at import time.
    func intsOf(_ n: ONNXModel.Node, _ i: Int, _ what: String) throws -> [Int]? {
        guard let v = input(n, i) else { return nil }
        guard case .constant(let c) = v, let x = c.intValues else { throw fail(n, "\(what) must be a constant known at import time") }
        return x
    }

    func attrInts(_ n: ONNXModel.Node, _ k: String) -> [Int]? { n.attributes[k].map { $0.ints.map { Int(clamping: $0) } } }
    func attrInt(_ n: ONNXModel.Node, _ k: String, _ def: Int) -> Int { n.attributes[k]?.i.map { Int(clamping: $0) } ?? def }

    /// A readable op name: the module path the dynamo exporter records, else the node name with '/' as '.'.
    func label(_ n: ONNXModel.Node) -> String {
        if let ns = n.metadata["namespace"], let last = ns.split(separator: "/").last?.split(separator: ":").first,
           !last.trimmingCharacters(in: .whitespaces).isEmpty {
            return String(last).trimmingCharacters(in: .whitespaces)
        }
        return (n.name.isEmpty ? n.outputs.first ?? n.opType : n.name).replacingOccurrences(of: "/", with: ".")
            .trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    /// The element counts of the learned tensors among `cs` (each once per op): the op's parameters. Counting per
    /// op, not per tensor, undoes the TorchScript exporter's merging of equal-valued tensors (zero biases, unit
    /// norm weights) into one input. Callers pass only the inputs that are parameters (not batch-norm statistics).
    mutating func claim(_ cs: [ONNXConstant]) -> [Int] {
        let names = cs.reduce(into: Set<String>()) { $0.formUnion($1.sources) }
        return names.sorted().compactMap { s in Self.isFoldedTable(s) ? nil : learned[s].map { $0.reduce(1, *) } }
    }

    /// TorchScript names a constant it computed from parameters after its consumer: `onnx::Add_…` holds a
    /// relative-position bias table or mask already gathered and summed (Swin), not a parameter of the network.
    /// (The dynamo exporter's folded constants cannot be told from transposed weights by name: both are called
    /// `permute_13` and the like, so for its files such tables count as parameters.)
    static func isFoldedTable(_ name: String) -> Bool {
        ["onnx::Add_", "onnx::Sub_", "onnx::Where_", "onnx::Mul_"].contains { name.hasPrefix($0) }
    }

    /// Checks an output shape against the input limits.
    func within(_ n: ONNXModel.Node, _ shape: [Int], macs: Double = 0) throws {
        guard shape.allSatisfy({ $0 >= 1 }), InputLimits.checkedElements(shape) != nil, macs <= InputLimits.macs else {
            throw fail(n, "the output \(shape) or its work is out of range")
        }
    }

    /// Adds a graph node for `n` with the learned tensors among its constant inputs as parameters.
    mutating func node(_ n: ONNXModel.Node, _ kind: OpKind, inputs: [Int], dims: [Int], macs: Int = 0,
                       parameters: [Int]? = nil) throws -> ONNXValue {
        try within(n, dims, macs: Double(macs))
        let params = parameters ?? claim(n.inputs.indices.compactMap { constant(n, $0) })
        let id = b.add(kind, inputs: inputs, shape: TensorShape(dims), name: label(n), macs: macs, parameters: params)
        mapping[n.opType, default: [:]][kind.name, default: 0] += 1
        if let x = inputs.first(where: { layouts[$0] != nil }), let order = layouts[x],
           MemoryLayout.keeps(kind, order: order, input: b.shape(x).dims, output: dims) {
            layouts[id] = order
            if case .conv = kind { b.setChannelsLast(id) }
        }
        return .tensor(id)
    }

    /// Records that node `n` produced no kernel (folded constant, view or pass-through).
    mutating func folded(_ n: ONNXModel.Node, _ how: String) {
        mapping[n.opType, default: [:]][how, default: 0] += 1
    }

    /// The batch dimension of a constant shape written by a static export, moved to the batch being built.
    func rebatched(_ d: [Int]) -> [Int] {
        guard batch != exportedBatch, let f = d.first, f == exportedBatch else { return d }
        return [batch] + d.dropFirst()
    }

    /// For a static export built at another batch: the output shape of node `n` at the exported batch (from the
    /// first pass), scaled along the axis that holds the batch of input `input`: the output axis whose span covers
    /// the input's batch axis (preferring one of the exported batch's size that starts where it starts).
    func rebatchedShape(_ n: ONNXModel.Node, input: Int, output elements: Int?) -> [Int]? {
        guard input < n.inputs.count, let out = n.outputs.first, let refOut = reference[out], let refIn = reference[n.inputs[input]],
              case .tensor(let x)? = values[n.inputs[input]] else { return nil }
        let d = b.shape(x).dims
        guard d.count == refIn.count, let a = d.indices.first(where: { d[$0] != refIn[$0] }), refIn[a] > 0, d[a] % refIn[a] == 0 else { return nil }
        let factor = d[a] / refIn[a]
        let span = refIn.prefix(a).reduce(1, *)
        var prefix = [1]
        for v in refOut { prefix.append(prefix.last! * v) }
        // A pure batch axis joins the axis that holds its place (`view(tgt, bsz * heads, hd)`); a batch already
        // merged into an axis (bsz·heads) joins the axis that ends where it starts (`view(tgt * bsz, E)`).
        let holds = refOut.indices.first { prefix[$0] == span && refOut[$0] == refIn[a] }
            ?? refOut.indices.first { prefix[$0] <= span && span < prefix[$0 + 1] }
        let ends = refOut.indices.first { prefix[$0 + 1] == span && refOut[$0] > 1 }
        // An axis of the exported batch's size placed inside the span of the batch-carrying axis takes it back
        // (`view(tgt, bsz, E)` after `view(tgt * bsz, E)`).
        let unit = refIn[a] == exportedBatch ? nil
            : refOut.indices.first { refOut[$0] == exportedBatch && prefix[$0] >= span && prefix[$0] <= span * refIn[a] }
        // A pure batch axis followed by axes that merge into one (`view(tgt * bsz, E)` of tgt×bsz×heads×hd) joins
        // the axis before it.
        let merges = holds.map { refOut[$0] == refIn.dropFirst(a + 1).reduce(1, *) && refIn.count - a > 2 } ?? false
        let j = unit ?? (refIn[a] == exportedBatch && !merges ? holds : ends ?? holds)
        guard let j else { return nil }
        var scaled = refOut
        scaled[j] *= factor
        if let elements, scaled.reduce(1, *) != elements { return nil }
        return scaled
    }

    mutating func apply(_ n: ONNXModel.Node) throws {
        let out: [ONNXValue]
        if n.inputs.contains(where: { name in
            if case .tensor? = values[name] { return true }
            if case .sequence? = values[name] { return true }
            return false
        }) {
            out = try tensorOp(n)
        } else {
            out = try shapeOp(n)
            for o in n.outputs where !o.isEmpty { foldedBy[o] = n }
        }
        for (o, v) in zip(n.outputs, out) where !o.isEmpty { values[o] = v }
    }
}

/// How an ONNX file was mapped onto convtop's ops: per ONNX op type, what it became.
public struct ImportReport: Sendable {
    public var mapping: [(onnxOp: String, became: String)]
    public var notes: [String]
}
