/// The characters the dashboard draws with: Unicode blocks and box drawing, or an ASCII fallback.
public struct Glyphs: Sendable {
    public var horizontal: Unicode.Scalar, vertical: Unicode.Scalar
    public var topLeft: Unicode.Scalar, topRight: Unicode.Scalar, bottomLeft: Unicode.Scalar, bottomRight: Unicode.Scalar
    /// Horizontal bar eighths, index 0 (empty) … 8 (full).
    public var hEighths: [Unicode.Scalar]
    /// Vertical bar eighths, index 0 (empty) … 8 (full).
    public var vEighths: [Unicode.Scalar]
    /// One fill glyph per stream, distinct so monochrome screens stay readable.
    public var streams: [Unicode.Scalar]
    public var cursor: Unicode.Scalar
    public var idle: Unicode.Scalar
    public var waiting: Unicode.Scalar, ready: Unicode.Scalar, running: Unicode.Scalar, done: Unicode.Scalar
    /// An op whose grid is launched and waits in the in-order block dispatcher; a timeline span of such waiting.
    public var queued: Unicode.Scalar, queuedSpan: Unicode.Scalar
    public var ellipsis: Unicode.Scalar
    public var dot: Unicode.Scalar

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        hEighths: [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"],
        vEighths: [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        streams: ["█", "▓", "▒", "░", "▚", "▞", "▙", "▟"],
        cursor: "┃", idle: "·", waiting: "·", ready: "○", running: "▶", done: "✓", queued: "◌", queuedSpan: "┄",
        ellipsis: "…", dot: "●")

    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        hEighths: [" ", " ", " ", "-", "-", "=", "=", "=", "#"],
        vEighths: [" ", ".", ".", "_", "-", "=", "=", "#", "#"],
        streams: ["#", "=", "+", "%", "@", "*", "o", "x"],
        cursor: "|", idle: ".", waiting: ".", ready: "o", running: ">", done: "v", queued: "q", queuedSpan: ":",
        ellipsis: "~", dot: "*")

    public func stream(_ s: Int) -> Unicode.Scalar { streams[((s % streams.count) + streams.count) % streams.count] }

    /// A horizontal bar of `width` cells filled to `fraction` with eighth-cell resolution.
    public func bar(_ fraction: Double, width: Int) -> [Unicode.Scalar] {
        guard width > 0 else { return [] }
        let f = fraction.isFinite ? max(0, min(1, fraction)) : 0
        let eighths = Int((f * Double(width * 8)).rounded())
        return (0..<width).map { i in hEighths[max(0, min(8, eighths - i * 8))] }
    }

    /// One vertical eighth-block for a value in 0…1.
    public func level(_ fraction: Double) -> Unicode.Scalar {
        let f = fraction.isFinite ? max(0, min(1, fraction)) : 0
        return vEighths[Int((f * 8).rounded())]
    }
}
