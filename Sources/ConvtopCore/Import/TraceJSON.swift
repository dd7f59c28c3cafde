import Foundation

/// Reads a Kineto trace's JSON keeping only what convtop uses: the events of the categories it reads (kernels,
/// memsets, runtime launches, annotations, CPU ops) with their name, category, time, duration and a few `args`, and
/// the device name. Everything else is skipped while scanning, so a 100 MB trace does not become a tree of millions
/// of Foundation objects (JSONSerialization took 3.5 GB for a 49,800-kernel trace). Nesting deeper than 512 levels
/// is refused rather than recursed into.
struct TraceJSON {
    struct Corrupt: Error {}
    static let categories: Set<String> = ["kernel", "gpu_memset", "cuda_runtime", "cuda_driver", "user_annotation", "cpu_op"]
    static let argKeys: Set<String> = ["correlation", "stream", "grid", "block", "registers per thread", "shared memory"]

    let b: [UInt8]
    var i = 0

    /// The kept events (as the dictionaries `ProfilerTrace.parse` reads) and the first device's name.
    static func read(_ bytes: [UInt8]) throws -> (events: [[String: Any]], device: String?)? {
        var s = TraceJSON(b: bytes)
        s.ws()
        guard s.peek == UInt8(ascii: "{") else { throw Corrupt() }
        var events: [[String: Any]]?
        var device: String?
        try s.object { s, key in
            switch key {
            case "traceEvents":
                var out: [[String: Any]] = []
                try s.array { s in if let e = try s.event() { out.append(e) } }
                events = out
            case "deviceProperties":
                try s.array { s in
                    try s.object { s, k in
                        if k == "name", device == nil, let n = try s.value(depth: 1) as? String { device = n } else { try s.skip(depth: 1) }
                    }
                }
            default: try s.skip(depth: 1)
            }
        }
        return events.map { ($0, device) }
    }

    var peek: UInt8? { i < b.count ? b[i] : nil }

    mutating func ws() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }

    mutating func expect(_ c: UInt8) throws {
        ws()
        guard peek == c else { throw Corrupt() }
        i += 1
    }

    /// Calls `body` with each key of an object, positioned at its value (which `body` must consume).
    mutating func object(_ body: (inout TraceJSON, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        ws()
        if peek == UInt8(ascii: "}") { i += 1; return }
        while true {
            ws()
            let key = try string()
            try expect(UInt8(ascii: ":"))
            ws()
            try body(&self, key)
            ws()
            guard let c = peek else { throw Corrupt() }
            i += 1
            if c == UInt8(ascii: "}") { return }
            guard c == UInt8(ascii: ",") else { throw Corrupt() }
        }
    }

    mutating func array(_ body: (inout TraceJSON) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        ws()
        if peek == UInt8(ascii: "]") { i += 1; return }
        while true {
            ws()
            try body(&self)
            ws()
            guard let c = peek else { throw Corrupt() }
            i += 1
            if c == UInt8(ascii: "]") { return }
            guard c == UInt8(ascii: ",") else { throw Corrupt() }
        }
    }

    /// One trace event, or nil when its category is not one convtop reads.
    mutating func event() throws -> [String: Any]? {
        ws()
        guard peek == UInt8(ascii: "{") else { try skip(depth: 1); return nil }
        var e: [String: Any] = [:]
        try object { s, key in
            switch key {
            case "cat", "name", "ts", "dur": e[key] = try s.value(depth: 2)
            case "args":
                guard s.peek == UInt8(ascii: "{") else { try s.skip(depth: 2); return }
                var a: [String: Any] = [:]
                try s.object { s, k in if TraceJSON.argKeys.contains(k) { a[k] = try s.value(depth: 3) } else { try s.skip(depth: 3) } }
                e["args"] = a
            default: try s.skip(depth: 2)
            }
        }
        guard let cat = e["cat"] as? String, Self.categories.contains(cat) else { return nil }
        return e
    }

    /// A scalar or an array of scalars (what the kept fields hold); deeper values are skipped as nil.
    mutating func value(depth: Int) throws -> Any? {
        ws()
        guard let c = peek else { throw Corrupt() }
        switch c {
        case UInt8(ascii: "\""): return try string()
        case UInt8(ascii: "["):
            var out: [Any] = []
            try array { s in if let v = try s.value(depth: depth + 1) { out.append(v) } }
            return out
        case UInt8(ascii: "{"): try skip(depth: depth); return nil
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        case UInt8(ascii: "n"): try literal("null"); return nil
        default: return try number()
        }
    }

    mutating func literal(_ word: String) throws {
        for u in word.utf8 { guard peek == u else { throw Corrupt() }; i += 1 }
    }

    /// Skips any value; nesting beyond 512 levels is refused.
    mutating func skip(depth: Int) throws {
        guard depth < 512 else { throw Corrupt() }
        ws()
        guard let c = peek else { throw Corrupt() }
        switch c {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "{"): try object { s, _ in try s.skip(depth: depth + 1) }
        case UInt8(ascii: "["): try array { s in try s.skip(depth: depth + 1) }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try number()
        }
    }

    /// An integer when it has no fraction or exponent (and fits), else a Double.
    mutating func number() throws -> Any {
        let start = i
        var integral = true
        while i < b.count {
            let c = b[i]
            if (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") { i += 1; continue }
            if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { integral = false; i += 1; continue }
            break
        }
        guard i > start, let text = String(bytes: b[start..<i], encoding: .ascii) else { throw Corrupt() }
        if integral, let v = Int(text) { return v }
        guard let d = Double(text), d.isFinite else { throw Corrupt() }
        return d
    }

    mutating func string() throws -> String {
        guard peek == UInt8(ascii: "\"") else { throw Corrupt() }
        i += 1
        var bytes: [UInt8] = []
        while true {
            guard i < b.count else { throw Corrupt() }
            let c = b[i]
            i += 1
            if c == UInt8(ascii: "\"") { break }
            guard c == UInt8(ascii: "\\") else { bytes.append(c); continue }
            guard i < b.count else { throw Corrupt() }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if code >= 0xD800 && code < 0xDC00, i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let low = try hex4()
                    // A lone or malformed surrogate becomes U+FFFD below (no arithmetic on a bad pair).
                    code = low >= 0xDC00 && low < 0xE000 ? 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00) : 0xFFFD
                }
                bytes += Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8)
            default: bytes.append(e) // \" \\ \/
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= b.count, let s = String(bytes: b[i..<(i + 4)], encoding: .ascii), let v = UInt32(s, radix: 16) else { throw Corrupt() }
        i += 4
        return v
    }
}
