/// Something that shows frames cell by cell: the ncurses screen, the asciicast writer.
public protocol FrameBackend: AnyObject {
    /// A frame begins; `full` means every cell follows (the first frame, or a new size), so clear first.
    func beginFrame(width: Int, height: Int, full: Bool)
    /// One cell that differs from the last frame shown (cells arrive row by row, left to right).
    func put(x: Int, y: Int, _ cell: Cell)
    /// The frame is complete.
    func endFrame()
}

/// The one changed-cell diff: remembers the last frame shown and hands a backend only what changed.
public struct FrameDiff: Sendable {
    private var previous: CellBuffer?

    public init() {}

    /// Forgets the last frame, so the next one is drawn in full (after a resize or a cleared screen).
    public mutating func invalidate() { previous = nil }

    /// Sends `b` to the backend: every cell when it is the first frame or the size changed, else the changed ones.
    public mutating func present(_ b: CellBuffer, to backend: FrameBackend) {
        let old = previous.flatMap { $0.width == b.width && $0.height == b.height ? $0 : nil }
        backend.beginFrame(width: b.width, height: b.height, full: old == nil)
        for y in 0..<b.height {
            for x in 0..<b.width {
                let cell = b[x, y]
                if let old, old[x, y] == cell { continue }
                backend.put(x: x, y: y, cell)
            }
        }
        backend.endFrame()
        previous = b
    }
}
