import ConvtopCore
import Foundation

/// Records the dashboard as an asciicast v2 file (`asciinema play FILE.cast`): a header line, then output events
/// carrying the ANSI text that turns one frame into the next (changed cells only).
public final class CastWriter {
    let file: OutputFile
    let start = Date()
    var previous: CellBuffer?

    public init(path: String, overwrite: Bool = false, width: Int, height: Int) throws {
        file = try OutputFile(path: path, overwrite: overwrite)
        let header: [String: Any] = ["version": 2, "width": width, "height": height, "timestamp": Int(start.timeIntervalSince1970),
                                     "env": ["TERM": ProcessInfo.processInfo.environment["TERM"] ?? "xterm-256color"]]
        write(header)
    }

    func write(_ v: Any) {
        guard let d = try? JSONSerialization.data(withJSONObject: v, options: [.withoutEscapingSlashes]) else { return }
        try? file.write(d + Data("\n".utf8))
    }

    /// Appends one frame.
    public func frame(_ b: CellBuffer) {
        let t = (Date().timeIntervalSince(start) * 1000).rounded() / 1000
        var out = ""
        let full = previous == nil || previous!.width != b.width || previous!.height != b.height
        if previous != nil && full { write([t, "r", "\(b.width)x\(b.height)"]) }
        if full { out += "\u{1B}[0m\u{1B}[2J" }
        var lastStyle: Style?
        var cursor: (Int, Int)? = nil
        for y in 0..<b.height {
            for x in 0..<b.width {
                let c = b[x, y]
                if !full, let p = previous, p[x, y] == c { continue }
                if cursor == nil || cursor! != (x, y) { out += "\u{1B}[\(y + 1);\(x + 1)H" }
                if lastStyle != c.style { out += Self.sgr(c.style); lastStyle = c.style }
                out.unicodeScalars.append(c.char)
                cursor = (x + 1, y)
            }
        }
        previous = b
        if !out.isEmpty { write([t, "o", out]) }
    }

    /// SGR sequence for a style (256-colour palette, like the terminal backend's).
    static func sgr(_ s: Style) -> String {
        let palette: [ColorRole: Int] = [.accent: 45, .dim: 244, .good: 83, .warn: 221, .bad: 203, .title: 81, .cursor: 201,
                                         .stream0: 39, .stream1: 41, .stream2: 214, .stream3: 170, .stream4: 44, .stream5: 203,
                                         .stream6: 227, .stream7: 250]
        var codes = ["0"]
        if s.bold { codes.append("1") }
        if s.dim { codes.append("2") }
        if s.reverse { codes.append("7") }
        if let c = palette[s.color] { codes.append("38;5;\(c)") }
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }

}

