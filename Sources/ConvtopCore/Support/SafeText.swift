/// Text from files and the command line made safe to print on a terminal.
public enum SafeText {
    /// `s` with control characters (C0, DEL, C1: escape sequences among them) written as `\u{XX}`, so names
    /// taken from an input file cannot move the cursor, change colours or retitle the terminal when printed.
    public static func printable(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            let v = u.value
            if v < 0x20 || v == 0x7F || (v >= 0x80 && v < 0xA0) {
                out += "\\u{" + String(v, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
