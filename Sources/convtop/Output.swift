import Foundation

/// Prints rows as an aligned text table; numeric-looking columns are right-aligned.
func printTable(_ header: [String], _ rows: [[String]]) {
    var width = header.map(\.count)
    for r in rows { for (i, c) in r.enumerated() where i < width.count { width[i] = max(width[i], c.count) } }
    func numeric(_ s: String) -> Bool { !s.isEmpty && s.allSatisfy { "0123456789.,-+%×x".contains($0) } }
    func line(_ r: [String]) -> String {
        r.enumerated().map { i, c in
            let pad = String(repeating: " ", count: max(0, width[i] - c.count))
            return numeric(c) && i > 0 ? pad + c : c + pad
        }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    print(line(header))
    print(width.map { String(repeating: "─", count: $0) }.joined(separator: "  "))
    for r in rows { print(line(r)) }
}

/// Writes any Encodable as pretty, key-sorted JSON on stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try e.encode(value), as: UTF8.self))
}

func fmt(_ v: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", v) }

/// Thousands separators for large integers.
func grouped(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, c) in s.reversed().enumerated() {
        if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}

/// Giga-units with two decimals.
func giga(_ v: Double) -> String { String(format: "%.2f G", v / 1e9) }
