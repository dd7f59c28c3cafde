import Foundation

/// A minimal protobuf wire-format reader: enough to walk ONNX's messages field by field.
struct ProtoReader {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes(ArraySlice<UInt8>)
        case fixed32(UInt32)
    }

    struct Corrupt: Error {}

    let data: ArraySlice<UInt8>
    var pos: Int

    init(_ data: ArraySlice<UInt8>) { self.data = data; pos = data.startIndex }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard pos < data.endIndex, shift < 64 else { throw Corrupt() }
            let b = data[pos]; pos += 1
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// The next `bytes` bytes as a little-endian integer.
    mutating func littleEndian(_ bytes: Int) throws -> UInt64 {
        guard pos + bytes <= data.endIndex else { throw Corrupt() }
        var v: UInt64 = 0
        for i in 0..<bytes { v |= UInt64(data[pos + i]) << (8 * UInt64(i)) }
        pos += bytes
        return v
    }

    /// The next field (number and value), or nil at the end of the message.
    mutating func next() throws -> (Int, Value)? {
        guard pos < data.endIndex else { return nil }
        let key = try varint()
        let field = Int(key >> 3)
        switch key & 7 {
        case 0: return (field, .varint(try varint()))
        case 1:
            return (field, .fixed64(try littleEndian(8)))
        case 2:
            let n = try varint()
            guard n <= UInt64(data.endIndex - pos) else { throw Corrupt() }
            let s = data[pos..<(pos + Int(n))]
            pos += Int(n)
            return (field, .bytes(s))
        case 5:
            return (field, .fixed32(UInt32(try littleEndian(4))))
        default:
            throw Corrupt()
        }
    }
}

extension ProtoReader.Value {
    var int: Int64? { if case .varint(let v) = self { return Int64(bitPattern: v) } else { return nil } }
    var bytes: ArraySlice<UInt8>? { if case .bytes(let b) = self { return b } else { return nil } }
    var string: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
    var float: Float? { if case .fixed32(let v) = self { return Float(bitPattern: v) } else { return nil } }

    /// Repeated int64 in either packed (bytes) or unpacked (one varint) form.
    func ints() throws -> [Int64] {
        switch self {
        case .varint(let v): return [Int64(bitPattern: v)]
        case .bytes(let b):
            var r = ProtoReader(b)
            var out: [Int64] = []
            while r.pos < b.endIndex { out.append(Int64(bitPattern: try r.varint())) }
            return out
        default: return []
        }
    }
}
