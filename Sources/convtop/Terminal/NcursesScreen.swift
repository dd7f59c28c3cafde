import CNcurses
import ConvtopCore
import ConvtopUI
import Foundation

/// The signal that asked convtop to stop (0: none); the run loop polls it every frame and restores the terminal.
nonisolated(unsafe) var terminationRequested: sig_atomic_t = 0

/// The only code that touches ncurses: opens the terminal, copies cell buffers to it (changed cells only), reads keys.
final class NcursesScreen: FrameBackend {
    private var diff = FrameDiff()
    private var frameSize = (width: 0, height: 0)
    private let color: Bool
    private var open = false
    let utf8: Bool

    /// Whether the user's locale encodes text as UTF-8 (otherwise the dashboard draws ASCII only).
    static func localeIsUTF8() -> Bool {
        setlocale(LC_ALL, "")
        return String(cString: ct_codeset()).uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
    }

    /// Opens the terminal; throws (with the terminal untouched) when there is none.
    init(color wantColor: Bool, mouse: Bool, theme: Theme = .dark) throws {
        utf8 = Self.localeIsUTF8()
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw ConvtopError(.usage, "the dashboard needs a terminal; use 'convtop simulate' or 'convtop compare' for scripts")
        }
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        guard !term.isEmpty, term != "dumb" else {
            throw ConvtopError(.usage, "the dashboard needs a terminal with cursor movement (TERM=\(term.isEmpty ? "unset" : term)); set TERM (e.g. xterm-256color) or use 'convtop simulate'")
        }
        CrashRestore.install()
        guard ct_newterm_stdio() != nil else {
            CrashRestore.uninstall()
            throw ConvtopError(.usage, "cannot open the terminal (TERM=\(ProcessInfo.processInfo.environment["TERM"] ?? "unset")); use 'convtop simulate' for headless output")
        }
        open = true
        // ncurses learns about resizes from SIGWINCH; make sure an inherited signal mask does not hide it.
        var winch = sigset_t()
        sigemptyset(&winch)
        sigaddset(&winch, SIGWINCH)
        pthread_sigmask(SIG_UNBLOCK, &winch, nil)
        raw()
        noecho()
        keypad(ct_stdscr(), true)
        curs_set(0)
        set_escdelay(25)
        leaveok(ct_stdscr(), true)
        color = wantColor && has_colors()
        if color {
            start_color()
            use_default_colors()
            Self.initPairs(theme: theme)
        }
        if mouse {
            mousemask(ct_mouse_mask_clicks(), nil)
            mouseinterval(0)
        }
        for sig in [SIGTERM, SIGHUP, SIGINT, SIGQUIT] {
            signal(sig) { s in terminationRequested = s }
        }
    }

    /// The shared palette: 256 colours where available, the eight basic colours otherwise.
    private static func initPairs(theme: Theme) {
        let rich = ct_colors() >= 256
        for role in ColorRole.allCases {
            let fg = (rich ? Palette.xterm256(role, theme: theme) : Palette.basic(role)) ?? -1
            init_pair(Int16(role.rawValue) + 1, Int16(fg), -1)
        }
    }

    var size: (width: Int, height: Int) { (Int(ct_cols()), Int(ct_lines())) }

    /// Copies the buffer to the screen: only cells that changed since the last frame.
    func draw(_ b: CellBuffer) { diff.present(b, to: self) }

    func beginFrame(width: Int, height: Int, full: Bool) {
        if full { clear() }
        frameSize = (width, height)
    }

    func put(x: Int, y: Int, _ cell: Cell) {
        // The bottom-right cell cannot be written without scrolling on some terminals.
        if y == frameSize.height - 1 && x == frameSize.width - 1 { return }
        var attrs = ct_a_normal()
        if cell.style.bold { attrs |= ct_a_bold() }
        if cell.style.reverse { attrs |= ct_a_reverse() }
        if cell.style.dim || (cell.style.color == .dim && !color) { attrs |= ct_a_dim() }
        let pair: Int16 = color ? Int16(cell.style.color.rawValue) + 1 : 0
        _ = ct_put(Int32(y), Int32(x), wchar_t(bitPattern: cell.char.value), attrs, pair)
    }

    func endFrame() { refresh() }

    /// Forces a full redraw on the next frame (after a resize).
    func invalidate() { diff.invalidate() }

    /// What one read of the terminal gave.
    enum Input {
        /// A key or click the dashboard handles.
        case key(Key)
        /// Something that only needs a redraw: a resize, or a key or mouse event the dashboard does not use.
        case redraw
    }

    /// Waits up to `ms` for input (0: poll); nil when none came in time.
    func readKey(timeoutMs ms: Int) -> Input? {
        timeout(Int32(ms))
        var wch: wint_t = 0
        let r = wget_wch(ct_stdscr(), &wch)
        if r == ERR { return nil }
        if r == KEY_CODE_YES {
            switch Int32(wch) {
            case KEY_LEFT: return .key(.left)
            case KEY_RIGHT: return .key(.right)
            case KEY_UP: return .key(.up)
            case KEY_DOWN: return .key(.down)
            case KEY_HOME: return .key(.home)
            case KEY_END: return .key(.end)
            case KEY_PPAGE: return .key(.pageUp)
            case KEY_NPAGE: return .key(.pageDown)
            case KEY_BTAB: return .key(.backTab)
            case KEY_ENTER: return .key(.enter)
            case KEY_BACKSPACE: return .key(.char("\u{7f}"))
            case KEY_RESIZE: invalidate(); return .redraw
            case KEY_MOUSE:
                var ev = MEVENT()
                guard getmouse(&ev) == OK else { return .redraw }
                // The wheel zooms the timelines, as + and - do.
                switch ct_mouse_wheel(ev.bstate) {
                case 1: return .key(.char("+"))
                case -1: return .key(.char("-"))
                default: break
                }
                if ct_mouse_button1(ev.bstate) != 0 { return .key(.click(x: Int(ev.x), y: Int(ev.y))) }
                return .redraw
            default:
                let code = Int32(wch)
                if code > ct_key_f(0) && code <= ct_key_f(24) { return .key(.function(Int(code - ct_key_f(0)))) }
                return .redraw
            }
        }
        switch wch {
        case 3: return .key(.ctrlC)
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        default:
            guard let u = Unicode.Scalar(UInt32(wch)) else { return .redraw }
            return .key(.char(Character(u)))
        }
    }

    /// Restores the terminal; safe to call more than once.
    func close() {
        guard open else { return }
        open = false
        endwin()
        CrashRestore.uninstall()
    }

    deinit { close() }
}
