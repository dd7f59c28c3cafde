import Foundation

/// A session log read back: its header, actions and iterations, and any problem found on the way.
public struct SessionFile: Sendable {
    public var header: SessionLog.Header
    public var actions: [SessionLog.Action]
    public var iterations: [SessionLog.Iteration]
    /// Set when the file stops at a truncated or corrupt line: everything before it was read.
    public var warning: String?

    /// Reads a session log. A newer format version or a missing header is an error; a bad line later on ends the
    /// reading there with a warning that names the line.
    public static func read(path: String) throws -> SessionFile {
        let data = try InputFile.read(path, what: "session file")
        let file = (path as NSString).lastPathComponent
        let text = String(decoding: data, as: UTF8.self)
        // Lines may end in CRLF (a file that passed through Windows tools; "\r\n" is one Character in Swift).
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        let complete = text.hasSuffix("\n") || text.hasSuffix("\r\n")
        if lines.last == "" { lines.removeLast() }
        let dec = JSONDecoder()
        guard let first = lines.first, let obj = try? JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any] else {
            throw ConvtopError(.model, "\(file): not a convtop session (line 1 is not a JSON header)")
        }
        guard (obj["format"] as? String) == SessionLog.format else {
            throw ConvtopError(.model, "\(file): not a convtop session (format is not \"\(SessionLog.format)\")")
        }
        if let v = obj["version"] as? Int, v > SessionLog.version {
            throw ConvtopError(.model, "\(file) was written by a newer convtop (session format version \(v)); this convtop reads version \(SessionLog.version): upgrade convtop")
        }
        let header: SessionLog.Header
        do { header = try dec.decode(SessionLog.Header.self, from: Data(first.utf8)) } catch {
            throw ConvtopError(.model, "\(file): the header line is incomplete or corrupt")
        }
        var out = SessionFile(header: header, actions: [], iterations: [], warning: nil)
        for (i, line) in lines.enumerated().dropFirst() {
            let isLast = i == lines.count - 1
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let type = o["type"] as? String,
                  !(isLast && !complete) || (try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil else {
                out.warning = "\(file): line \(i + 1) is incomplete or corrupt; using the \(i) lines before it"
                break
            }
            do {
                switch type {
                case "action": out.actions.append(try dec.decode(SessionLog.Action.self, from: Data(line.utf8)))
                case "iteration":
                    let it = try dec.decode(SessionLog.Iteration.self, from: Data(line.utf8))
                    // Numbers from the file are checked like the CLI's: an iteration number below 0 (or absurdly
                    // large) or a configuration out of range is corruption, not something to simulate.
                    guard it.iteration >= 0 && it.iteration <= 1_000_000_000 else { throw ConvtopError(.model, "iteration out of range") }
                    try it.config.validate()
                    out.iterations.append(it)
                default: break
                }
            } catch {
                out.warning = "\(file): line \(i + 1) is incomplete or corrupt; using the \(i) lines before it"
                break
            }
        }
        return out
    }

    /// Names every metric that differs, with both values in full precision (two equal-looking rounded numbers
    /// would not say what changed).
    static func differences(recorded a: IterationMetrics, now b: IterationMetrics) -> String {
        var d: [String] = []
        func cmp(_ name: String, _ x: Double, _ y: Double) { if x != y { d.append("\(name) recorded \(x), re-simulated \(y)") } }
        func cmp(_ name: String, _ x: Int, _ y: Int) { if x != y { d.append("\(name) recorded \(x), re-simulated \(y)") } }
        cmp("iteration_ms", a.iterationMs, b.iterationMs); cmp("serial_ms", a.serialMs, b.serialMs)
        cmp("speedup_vs_serial", a.speedupVsSerial, b.speedupVsSerial); cmp("critical_path_ms", a.criticalPathMs, b.criticalPathMs)
        cmp("sm_utilization", a.smUtilization, b.smUtilization); cmp("achieved_concurrency", a.achievedConcurrency, b.achievedConcurrency)
        cmp("peak_concurrent_kernels", a.peakConcurrentKernels, b.peakConcurrentKernels); cmp("host_bound_ms", a.hostBoundMs, b.hostBoundMs)
        cmp("kernels", a.kernels, b.kernels); cmp("blocks", a.blocks, b.blocks); cmp("streams_used", a.streamsUsed, b.streamsUsed)
        if a.perSMUtilization != b.perSMUtilization { d.append("per_sm_utilization differs") }
        return d.isEmpty ? "metrics differ" : d.joined(separator: "; ")
    }

    /// Re-simulates every recorded iteration; returns one line per mismatch (empty when all match exactly).
    public func verify(progress: ((Int, Int) -> Void)? = nil) throws -> [String] {
        var cache: [Scenario: Workload] = [:]
        var problems: [String] = []
        for (i, it) in iterations.enumerated() {
            var key = it.config
            key.policy = .serial
            let w: Workload
            if let c = cache[key] { w = c } else { w = try Workload(it.config); cache[key] = w }
            let r = try w.run(it.config.policy, iteration: it.iteration, recordBlocks: false)
            if r.metrics != it.metrics {
                problems.append("iteration \(it.iteration) (\(it.config.model), \(it.config.policy.rawValue), batch \(it.config.batch)): "
                                + Self.differences(recorded: it.metrics, now: r.metrics))
            }
            if let rows = it.kernels {
                let now = r.trace.kernels.map { SessionLog.KernelRow(kernel: $0.kernel, stream: $0.stream, sms: $0.smsUsed, start: $0.start, end: $0.end, blocks: $0.blocks) }
                if rows != now { problems.append("iteration \(it.iteration): the recorded kernel trace differs from the re-simulated one") }
            }
            progress?(i + 1, iterations.count)
        }
        return problems
    }
}
