import ConvtopCore
import Foundation

/// Records the dashboard as an asciicast v2 file (`asciinema play FILE.cast`): a header line, then output events
/// carrying the ANSI text that turns one frame into the next (changed cells only).
public final class CastWriter: FrameBackend {
    let file: OutputFile
    let start = Date()
    private var diff = FrameDiff()
    private var shownSize: String?
    private var time = 0.0, out = "", lastStyle: Style?, cursor: (Int, Int)?

    /// The asciicast v2 header line.
    struct Header: Encodable {
        var version = 2
        var width: Int, height: Int, timestamp: Int
        var env: [String: String]
    }

    /// One event line: `[time, code, data]` ("o" output, "r" resize).
    struct Event: Encodable {
        var time: Double, code: String, data: String
        func encode(to encoder: Encoder) throws {
            var c = encoder.unkeyedContainer()
            try c.encode(time); try c.encode(code); try c.encode(data)
        }
    }

    public init(path: String, overwrite: Bool = false, width: Int, height: Int) throws {
        file = try OutputFile(path: path, overwrite: overwrite)
        write(Header(width: width, height: height, timestamp: Int(start.timeIntervalSince1970),
                     env: ["TERM": ProcessInfo.processInfo.environment["TERM"] ?? "xterm-256color"]))
    }

    private func writeEvent(_ e: Event) { write(e) }

    private func write<T: Encodable>(_ v: T) {
        let enc = JSONEncoder()
        enc.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        guard let d = try? enc.encode(v) else { return }
        try? file.write(d + Data("\n".utf8))
    }

    /// Appends one frame.
    public func frame(_ b: CellBuffer) { diff.present(b, to: self) }

    public func beginFrame(width: Int, height: Int, full: Bool) {
        time = (Date().timeIntervalSince(start) * 1000).rounded() / 1000
        if full && shownSize != nil && shownSize! != "\(width)x\(height)" { writeEvent(Event(time: time, code: "r", data: "\(width)x\(height)")) }
        shownSize = "\(width)x\(height)"
        out = full ? "\u{1B}[0m\u{1B}[2J" : ""
        lastStyle = nil
        cursor = nil
    }

    public func put(x: Int, y: Int, _ c: Cell) {
        if cursor == nil || cursor! != (x, y) { out += "\u{1B}[\(y + 1);\(x + 1)H" }
        if lastStyle != c.style { out += Self.sgr(c.style); lastStyle = c.style }
        out.unicodeScalars.append(c.char)
        cursor = (x + 1, y)
    }

    public func endFrame() {
        if !out.isEmpty { writeEvent(Event(time: time, code: "o", data: out)) }
    }

    /// SGR sequence for a style (256-colour palette, like the terminal backend's).
    static func sgr(_ s: Style) -> String {
        var codes = ["0"]
        if s.bold { codes.append("1") }
        if s.dim { codes.append("2") }
        if s.reverse { codes.append("7") }
        if let c = Palette.xterm256(s.color) { codes.append("38;5;\(c)") }
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }

}

