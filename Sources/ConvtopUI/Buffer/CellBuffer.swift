/// Semantic colours; the backend maps them to terminal colours (or ignores them with NO_COLOR).
public enum ColorRole: UInt8, Sendable, Hashable, CaseIterable {
    case normal, accent, dim, good, warn, bad, title, cursor
    case stream0, stream1, stream2, stream3, stream4, stream5, stream6, stream7

    /// The colour of stream `s` (streams beyond eight reuse the palette; their glyph still differs).
    public static func stream(_ s: Int) -> ColorRole {
        ColorRole(rawValue: ColorRole.stream0.rawValue + UInt8(((s % 8) + 8) % 8))!
    }
}

/// How a cell is drawn.
public struct Style: Sendable, Hashable {
    public var color: ColorRole
    public var bold: Bool
    public var reverse: Bool
    public var dim: Bool
    public init(_ color: ColorRole = .normal, bold: Bool = false, reverse: Bool = false, dim: Bool = false) {
        self.color = color; self.bold = bold; self.reverse = reverse; self.dim = dim
    }
    public static let plain = Style()
}

/// One terminal cell.
public struct Cell: Sendable, Hashable {
    public var char: Unicode.Scalar
    public var style: Style
    public init(_ char: Unicode.Scalar = " ", _ style: Style = .plain) { self.char = char; self.style = style }
}

/// A rectangle in cells.
public struct Rect: Sendable, Hashable, CustomStringConvertible {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = max(0, width); self.height = max(0, height)
    }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }
    public func inset(_ d: Int) -> Rect { Rect(x: x + d, y: y + d, width: width - 2 * d, height: height - 2 * d) }
    public func intersects(_ o: Rect) -> Bool { !isEmpty && !o.isEmpty && x < o.maxX && o.x < maxX && y < o.maxY && o.y < maxY }
    public func contains(x px: Int, y py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }
    public var description: String { "\(x),\(y) \(width)×\(height)" }
}

/// A grid of cells that widgets draw into; every write is clipped, so drawing can never go off-screen.
public struct CellBuffer: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width); self.height = max(0, height)
        cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { if x >= 0 && y >= 0 && x < width && y < height { cells[y * width + x] = newValue } }
    }

    public mutating func put(_ x: Int, _ y: Int, _ ch: Unicode.Scalar, _ style: Style = .plain, clip: Rect? = nil) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        if let c = clip, !c.contains(x: x, y: y) { return }
        cells[y * width + x] = Cell(ch, style)
    }

    /// Writes `text` from (x, y) rightwards, clipped to `clip` (default: the buffer); returns the x after the text.
    @discardableResult
    public mutating func text(_ x: Int, _ y: Int, _ text: String, _ style: Style = .plain, clip: Rect? = nil) -> Int {
        var cx = x
        for ch in text.unicodeScalars {
            put(cx, y, ch, style, clip: clip)
            cx += 1
        }
        return cx
    }

    public mutating func fill(_ r: Rect, _ ch: Unicode.Scalar = " ", _ style: Style = .plain) {
        let y0 = max(0, r.y), y1 = min(height, r.maxY), x0 = max(0, r.x), x1 = min(width, r.maxX)
        guard y0 < y1, x0 < x1 else { return }
        for y in y0..<y1 { for x in x0..<x1 { cells[y * width + x] = Cell(ch, style) } }
    }

    /// A titled box border around `r`.
    public mutating func box(_ r: Rect, title: String, glyphs: Glyphs, style: Style = Style(.dim)) {
        guard r.width >= 2, r.height >= 2 else { return }
        let g = glyphs
        put(r.x, r.y, g.topLeft, style); put(r.maxX - 1, r.y, g.topRight, style)
        put(r.x, r.maxY - 1, g.bottomLeft, style); put(r.maxX - 1, r.maxY - 1, g.bottomRight, style)
        for x in (r.x + 1)..<(r.maxX - 1) { put(x, r.y, g.horizontal, style); put(x, r.maxY - 1, g.horizontal, style) }
        for y in (r.y + 1)..<(r.maxY - 1) { put(r.x, y, g.vertical, style); put(r.maxX - 1, y, g.vertical, style) }
        if !title.isEmpty && r.width > 4 {
            text(r.x + 2, r.y, " " + title + " ", Style(.title, bold: true), clip: Rect(x: r.x + 1, y: r.y, width: r.width - 2, height: 1))
        }
    }

    /// Replaces every non-ASCII character with an ASCII stand-in (for terminals without UTF-8).
    public mutating func asciify() {
        let map: [Unicode.Scalar: Unicode.Scalar] = ["·": ".", "→": ">", "×": "x", "–": "-", "—": "-", "…": "~", "✓": "v", "▶": ">",
                                           "○": "o", "●": "*", "┃": "|", "─": "-", "│": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+"]
        for i in cells.indices where !cells[i].char.isASCII {
            cells[i].char = map[cells[i].char] ?? "?"
        }
    }

    /// The buffer as plain text lines (trailing spaces kept), for golden tests.
    public func lines() -> [String] {
        (0..<height).map { y in
            var line = String.UnicodeScalarView()
            for x in 0..<width { line.append(cells[y * width + x].char) }
            return String(line)
        }
    }
    public func text() -> String { lines().joined(separator: "\n") }

    /// Colours and attributes as text, for golden files: a legend naming each style that appears (in order of first
    /// appearance, one letter each), then one letter per cell. A colour or bold regression changes it.
    public func styleText() -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var code: [Style: Character] = [:]
        var legend: [String] = []
        var rows: [String] = []
        for y in 0..<height {
            var row = ""
            for x in 0..<width {
                let s = self[x, y].style
                if code[s] == nil {
                    let c = code.count < letters.count ? letters[code.count] : "?"
                    code[s] = c
                    let attrs = [s.bold ? "bold" : nil, s.dim ? "dim" : nil, s.reverse ? "reverse" : nil].compactMap { $0 }
                    legend.append("\(c) = \(([String(describing: s.color)] + attrs).joined(separator: " "))")
                }
                row.append(code[s]!)
            }
            rows.append(row)
        }
        return (legend + [""] + rows).joined(separator: "\n")
    }
}
