/// The characters the dashboard draws with: Unicode blocks and box drawing, or an ASCII fallback.
public struct Glyphs: Sendable {
    public var horizontal: Character, vertical: Character
    public var topLeft: Character, topRight: Character, bottomLeft: Character, bottomRight: Character
    /// Horizontal bar eighths, index 0 (empty) … 8 (full).
    public var hEighths: [Character]
    /// Vertical bar eighths, index 0 (empty) … 8 (full).
    public var vEighths: [Character]
    /// One fill glyph per stream, distinct so monochrome screens stay readable.
    public var streams: [Character]
    public var cursor: Character
    public var idle: Character
    public var waiting: Character, ready: Character, running: Character, done: Character
    public var ellipsis: Character
    public var dot: Character

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        hEighths: [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"],
        vEighths: [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        streams: ["█", "▓", "▒", "░", "▚", "▞", "▙", "▟"],
        cursor: "┃", idle: "·", waiting: "·", ready: "○", running: "▶", done: "✓", ellipsis: "…", dot: "●")

    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        hEighths: [" ", " ", " ", "-", "-", "=", "=", "=", "#"],
        vEighths: [" ", ".", ".", "_", "-", "=", "=", "#", "#"],
        streams: ["#", "=", "+", "%", "@", "*", "o", "x"],
        cursor: "|", idle: ".", waiting: ".", ready: "o", running: ">", done: "v", ellipsis: "~", dot: "*")

    public func stream(_ s: Int) -> Character { streams[((s % streams.count) + streams.count) % streams.count] }

    /// A horizontal bar of `width` cells filled to `fraction` with eighth-cell resolution.
    public func bar(_ fraction: Double, width: Int) -> [Character] {
        guard width > 0 else { return [] }
        let f = fraction.isFinite ? max(0, min(1, fraction)) : 0
        let eighths = Int((f * Double(width * 8)).rounded())
        return (0..<width).map { i in hEighths[max(0, min(8, eighths - i * 8))] }
    }

    /// One vertical eighth-block for a value in 0…1.
    public func level(_ fraction: Double) -> Character {
        let f = fraction.isFinite ? max(0, min(1, fraction)) : 0
        return vEighths[Int((f * 8).rounded())]
    }
}
