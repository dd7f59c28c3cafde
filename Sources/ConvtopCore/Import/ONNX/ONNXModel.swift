import Foundation

/// The parts of an ONNX model convtop needs: nodes with attributes, graph inputs and initializers with their shapes,
/// and constant values small enough to matter (Clip bounds, Reshape targets).
struct ONNXModel {
    struct Attribute {
        var i: Int64?
        var f: Float?
        var ints: [Int64] = []
        var floats: [Float] = []
        var s: String?
        var tensor: Tensor?
    }
    struct Tensor {
        var name = ""
        /// TensorProto.DataType: 1 float, 6 int32, 7 int64, 9 bool, 10 float16, 11 double, 16 bfloat16.
        var dataType: Int64 = 1
        var dims: [Int] = []
        var floats: [Float] = []
        var ints: [Int64] = []
    }
    struct Node {
        var opType = ""
        var name = ""
        var inputs: [String] = []
        var outputs: [String] = []
        var attributes: [String: Attribute] = [:]
        /// NodeProto.metadata_props (the dynamo exporter records rewrites and module paths there).
        var metadata: [String: String] = [:]
    }

    var nodes: [Node] = []
    /// Graph inputs with their static shapes (-1 for symbolic dimensions) and element types (as in Tensor).
    var inputs: [(name: String, dims: [Int], elemType: Int64)] = []
    var initializers: [String: Tensor] = [:]
    var outputs: [String] = []

    static func parse(_ bytes: [UInt8]) throws -> ONNXModel {
        var m = ONNXModel()
        var r = ProtoReader(bytes[...])
        var sawGraph = false
        while let (f, v) = try r.next() {
            if f == ONNXField.Model.graph, let g = v.bytes { try m.parseGraph(g); sawGraph = true }
        }
        guard sawGraph else { throw ProtoReader.Corrupt() }
        return m
    }

    mutating func parseGraph(_ b: ArraySlice<UInt8>) throws {
        var r = ProtoReader(b)
        while let (f, v) = try r.next() {
            guard let bytes = v.bytes else { continue }
            switch f {
            case ONNXField.Graph.node: nodes.append(try Self.parseNode(bytes))
            case ONNXField.Graph.initializer: let t = try Self.parseTensor(bytes); initializers[t.name] = t
            case ONNXField.Graph.input: inputs.append(try Self.parseValueInfo(bytes))
            case ONNXField.Graph.output: outputs.append(try Self.parseValueInfo(bytes).name)
            default: break
            }
        }
    }

    static func parseNode(_ b: ArraySlice<UInt8>) throws -> Node {
        var n = Node()
        var r = ProtoReader(b)
        while let (f, v) = try r.next() {
            switch f {
            case ONNXField.Node.input: n.inputs.append(v.string ?? "")
            case ONNXField.Node.output: n.outputs.append(v.string ?? "")
            case ONNXField.Node.name: n.name = v.string ?? ""
            case ONNXField.Node.opType: n.opType = v.string ?? ""
            case ONNXField.Node.attribute: if let bytes = v.bytes { let (k, a) = try parseAttribute(bytes); n.attributes[k] = a }
            case ONNXField.Node.metadataProps:
                guard let bytes = v.bytes else { break }
                var er = ProtoReader(bytes), key = "", value = ""
                while let (ef, ev) = try er.next() { if ef == ONNXField.StringEntry.key { key = ev.string ?? "" } else if ef == ONNXField.StringEntry.value { value = ev.string ?? "" } }
                n.metadata[key] = value
            default: break
            }
        }
        return n
    }

    static func parseAttribute(_ b: ArraySlice<UInt8>) throws -> (String, Attribute) {
        var name = ""
        var a = Attribute()
        var r = ProtoReader(b)
        while let (f, v) = try r.next() {
            switch f {
            case ONNXField.Attribute.name: name = v.string ?? ""
            case ONNXField.Attribute.f: a.f = v.float
            case ONNXField.Attribute.i: a.i = v.int
            case ONNXField.Attribute.s: a.s = v.string
            case ONNXField.Attribute.t: if let bytes = v.bytes { a.tensor = try parseTensor(bytes) }
            case ONNXField.Attribute.floats:
                if let f = v.float { a.floats.append(f) } else if let bytes = v.bytes {
                    a.floats += littleEndianFloats(bytes)
                }
            case ONNXField.Attribute.ints: a.ints += try v.ints()
            default: break
            }
        }
        return (name, a)
    }

    /// Packed little-endian float32 values.
    static func littleEndianFloats(_ b: ArraySlice<UInt8>) -> [Float] {
        var out: [Float] = []
        var i = b.startIndex
        while i + 4 <= b.endIndex {
            out.append(Float(bitPattern: UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24))
            i += 4
        }
        return out
    }

    static func parseTensor(_ b: ArraySlice<UInt8>) throws -> Tensor {
        var t = Tensor()
        var type: Int64 = 1
        var raw: ArraySlice<UInt8> = []
        var r = ProtoReader(b)
        while let (f, v) = try r.next() {
            switch f {
            case ONNXField.Tensor.dims: t.dims += try v.ints().map { Int($0) }
            case ONNXField.Tensor.dataType: type = v.int ?? 1; t.dataType = type
            case ONNXField.Tensor.floatData:
                if let x = v.float { t.floats.append(x) } else if let bytes = v.bytes { t.floats += littleEndianFloats(bytes) }
            case ONNXField.Tensor.int32Data: t.ints += try v.ints()
            case ONNXField.Tensor.int64Data: t.ints += try v.ints()
            case ONNXField.Tensor.name: t.name = v.string ?? ""
            case ONNXField.Tensor.rawData: raw = v.bytes ?? []
            default: break
            }
        }
        // Raw payloads of constants that shapes depend on (at most 64 K values): float32, int32, int64, bool.
        if !raw.isEmpty && raw.count <= 1 << 19 {
            switch type {
            case ONNXField.DataType.float: t.floats = littleEndianFloats(raw)
            case ONNXField.DataType.int32, ONNXField.DataType.int64:
                let width = type == ONNXField.DataType.int64 ? 8 : 4
                var i = raw.startIndex
                while i + width <= raw.endIndex {
                    var v: UInt64 = 0
                    for k in 0..<width { v |= UInt64(raw[i + k]) << (8 * UInt64(k)) }
                    t.ints.append(width == 8 ? Int64(bitPattern: v) : Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: v))))
                    i += width
                }
            case ONNXField.DataType.bool: t.ints = raw.map { Int64($0) }
            default: break
            }
        }
        return t
    }

    static func parseValueInfo(_ b: ArraySlice<UInt8>) throws -> (name: String, dims: [Int], elemType: Int64) {
        var name = ""
        var dims: [Int] = []
        var elemType: Int64 = 1
        /// The bytes of every field `number` of a message.
        func fields(_ m: ArraySlice<UInt8>, _ number: Int) throws -> [ArraySlice<UInt8>] {
            var r = ProtoReader(m)
            var out: [ArraySlice<UInt8>] = []
            while let (f, v) = try r.next() { if f == number, let bytes = v.bytes { out.append(bytes) } }
            return out
        }
        var r = ProtoReader(b)
        while let (f, v) = try r.next() {
            if f == ONNXField.ValueInfo.name { name = v.string ?? "" }
            guard f == ONNXField.ValueInfo.type, let type = v.bytes else { continue }
            for tensor in try fields(type, ONNXField.TypeInfo.tensorType) {
                var tr = ProtoReader(tensor)
                while let (tf, tv) = try tr.next() { if tf == ONNXField.TypeInfo.elemType { elemType = tv.int ?? 1 } }
                for shape in try fields(tensor, ONNXField.TypeInfo.shape) {
                    for dim in try fields(shape, ONNXField.TypeInfo.dim) {
                        var dr = ProtoReader(dim)
                        var value = -1
                        while let (xf, xv) = try dr.next() { if xf == ONNXField.TypeInfo.dimValue { value = Int(xv.int ?? -1) } }
                        dims.append(value)
                    }
                }
            }
        }
        return (name, dims, elemType)
    }
}
