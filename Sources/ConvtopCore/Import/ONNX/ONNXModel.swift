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
            if f == 7, let g = v.bytes { try m.parseGraph(g); sawGraph = true }
        }
        guard sawGraph else { throw ProtoReader.Corrupt() }
        return m
    }

    mutating func parseGraph(_ b: ArraySlice<UInt8>) throws {
        var r = ProtoReader(b)
        while let (f, v) = try r.next() {
            guard let bytes = v.bytes else { continue }
            switch f {
            case 1: nodes.append(try Self.parseNode(bytes))
            case 5: let t = try Self.parseTensor(bytes); initializers[t.name] = t
            case 11: inputs.append(try Self.parseValueInfo(bytes))
            case 12: outputs.append(try Self.parseValueInfo(bytes).name)
            default: break
            }
        }
    }

    static func parseNode(_ b: ArraySlice<UInt8>) throws -> Node {
        var n = Node()
        var r = ProtoReader(b)
        while let (f, v) = try r.next() {
            switch f {
            case 1: n.inputs.append(v.string ?? "")
            case 2: n.outputs.append(v.string ?? "")
            case 3: n.name = v.string ?? ""
            case 4: n.opType = v.string ?? ""
            case 5: if let bytes = v.bytes { let (k, a) = try parseAttribute(bytes); n.attributes[k] = a }
            case 9:
                guard let bytes = v.bytes else { break }
                var er = ProtoReader(bytes), key = "", value = ""
                while let (ef, ev) = try er.next() { if ef == 1 { key = ev.string ?? "" } else if ef == 2 { value = ev.string ?? "" } }
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
            case 1: name = v.string ?? ""
            case 2: a.f = v.float
            case 3: a.i = v.int
            case 4: a.s = v.string
            case 5: if let bytes = v.bytes { a.tensor = try parseTensor(bytes) }
            case 7:
                if let f = v.float { a.floats.append(f) } else if let bytes = v.bytes {
                    a.floats += littleEndianFloats(bytes)
                }
            case 8: a.ints += try v.ints()
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
            case 1: t.dims += try v.ints().map { Int($0) }
            case 2: type = v.int ?? 1; t.dataType = type
            case 4:
                if let x = v.float { t.floats.append(x) } else if let bytes = v.bytes { t.floats += littleEndianFloats(bytes) }
            case 5: t.ints += try v.ints()
            case 7: t.ints += try v.ints()
            case 8: t.name = v.string ?? ""
            case 9: raw = v.bytes ?? []
            default: break
            }
        }
        // Raw payloads of constants that shapes depend on (at most 64 K values): float32, int32, int64, bool.
        if !raw.isEmpty && raw.count <= 1 << 19 {
            switch type {
            case 1: t.floats = littleEndianFloats(raw)
            case 6, 7:
                let width = type == 7 ? 8 : 4
                var i = raw.startIndex
                while i + width <= raw.endIndex {
                    var v: UInt64 = 0
                    for k in 0..<width { v |= UInt64(raw[i + k]) << (8 * UInt64(k)) }
                    t.ints.append(width == 8 ? Int64(bitPattern: v) : Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: v))))
                    i += width
                }
            case 9: t.ints = raw.map { Int64($0) }
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
            if f == 1 { name = v.string ?? "" }
            guard f == 2, let type = v.bytes else { continue }              // TypeProto
            for tensor in try fields(type, 1) {                              // tensor_type
                var tr = ProtoReader(tensor)
                while let (tf, tv) = try tr.next() { if tf == 1 { elemType = tv.int ?? 1 } } // elem_type
                for shape in try fields(tensor, 2) {                         // shape
                    for dim in try fields(shape, 1) {                        // dim
                        var dr = ProtoReader(dim)
                        var value = -1
                        while let (xf, xv) = try dr.next() { if xf == 1 { value = Int(xv.int ?? -1) } }
                        dims.append(value)
                    }
                }
            }
        }
        return (name, dims, elemType)
    }
}
