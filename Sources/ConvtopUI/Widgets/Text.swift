/// Small text helpers for widgets.
enum TextFit {
    /// `s` cut to `n` characters, with an ellipsis when cut.
    static func fit(_ s: String, _ n: Int, ellipsis: Unicode.Scalar) -> String {
        guard n > 0 else { return "" }
        if s.count <= n { return s }
        return String(s.prefix(n - 1)) + String(Character(ellipsis))
    }

    /// `s` cut to `n` characters at a word boundary where one is near, with an ellipsis when cut.
    static func words(_ s: String, _ n: Int, ellipsis: Unicode.Scalar) -> String {
        guard s.count > n, n > 1 else { return fit(s, n, ellipsis: ellipsis) }
        let head = String(s.prefix(n - 1))
        if let space = head.lastIndex(of: " "), head.distance(from: head.startIndex, to: space) >= n / 2 {
            return String(head[..<space]) + String(Character(ellipsis))
        }
        return head + String(Character(ellipsis))
    }

    /// The last components of a dotted op name that fit in `n` characters.
    static func shortName(_ s: String, _ n: Int, ellipsis: Unicode.Scalar) -> String {
        let parts = s.split(separator: ".")
        var out = ""
        for p in parts.reversed() {
            let candidate = out.isEmpty ? String(p) : String(p) + "." + out
            if candidate.count > n { break }
            out = candidate
        }
        return out.isEmpty ? fit(s, n, ellipsis: ellipsis) : out
    }

    static func ms(_ us: Double) -> String {
        let v = us / 1000
        return v >= 100 ? String(format: "%.0f ms", v) : (v >= 10 ? String(format: "%.1f ms", v) : String(format: "%.3f ms", v))
    }

    static func padRight(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}
