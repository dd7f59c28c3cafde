import ConvtopCore

/// One key binding: the keys, the action, and the help text. The table drives key handling, the footer and the
/// help overlay alike.
public struct KeyBinding: Sendable {
    public var keys: [Key]
    public var label: String
    public var action: Action
    public var help: String
    /// Short footer text, or nil to show the binding in the help overlay only.
    public var footer: String?
}

public enum KeyMap {
    public static let bindings: [KeyBinding] = {
        var b: [KeyBinding] = []
        // Keys 1…9 then 0, as on the keyboard's number row (ten policies at most).
        for (i, p) in PolicyKind.allCases.prefix(10).enumerated() {
            let digit = String((i + 1) % 10)
            b.append(KeyBinding(keys: [.char(Character(digit))], label: digit, action: .selectPolicy(p),
                                help: "policy \(p.rawValue): \(p.summary)",
                                footer: i == 0 ? "1-\(PolicyKind.allCases.count >= 10 ? "0" : String(PolicyKind.allCases.count)) policy" : nil))
        }
        b += [
            KeyBinding(keys: [.char("p"), .tab], label: "p Tab", action: .cyclePolicy, help: "next policy", footer: nil),
            KeyBinding(keys: [.char(" ")], label: "space", action: .togglePause, help: "pause / resume playback", footer: "spc pause"),
            KeyBinding(keys: [.char("n")], label: "n", action: .nextIteration, help: "next iteration", footer: "n next"),
            KeyBinding(keys: [.char(".")], label: ".", action: .stepEvent, help: "one kernel event forward (pauses)", footer: nil),
            KeyBinding(keys: [.left], label: "←", action: .seekBackward, help: "seek backward", footer: nil),
            KeyBinding(keys: [.right], label: "→", action: .seekForward, help: "seek forward", footer: "←→ seek"),
            KeyBinding(keys: [.home], label: "Home", action: .seekStart, help: "go to the start of the iteration", footer: nil),
            KeyBinding(keys: [.end], label: "End", action: .seekEnd, help: "go to the end of the iteration", footer: nil),
            KeyBinding(keys: [.char("+"), .char("=")], label: "+", action: .zoomIn, help: "zoom the timeline in", footer: nil),
            KeyBinding(keys: [.char("-"), .char("_")], label: "-", action: .zoomOut, help: "zoom the timeline out", footer: "+- zoom"),
            KeyBinding(keys: [.char("[")], label: "[", action: .slower, help: "slower playback", footer: nil),
            KeyBinding(keys: [.char("]")], label: "]", action: .faster, help: "faster playback", footer: "[] speed"),
            KeyBinding(keys: [.char("b")], label: "b", action: .halveBatch, help: "halve the batch size", footer: nil),
            KeyBinding(keys: [.char("B")], label: "B", action: .doubleBatch, help: "double the batch size", footer: "bB batch"),
            KeyBinding(keys: [.char("m")], label: "m", action: .toggleMode, help: "inference / training", footer: "m mode"),
            KeyBinding(keys: [.char("g")], label: "g", action: .nextGPU, help: "next GPU profile", footer: "g gpu"),
            KeyBinding(keys: [.char("l")], label: "l", action: .toggleLaunch, help: "eager / CUDA Graph launch", footer: "l launch"),
            KeyBinding(keys: [.char("c")], label: "c", action: .toggleProcess,
                       help: "profiled / clean process (a graph replay's host cost per node)", footer: nil),
            KeyBinding(keys: [.char("<"), .char(",")], label: "<", action: .fewerStreams, help: "fewer streams", footer: nil),
            KeyBinding(keys: [.char(">")], label: ">", action: .moreStreams, help: "more streams", footer: "<> streams"),
            KeyBinding(keys: [.char("r")], label: "r", action: .toggleRecording, help: "start / stop recording (with --record)", footer: nil),
            KeyBinding(keys: [.char("e")], label: "e", action: .exportTrace, help: "export this iteration as a Chrome trace", footer: "e export"),
            KeyBinding(keys: [.char("x")], label: "x", action: .toggleExplain, help: "why: where this iteration's lost parallelism goes", footer: "x why"),
            KeyBinding(keys: [.char("?"), .char("h"), .function(1)], label: "? h F1", action: .toggleHelp, help: "help", footer: "? help"),
            KeyBinding(keys: [.char("v")], label: "v", action: .toggleAB,
                       help: "A/B: this policy above the one before it, on one time axis, with the differences", footer: nil),
            KeyBinding(keys: [.char("f")], label: "f", action: .cycleFilter,
                       help: "show one stream in full, the others dimmed (next stream each press, then all)", footer: nil),
            KeyBinding(keys: [.char("/")], label: "/", action: .startSearch,
                       help: "search ops and kernels by name; then n/N next/previous match, Esc clears", footer: "/ find"),
            KeyBinding(keys: [.enter, .char("i")], label: "Enter i", action: .toggleInspector,
                       help: "inspect the kernel at the cursor (click a timeline lane to pick one)", footer: nil),
            KeyBinding(keys: [.escape], label: "Esc", action: .closeOverlay, help: "close the help, why or inspector overlay", footer: nil),
            KeyBinding(keys: [.up, .char("k")], label: "↑ k", action: .scrollUp, help: "scroll this help up", footer: nil),
            KeyBinding(keys: [.down, .char("j")], label: "↓ j", action: .scrollDown, help: "scroll this help down", footer: nil),
            KeyBinding(keys: [.pageUp], label: "PgUp", action: .pageUp, help: "scroll this help a page up", footer: nil),
            KeyBinding(keys: [.pageDown], label: "PgDn", action: .pageDown, help: "scroll this help a page down", footer: nil),
            KeyBinding(keys: [.char("q"), .ctrlC, .function(10)], label: "q ^C F10", action: .quit, help: "quit", footer: "q quit"),
        ]
        return b
    }()

    /// The action bound to a key, if any.
    public static func action(for key: Key) -> Action? {
        bindings.first { $0.keys.contains(key) }?.action
    }

    /// Footer items in table order.
    public static var footerItems: [String] { bindings.compactMap(\.footer) }
}
