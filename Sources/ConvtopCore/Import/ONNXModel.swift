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
    }

    var nodes: [Node] = []
    /// Graph inputs with their static shapes (-1 for symbolic dimensions).
    var inputs: [(name: String, dims: [Int])] = []
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
            case 2: type = v.int ?? 1
            case 4: if let x = v.float { t.floats.append(x) }
            case 7: t.ints += try v.ints()
            case 8: t.name = v.string ?? ""
            case 9: raw = v.bytes ?? []
            default: break
            }
        }
        // Small raw payloads only (constants): float32 (1) or int64 (7).
        if !raw.isEmpty && raw.count <= 4096 {
            let bytes = Array(raw)
            if type == 1 {
                t.floats = littleEndianFloats(raw)
            } else if type == 7 {
                for i in stride(from: 0, to: bytes.count - 7, by: 8) {
                    var v: UInt64 = 0
                    for k in 0..<8 { v |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
                    t.ints.append(Int64(bitPattern: v))
                }
            }
        }
        return t
    }

    static func parseValueInfo(_ b: ArraySlice<UInt8>) throws -> (name: String, dims: [Int]) {
        var name = ""
        var dims: [Int] = []
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
        return (name, dims)
    }
}
