import Foundation

/// A chart of series over a shared x axis: speedup against batch size per policy (the seed paper's central figure),
/// or one bar per model. Drawn in the terminal with braille dots, or written as a standalone SVG.
public struct Chart: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// (x, y) points, x ascending.
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) { self.name = name; self.points = points }
    }
    public var title: String
    public var xLabel: String, yLabel: String
    public var series: [Series]
    /// x values shown on the axis (the batch sizes), with their labels.
    public var xTicks: [(x: Double, label: String)]
    /// Plot x on a log₂ scale (batch sizes).
    public var logX: Bool
    /// Categories on x (models): marks without connecting lines.
    public var categorical = false

    public init(title: String, xLabel: String, yLabel: String, series: [Series], xTicks: [(x: Double, label: String)], logX: Bool) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series; self.xTicks = xTicks; self.logX = logX
    }

    var yRange: (lo: Double, hi: Double) {
        let ys = series.flatMap { $0.points.map(\.y) }
        let lo = min(ys.min() ?? 1, 1), hi = max(ys.max() ?? 1, 1)
        let pad = max((hi - lo) * 0.05, 0.01)
        return (max(0, lo - pad), hi + pad)
    }
    func xPos(_ x: Double) -> Double { logX ? log2(max(x, 1e-9)) : x }
    var xRange: (lo: Double, hi: Double) {
        let xs = (series.flatMap { $0.points.map(\.x) } + xTicks.map(\.x)).map(xPos)
        let lo = xs.min() ?? 0, hi = xs.max() ?? 1
        if categorical { return (lo - 0.5, hi + 0.5) }
        return hi > lo ? (lo, hi) : (lo - 1, hi + 1)
    }

    /// Series colours (ANSI 256 and SVG), one per series in order.
    static let ansi = [39, 208, 41, 170, 220, 203, 45, 141]
    static let svgColours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// The chart as text lines, `width` columns by `height` plot rows, braille dots (2×4 per cell), ANSI colours when
    /// `colour` is set.
    public func terminal(width: Int, height: Int, colour: Bool) -> [String] {
        let labelW = 7
        let cols = max(10, width - labelW - 1), rows = max(4, height)
        let pxW = cols * 2, pxH = rows * 4
        var dots = Array(repeating: Array(repeating: 0 as UInt8, count: cols), count: rows)
        var owner = Array(repeating: Array(repeating: -1, count: cols), count: rows)
        let (xl, xh) = xRange, (yl, yh) = yRange
        func px(_ x: Double) -> Int { Int(((xPos(x) - xl) / (xh - xl) * Double(pxW - 1)).rounded()) }
        func py(_ y: Double) -> Int { Int(((yh - y) / (yh - yl) * Double(pxH - 1)).rounded()) }
        let bit: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]
        func set(_ x: Int, _ y: Int, _ s: Int) {
            guard x >= 0, y >= 0, x < pxW, y < pxH else { return }
            dots[y / 4][x / 2] |= bit[y % 4][x % 2]
            owner[y / 4][x / 2] = s
        }
        // The speedup-1 baseline, dotted.
        let base = py(1)
        for x in stride(from: 0, to: pxW, by: 4) { set(x, base, -1) }
        for (si, s) in series.enumerated() {
            let pts = s.points.map { (px($0.x), py($0.y)) }
            if categorical {
                for p in pts { for dx in -1...1 { for dy in -1...1 { set(p.0 + dx, p.1 + dy, si) } } }
                continue
            }
            for (a, b) in zip(pts, pts.dropFirst()) {
                let n = max(abs(b.0 - a.0), abs(b.1 - a.1), 1)
                for t in 0...n { set(a.0 + (b.0 - a.0) * t / n, a.1 + (b.1 - a.1) * t / n, si) }
            }
            if pts.count == 1 { set(pts[0].0, pts[0].1, si) }
        }
        var out = [title]
        for r in 0..<rows {
            let y = yh - (yh - yl) * (Double(r) + 0.5) / Double(rows)
            let label = r == 0 || r == rows - 1 || r == rows / 2 ? String(format: "%6.2f×", y) : String(repeating: " ", count: labelW)
            var line = label + "┤"
            for c in 0..<cols {
                let ch = Character(Unicode.Scalar(0x2800 + UInt32(dots[r][c]))!)
                let o = owner[r][c]
                if colour && o >= 0 && dots[r][c] != 0 {
                    line += "\u{1B}[38;5;\(Self.ansi[o % Self.ansi.count])m\(ch)\u{1B}[0m"
                } else {
                    line.append(dots[r][c] == 0 ? " " : ch)
                }
            }
            out.append(line)
        }
        out.append(String(repeating: " ", count: labelW) + "└" + String(repeating: "─", count: cols))
        return out + xAxis(cols: cols, labelW: labelW, column: { px($0) / 2 }) + legend(labelW: labelW, colour: colour)
    }

    /// The x tick labels under the plot (those that would overlap a previous one are left out).
    func xAxis(cols: Int, labelW: Int, column: (Double) -> Int) -> [String] {
        var axis = Array(repeating: Character(" "), count: cols + labelW + 1)
        for t in xTicks {
            let c = min(max(labelW + 1 + column(t.x) - t.label.count / 2, 0), axis.count - t.label.count)
            guard c >= 0, c + t.label.count <= axis.count, axis[c..<(c + t.label.count)].allSatisfy({ $0 == " " }) else { continue }
            for (i, ch) in t.label.enumerated() { axis[c + i] = ch }
        }
        return [String(axis).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)]
    }

    /// The axis titles, then one line per series with its values.
    func legend(labelW: Int, colour: Bool) -> [String] {
        var out = [String(repeating: " ", count: labelW + 1) + xLabel + " · " + yLabel + " · ··· speedup 1"]
        for (si, s) in series.enumerated() {
            let mark = colour ? "\u{1B}[38;5;\(Self.ansi[si % Self.ansi.count])m━━\u{1B}[0m" : "━━"
            let values = s.points.map { String(format: "%.2f×", $0.y) }
            let shown = values.count <= 10 ? values.joined(separator: " ") : values.prefix(4).joined(separator: " ") + " … " + values.suffix(4).joined(separator: " ")
            out.append("  \(mark) \(s.name.padding(toLength: 15, withPad: " ", startingAt: 0)) \(shown)")
        }
        return out
    }

    /// The chart as a standalone SVG document.
    public func svg(width: Int = 720, height: Int = 420) -> String {
        let left = 60.0, right = 180.0, top = 40.0, bottom = 50.0
        let w = Double(width) - left - right, h = Double(height) - top - bottom
        let (xl, xh) = xRange, (yl, yh) = yRange
        func X(_ x: Double) -> Double { left + (xPos(x) - xl) / (xh - xl) * w }
        func Y(_ y: Double) -> Double { top + (yh - y) / (yh - yl) * h }
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(f(left))\" y=\"22\" font-size=\"14\" font-weight=\"bold\">\(esc(title))</text>\n"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top + h))\" x2=\"\(f(left + w))\" y2=\"\(f(top + h))\" stroke=\"black\"/>\n"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + h))\" stroke=\"black\"/>\n"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(Y(1)))\" x2=\"\(f(left + w))\" y2=\"\(f(Y(1)))\" stroke=\"gray\" stroke-dasharray=\"4 4\"/>\n"
        for i in 0...4 {
            let v = yl + (yh - yl) * Double(i) / 4
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(Y(v) + 4))\" text-anchor=\"end\">\(String(format: "%.2f×", v))</text>\n"
        }
        for t in xTicks { s += "<text x=\"\(f(X(t.x)))\" y=\"\(f(top + h + 18))\" text-anchor=\"middle\">\(esc(t.label))</text>\n" }
        s += "<text x=\"\(f(left + w / 2))\" y=\"\(f(Double(height) - 10))\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
        s += "<text transform=\"translate(16 \(f(top + h / 2))) rotate(-90)\" text-anchor=\"middle\">\(esc(yLabel))</text>\n"
        for (i, se) in series.enumerated() {
            let c = Self.svgColours[i % Self.svgColours.count]
            let pts = se.points.map { "\(f(X($0.x))),\(f(Y($0.y)))" }.joined(separator: " ")
            if !categorical { s += "<polyline fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\" points=\"\(pts)\"/>\n" }
            for p in se.points { s += "<circle cx=\"\(f(X(p.x)))\" cy=\"\(f(Y(p.y)))\" r=\"3\" fill=\"\(c)\"/>\n" }
            let ly = top + 14 + Double(i) * 18
            s += "<line x1=\"\(f(left + w + 16))\" y1=\"\(f(ly - 4))\" x2=\"\(f(left + w + 36))\" y2=\"\(f(ly - 4))\" stroke=\"\(c)\" stroke-width=\"2\"/>\n"
            s += "<text x=\"\(f(left + w + 42))\" y=\"\(f(ly))\">\(esc(se.name))</text>\n"
        }
        return s + "</svg>\n"
    }
}
