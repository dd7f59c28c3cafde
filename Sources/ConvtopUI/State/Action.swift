import ConvtopCore

/// A key press, decoded by the backend.
public enum Key: Sendable, Hashable {
    case char(Character)
    case left, right, up, down, home, end, pageUp, pageDown, tab, backTab, escape, enter
    case function(Int)
    case ctrlC
    /// A mouse click at a cell.
    case click(x: Int, y: Int)
}

/// What a key asks the dashboard to do.
public enum Action: Sendable, Hashable {
    case selectPolicy(PolicyKind)
    case cyclePolicy
    case togglePause
    case nextIteration
    case stepEvent
    case seekBackward, seekForward
    /// Home/End: the start or the last instant of the iteration.
    case seekStart, seekEnd
    /// ↑/↓ (PgUp/PgDn a page): scroll the help overlay.
    case scrollUp, scrollDown, pageUp, pageDown
    case zoomIn, zoomOut
    case slower, faster
    case halveBatch, doubleBatch
    case toggleMode
    case nextGPU
    case toggleLaunch
    case toggleProcess
    case fewerStreams, moreStreams
    case toggleRecording
    case exportTrace
    case toggleHelp
    case toggleExplain
    /// Enter/i: the kernel inspector for the kernel under the cursor.
    case toggleInspector
    /// `/`: start typing a search for ops and kernels by name.
    case startSearch
    /// `v`: A/B view — this policy's timelines above the previous policy's, on one time axis.
    case toggleAB
    /// `f`: show one stream at a time in full, the others dimmed (cycles through the streams, then off).
    case cycleFilter
    /// Esc: close the help or why overlay (htop's habit); never quits, so a stray escape sequence is harmless.
    case closeOverlay
    case quit
}

/// Work the reducer asks the outside world to do.
public enum Effect: Sendable, Hashable {
    /// Settings changed: simulate the current configuration again.
    case resimulate
    case quit
    case exportTrace
    case toggleRecording
}
