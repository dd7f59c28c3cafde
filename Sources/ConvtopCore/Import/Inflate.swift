/// A small DEFLATE (RFC 1951) and gzip (RFC 1952) decoder, so that `.json.gz` profiler traces need no zlib.
enum Inflate {
    struct Corrupt: Error {}
    /// The data inflates to more than `maximumOutput` bytes.
    struct TooLarge: Error {}

    /// Decompresses a gzip file (every member, concatenated).
    static func gunzip(_ data: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var pos = 0
        while pos + 18 <= data.count {
            guard data[pos] == 0x1F, data[pos + 1] == 0x8B, data[pos + 2] == 8 else { throw Corrupt() }
            let flags = data[pos + 3]
            var p = pos + 10
            if flags & 4 != 0 { guard p + 2 <= data.count else { throw Corrupt() }; p += 2 + Int(data[p]) | Int(data[p + 1]) << 8 }
            if flags & 8 != 0 { while p < data.count && data[p] != 0 { p += 1 }; p += 1 }
            if flags & 16 != 0 { while p < data.count && data[p] != 0 { p += 1 }; p += 1 }
            if flags & 2 != 0 { p += 2 }
            guard p < data.count else { throw Corrupt() }
            var bits = BitReader(data: data, pos: p)
            let memberStart = out.count
            try inflate(&bits, into: &out)
            // The member's trailer: CRC-32 and size (mod 2³²) of what it inflated to.
            let t = bits.bytePosition
            guard t + 8 <= data.count else { throw Corrupt() }
            func le32(_ i: Int) -> UInt32 { UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24 }
            guard le32(t) == crc32(out[memberStart...]), le32(t + 4) == UInt32(truncatingIfNeeded: out.count - memberStart) else {
                throw Corrupt()
            }
            pos = t + 8
        }
        guard !out.isEmpty || data.isEmpty else { throw Corrupt() }
        return out
    }

    struct BitReader {
        let data: [UInt8]
        var pos: Int
        var bit = 0
        var bytePosition: Int { bit == 0 ? pos : pos + 1 }

        mutating func bits(_ n: Int) throws -> Int {
            var v = 0
            for i in 0..<n {
                guard pos < data.count else { throw Corrupt() }
                v |= Int((data[pos] >> UInt8(bit)) & 1) << i
                bit += 1
                if bit == 8 { bit = 0; pos += 1 }
            }
            return v
        }
        mutating func alignToByte() { if bit != 0 { bit = 0; pos += 1 } }
    }

    /// Canonical Huffman decoding table: counts per length and symbols in code order.
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []
        init(lengths: [Int]) throws {
            for l in lengths { counts[l] += 1 }
            counts[0] = 0
            var offs = [Int](repeating: 0, count: 16)
            for i in 1..<16 { offs[i] = offs[i - 1] + counts[i - 1] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (s, l) in lengths.enumerated() where l != 0 { symbols[offs[l]] = s; offs[l] += 1 }
        }
        func decode(_ r: inout BitReader) throws -> Int {
            var code = 0, first = 0, index = 0
            for len in 1..<16 {
                code |= try r.bits(1)
                let count = counts[len]
                if code - count < first { return symbols[index + (code - first)] }
                index += count
                first += count
                first <<= 1
                code <<= 1
            }
            throw Corrupt()
        }
    }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
                           4097, 6145, 8193, 12289, 16385, 24577]
    static let distExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// Most bytes a gzip file may inflate to (256 MiB, several times the largest real trace seen): a small "gzip
    /// bomb" stops here, well inside 1 GiB of memory.
    static let maximumOutput = 256 << 20

    /// CRC-32 (IEEE 802.3, as gzip uses it).
    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func inflate(_ r: inout BitReader, into out: inout [UInt8]) throws {
        var last = 0
        repeat {
            guard out.count <= maximumOutput else { throw TooLarge() }
            last = try r.bits(1)
            switch try r.bits(2) {
            case 0:
                r.alignToByte()
                guard r.pos + 4 <= r.data.count else { throw Corrupt() }
                let len = Int(r.data[r.pos]) | Int(r.data[r.pos + 1]) << 8
                r.pos += 4
                guard r.pos + len <= r.data.count else { throw Corrupt() }
                out.append(contentsOf: r.data[r.pos..<(r.pos + len)])
                r.pos += len
            case 1:
                let lit = try Huffman(lengths: (0..<288).map { $0 < 144 ? 8 : ($0 < 256 ? 9 : ($0 < 280 ? 7 : 8)) })
                let dist = try Huffman(lengths: [Int](repeating: 5, count: 30))
                try block(&r, lit, dist, &out)
            case 2:
                let hlit = try r.bits(5) + 257, hdist = try r.bits(5) + 1, hclen = try r.bits(4) + 4
                let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
                var cl = [Int](repeating: 0, count: 19)
                for i in 0..<hclen { cl[order[i]] = try r.bits(3) }
                let clh = try Huffman(lengths: cl)
                var lengths: [Int] = []
                while lengths.count < hlit + hdist {
                    let sym = try clh.decode(&r)
                    switch sym {
                    case 0..<16: lengths.append(sym)
                    case 16:
                        guard let prev = lengths.last else { throw Corrupt() }
                        lengths += [Int](repeating: prev, count: 3 + (try r.bits(2)))
                    case 17: lengths += [Int](repeating: 0, count: 3 + (try r.bits(3)))
                    default: lengths += [Int](repeating: 0, count: 11 + (try r.bits(7)))
                    }
                }
                guard lengths.count == hlit + hdist else { throw Corrupt() }
                try block(&r, try Huffman(lengths: Array(lengths[0..<hlit])), try Huffman(lengths: Array(lengths[hlit...])), &out)
            default:
                throw Corrupt()
            }
        } while last == 0
    }

    static func block(_ r: inout BitReader, _ lit: Huffman, _ dist: Huffman, _ out: inout [UInt8]) throws {
        while true {
            let sym = try lit.decode(&r)
            if sym < 256 { out.append(UInt8(sym)); continue }
            if sym == 256 { return }
            let li = sym - 257
            guard li < lengthBase.count else { throw Corrupt() }
            let len = lengthBase[li] + (try r.bits(lengthExtra[li]))
            let di = try dist.decode(&r)
            guard di < distBase.count else { throw Corrupt() }
            let d = distBase[di] + (try r.bits(distExtra[di]))
            guard d <= out.count else { throw Corrupt() }
            let start = out.count - d
            for i in 0..<len { out.append(out[start + i]) }
            if out.count > maximumOutput { throw TooLarge() }
        }
    }
}
