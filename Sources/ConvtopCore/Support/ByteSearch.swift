extension StringProtocol {
    /// Whether `needle`'s UTF-8 bytes occur in this string's: a plain byte scan. Foundation's `contains` on Linux goes
    /// through `NSString` and a locale, about 25,000 instructions a call on a 200-character kernel name, and the
    /// catalog asks it of thousands of names at start-up.
    func containsBytes(_ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard let first = n.first else { return true }
        let h = Array(utf8)
        guard h.count >= n.count else { return false }
        var i = 0
        while i <= h.count - n.count {
            if h[i] == first {
                var j = 1
                while j < n.count && h[i + j] == n[j] { j += 1 }
                if j == n.count { return true }
            }
            i += 1
        }
        return false
    }
}
