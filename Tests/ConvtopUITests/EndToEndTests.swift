import Foundation
import Testing

/// The real binary in a real terminal: tmux with TERM=tmux-256color (CI installs tmux).
@Suite(.serialized) struct EndToEndTests {
    // One tmux server per test (a fresh suite instance per test): no test waits on another's server shutting down.
    let socket = "convtop-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    /// The convtop executable built beside this test bundle.
    var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("convtop").path
    }

    /// Runs a command with posix_spawn and waitpid; output goes through a file, since the tmux server daemonises and
    /// would hold a pipe (or Foundation's process monitor) open forever.
    @discardableResult
    func sh(_ args: [String]) throws -> (status: Int32, out: String) {
        let out = NSTemporaryDirectory() + "convtop-e2e-out-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: out) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Children start with no blocked signals, whatever this (multi-threaded) test process blocks.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        let rc = posix_spawnp(&pid, args[0], &actions, &attr, argv, environ)
        guard rc == 0 else { return (127, "cannot start \(args[0])") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let exited = (status & 0x7f) == 0
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), text)
    }

    func tmux(_ args: String...) throws -> String { try sh(["tmux", "-L", socket] + args).out }

    func screen(_ session: String = "e2e") throws -> String { try tmux("capture-pane", "-t", session, "-p") }

    /// Polls the screen until `predicate` holds (at most `seconds`).
    func waitFor(_ what: String, session: String = "e2e", seconds: Double = 20, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = try screen(session)
            if predicate(last) { return last }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("timed out waiting for \(what); screen was:\n\(last)")
        return last
    }

    @Test func launchSwitchPolicyResizeAndQuit() throws {
        #expect(FileManager.default.isExecutableFile(atPath: binary), "build the convtop binary first")
        #expect(try sh(["tmux", "-V"]).status == 0, "tmux must be installed (.ci/run installs it)")
        let exitFile = NSTemporaryDirectory() + "convtop-e2e-exit-\(getpid())"
        try? FileManager.default.removeItem(atPath: exitFile)
        defer { _ = try? tmux("kill-server"); try? FileManager.default.removeItem(atPath: exitFile) }
        _ = try tmux("new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40",
                     "CONVTOP_CONFIG= TERM=tmux-256color '\(binary)' googlenet --seed 1; echo $? > '\(exitFile)'; sleep 30")
        let first = try waitFor("the dashboard") { $0.contains("SMs at cursor") && $0.contains("q quit") }
        for panel in ["convtop", "googlenet", "streams", "stream 0", "host", "SMs at cursor", "branches", "iteration", "speedup"] {
            #expect(first.contains(panel), "missing \(panel)")
        }
        #expect(first.contains("· branch ·"))
        _ = try tmux("send-keys", "-t", "e2e", "4")
        let nimble = try waitFor("the policy change") { $0.contains("· nimble ·") && $0.contains("policy → nimble") }
        #expect(nimble.split(separator: "\n").first!.contains("nimble"))
        // Enter opens the kernel inspector; Esc closes it and the dashboard keeps running.
        _ = try tmux("send-keys", "-t", "e2e", "Enter")
        let inspector = try waitFor("the kernel inspector") { $0.contains("─ kernel ─") && $0.contains("per SM") }
        #expect(inspector.contains("registers a thread") && inspector.contains("waited"))
        _ = try tmux("send-keys", "-t", "e2e", "Escape")
        _ = try waitFor("the inspector to close") { !$0.contains("─ kernel ─") && $0.contains("SMs at cursor") }
        // Search: / types into the footer, Enter jumps to a match.
        _ = try tmux("send-keys", "-t", "e2e", "/")
        _ = try tmux("send-keys", "-t", "e2e", "-l", "inception4b")
        _ = try waitFor("the search being typed") { $0.contains("/inception4b_") }
        _ = try tmux("send-keys", "-t", "e2e", "Enter")
        _ = try waitFor("the search result") { $0.contains("'inception4b' 1 of ") }
        _ = try tmux("send-keys", "-t", "e2e", "Escape")
        // A/B against the previous policy (branch), then the stream filter.
        _ = try tmux("send-keys", "-t", "e2e", "v")
        _ = try waitFor("the A/B view") { $0.contains("─ A nimble ") && $0.contains("─ B branch ") }
        _ = try tmux("send-keys", "-t", "e2e", "v")
        _ = try waitFor("the A/B view to close") { $0.contains("┌─ streams") }
        _ = try tmux("send-keys", "-t", "e2e", "f")
        _ = try waitFor("the stream filter") { $0.contains("showing stream 0") }
        _ = try tmux("resize-window", "-t", "e2e", "-x", "90", "-y", "30")
        let small = try waitFor("the resized layout") { s in
            let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.contains { $0.hasPrefix("┌─ streams") && $0.count == 90 }
        }
        #expect(small.contains("SMs at cursor"))
        _ = try tmux("resize-window", "-t", "e2e", "-x", "60", "-y", "15")
        _ = try waitFor("the too-small message") { $0.contains("Terminal too small: 60×15") }
        _ = try tmux("resize-window", "-t", "e2e", "-x", "100", "-y", "30")
        _ = try waitFor("the dashboard again") { $0.contains("SMs at cursor") }
        _ = try tmux("send-keys", "-t", "e2e", "q")
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: exitFile) && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        Thread.sleep(forTimeInterval: 0.2)
        let code = (try? String(contentsOfFile: exitFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(code == "0")
        // The terminal is back: alternate screen off, no dashboard left on it.
        #expect(try tmux("display-message", "-p", "-t", "e2e", "#{alternate_on}").trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        #expect(!(try screen()).contains("SMs at cursor"))
    }

    /// `convtop watch DIR`: the newest trace opens the dashboard; a trace written later becomes the next iteration.
    @Test func watchFollowsNewTraces() throws {
        let dir = NSTemporaryDirectory() + "convtop-e2e-watch-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { _ = try? tmux("kill-server"); try? FileManager.default.removeItem(atPath: dir) }
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ConvtopCoreTests/Fixtures/pytorch_profiler_googlenet_b1_h200.json.gz").path
        try FileManager.default.copyItem(atPath: fixture, toPath: dir + "/w.1.pt.trace.json.gz")
        _ = try tmux("new-session", "-d", "-s", "watch", "-x", "120", "-y", "40",
                     "CONVTOP_CONFIG= TERM=tmux-256color '\(binary)' watch '\(dir)' --policy heft; sleep 30")
        _ = try waitFor("the dashboard on the first trace", session: "watch") { $0.contains("SMs at cursor") && $0.contains("w.1.pt.trace") }
        try FileManager.default.copyItem(atPath: fixture, toPath: dir + "/w.2.pt.trace.json.gz")
        let s = try waitFor("the second trace", session: "watch") { $0.contains("new trace w.2.pt.trace.json.gz") }
        #expect(s.contains("heft"))
    }

    /// A config file sets the dashboard's defaults; a flag on the command line wins over it.
    @Test func configFileSetsDefaultsAndFlagsWin() throws {
        let dir = NSTemporaryDirectory() + "convtop-e2e-config-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { _ = try? tmux("kill-server"); try? FileManager.default.removeItem(atPath: dir) }
        try "model = \"googlenet\"\npolicy = \"heft\"\nbatch = 4\ntheme = \"light\"\n".write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
        _ = try tmux("new-session", "-d", "-s", "cfg", "-x", "120", "-y", "40",
                     "XDG_CONFIG_HOME='\(dir)' CONVTOP_CONFIG='\(dir)/config.toml' TERM=tmux-256color '\(binary)' --batch 2; sleep 30")
        let s = try waitFor("the configured dashboard", session: "cfg") { $0.contains("SMs at cursor") }
        let header = String(s.split(separator: "\n").first ?? "")
        #expect(header.contains("googlenet") && header.contains("heft") && header.contains("batch 2"), "\(header)")
    }

    @Test func badInputFailsBeforeTheTerminalIsTouched() throws {
        for (args, fragment) in [(["resnet51"], "unknown model 'resnet51'"), (["--gpu", "h300"], "unknown GPU 'h300'"),
                                 (["--policy", "greedy"], "'greedy' is invalid for '--policy <policy>'. Please provide one of the following: serial, round-robin,"), (["--batch", "0"], "batch size must be at least 1"),
                                 (["--streams", "0"], "streams must be at least 1"), (["/nope/net.json"], "no such file")] {
            let r = try sh([binary] + args)
            #expect(r.status == 2, "\(args)")
            #expect(r.out.contains(fragment), "\(args): \(r.out)")
            #expect(r.out.split(separator: "\n").count == 1, "\(args): one line, got \(r.out)")
            #expect(!r.out.contains("\u{1B}["), "no terminal control codes")
        }
    }

    /// `convtop calibrate` on a machine without PyTorch and CUDA: a one-line refusal; `--manifest-only` writes the
    /// manifest and graph files into a new folder and refuses a folder that is not empty.
    @Test func calibrateRefusesWhatItCannotDo() throws {
        let missing = try sh([binary, "calibrate", "--python", "/nonexistent/python3", "-o", NSTemporaryDirectory() + "never"])
        #expect(missing.status == 2 && missing.out.split(separator: "\n").count == 1)
        #expect(missing.out.contains("convtop calibrate needs Python 3 with PyTorch and CUDA"), "\(missing.out)")
        #expect(!FileManager.default.fileExists(atPath: NSTemporaryDirectory() + "never"))
        let dir = NSTemporaryDirectory() + "convtop-e2e-cal-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try sh([binary, "calibrate", "--manifest-only", "--models", "resnet18", "--batches", "1", "--no-sweep", "-o", dir])
        #expect(made.status == 0, "\(made.out)")
        let manifest = try String(contentsOfFile: dir + "/manifest.jsonl", encoding: .utf8)
        #expect(manifest.split(separator: "\n").count > 20 && manifest.contains("\"key\":\"conv.forward|x=1,3,224,224|"))
        #expect(FileManager.default.fileExists(atPath: dir + "/graphs/resnet18.json"))
        let again = try sh([binary, "calibrate", "--manifest-only", "--models", "resnet18", "-o", dir])
        #expect(again.status == 2 && again.out.contains("is not empty; name a new folder with -o"), "\(again.out)")
    }

    /// Records a session in a real terminal with key presses, then replays it headless and summarises it.
    @Test func recordInATerminalThenReplay() throws {
        let dir = NSTemporaryDirectory() + "convtop-e2e-rec-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { _ = try? tmux("kill-server"); try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "/session.jsonl", exitFile = dir + "/exit"
        _ = try tmux("new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40",
                     "CONVTOP_CONFIG= TERM=tmux-256color '\(binary)' googlenet --record '\(log)' --cast '\(dir)/screen.cast'; echo $? > '\(exitFile)'; sleep 30")
        _ = try waitFor("the dashboard") { $0.contains("● REC") }
        for k in ["1", "5", "B"] {
            _ = try tmux("send-keys", "-t", "e2e", k)
            Thread.sleep(forTimeInterval: 0.4)
        }
        _ = try waitFor("batch 2") { $0.contains("batch 2") || $0.contains(" b2 ") }
        _ = try tmux("send-keys", "-t", "e2e", "q")
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: exitFile) && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        Thread.sleep(forTimeInterval: 0.2)
        #expect((try? String(contentsOfFile: exitFile, encoding: .utf8))?.hasPrefix("0") == true)
        let replay = try sh([binary, "replay", log, "--headless"])
        #expect(replay.status == 0, "\(replay.out)")
        #expect(replay.out.contains("all metrics match exactly"))
        #expect(replay.out.contains("3 actions"))
        let summary = try sh([binary, "summary", log])
        #expect(summary.status == 0)
        for p in ["serial", "critical-path", "best:"] { #expect(summary.out.contains(p)) }
        #expect(FileManager.default.fileExists(atPath: dir + "/screen.cast"))
        // Interactive replay: the recorded keys drive the dashboard again (policy 1, then 5, then batch 2).
        // A second session on the same server (restarting the server right away can race with its shutdown).
        _ = try tmux("new-session", "-d", "-s", "replay", "-x", "120", "-y", "40",
                     "CONVTOP_CONFIG= TERM=tmux-256color '\(binary)' replay '\(log)' --speed 4; sleep 30")
        let replayed = try waitFor("the replayed policy switch", session: "replay") {
            $0.contains("critical-path") && ($0.contains("batch 2") || $0.contains(" b2 "))
        }
        #expect(replayed.contains("googlenet"))
        _ = try tmux("send-keys", "-t", "replay", "q")
        // Nothing recorded is overwritten without --force, and the error comes before the terminal opens.
        let again = try sh([binary, "googlenet", "--record", log])
        #expect(again.status == 2 && again.out.contains("already exists") && again.out.contains("--force"))
        let nowhere = try sh([binary, "googlenet", "--record", "/no/such/dir/s.jsonl"])
        #expect(nowhere.status == 2 && nowhere.out.contains("cannot be written"))
    }

    /// Starts the dashboard in tmux, sends `signal` to exactly its process (the pane's shell's child), and returns
    /// its exit status as the shell saw it and whether the pane was still on the alternate screen before and after.
    func signalDashboard(_ signal: String, model: String, environment: String = "") throws -> (code: String?, before: String, after: String) {
        let exitFile = NSTemporaryDirectory() + "convtop-e2e-sig-\(getpid())-\(signal)"
        try? FileManager.default.removeItem(atPath: exitFile)
        defer { _ = try? tmux("kill-server"); try? FileManager.default.removeItem(atPath: exitFile) }
        _ = try tmux("new-session", "-d", "-s", "e2e", "-x", "100", "-y", "30",
                     "TERM=tmux-256color \(environment) '\(binary)' \(model) --seed 99; echo $? > '\(exitFile)'; sleep 30")
        _ = try waitFor("the dashboard") { $0.contains("SMs at cursor") }
        let before = try tmux("display-message", "-p", "-t", "e2e", "#{alternate_on}").trimmingCharacters(in: .whitespacesAndNewlines)
        let shell = try tmux("display-message", "-p", "-t", "e2e", "#{pane_pid}").trimmingCharacters(in: .whitespacesAndNewlines)
        let child = try sh(["pgrep", "-P", shell, "-x", "convtop"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!child.isEmpty)
        #expect(try sh(["kill", "-\(signal)", child]).status == 0)
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: exitFile) && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        Thread.sleep(forTimeInterval: 0.2)
        let code = (try? String(contentsOfFile: exitFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        let after = try tmux("display-message", "-p", "-t", "e2e", "#{alternate_on}").trimmingCharacters(in: .whitespacesAndNewlines)
        return (code, before, after)
    }

    /// SIGTERM from outside: the terminal is restored and the exit code says which signal stopped it.
    @Test func sigtermRestoresTheTerminal() throws {
        let r = try signalDashboard("TERM", model: "squeezenet1_0")
        #expect(r.code == "143")
        #expect(r.before == "1" && r.after == "0")
    }

    /// A crash inside the dashboard (here a SIGSEGV; a Swift trap arrives as SIGILL) still restores the terminal:
    /// alternate screen off, and the process dies of the signal (no exit 0).
    @Test func aCrashRestoresTheTerminal() throws {
        let r = try signalDashboard("SEGV", model: "squeezenet1_0", environment: "SWIFT_BACKTRACE=enable=no")
        #expect(r.code != nil && r.code != "0", "exit code \(r.code ?? "none")")
        #expect(r.before == "1" && r.after == "0")
    }
}
