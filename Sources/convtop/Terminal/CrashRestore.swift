import Foundation

/// Restores the terminal when convtop dies of a fatal signal (a Swift runtime trap is SIGILL or SIGTRAP; also
/// SIGSEGV, SIGBUS, SIGFPE, SIGABRT) while the dashboard holds it: the handler leaves the alternate screen, turns
/// mouse reporting off, shows the cursor and puts back the terminal modes saved before curses started — using only
/// async-signal-safe calls — then hands the signal to whoever handled it before (Swift's backtracer, or the default).
enum CrashRestore {
    static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT]

    /// Saves the terminal modes and installs the handlers; call before curses changes anything.
    static func install() {
        guard tcgetattr(STDIN_FILENO, &savedModes) == 0 else { return }
        haveModes = true
        for (i, sig) in signals.enumerated() {
            var action = SignalAction()
            action.__sigaction_handler.sa_handler = { sig in
                _ = resetSequence.withUnsafeBufferPointer { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
                if haveModes { tcsetattr(STDIN_FILENO, TCSANOW, &savedModes) }
                // Give the signal back to the previous handler and raise it again: it is delivered when this
                // handler returns (a real fault would also recur on the faulting instruction).
                if let i = CrashRestore.signals.firstIndex(of: sig) { sigaction(sig, &previous[i], nil) }
                raise(sig)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, &previous[i])
        }
    }

    /// Puts the previous handlers back once the terminal is restored normally.
    static func uninstall() {
        for (i, sig) in signals.enumerated() { sigaction(sig, &previous[i], nil) }
    }
}

/// Mouse reporting off, attributes reset, cursor shown, alternate screen left, a newline.
private let resetSequence: [UInt8] = Array("\u{1B}[?1000l\u{1B}[?1002l\u{1B}[?1003l\u{1B}[?1006l\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l\r\n".utf8)
nonisolated(unsafe) private var savedModes = termios()
nonisolated(unsafe) private var haveModes = false
/// The signal-action struct (the name is also the function's).
private typealias SignalAction = sigaction
nonisolated(unsafe) private var previous = Array(repeating: SignalAction(), count: 6)
