import Foundation
import Testing
@testable import ConvtopCore
@testable import ConvtopUI

struct SessionTests {
    func tmp(_ name: String) -> String { NSTemporaryDirectory() + "convtop-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-" + name }

    /// Drives a dashboard without a terminal, recording as the real loop does.
    func record(model: String, mode: GraphMode = .inference, keys: [Key], traces: Bool = false) throws -> String {
        var s = Scenario()
        s.model = model; s.mode = mode; s.gpu = "h100"; s.seed = 3
        let m = try DashboardModel(scenario: s, gpuNames: ["a100", "h100"])
        let path = tmp("session.jsonl")
        let rec = try SessionRecorder(path: path, version: "test", scenario: s, traces: traces, size: (120, 40), model: m)
        m.onIteration = { r, w, st in rec.iteration(r, w, st) }
        for k in keys {
            let before = m.state
            _ = m.handle(k)
            rec.action(k, before: before, after: m.state)
            m.tick(seconds: 1.5)
        }
        return path
    }

    @Test(arguments: [("googlenet", GraphMode.inference, [Key.char("1"), .char("4"), .char("B"), .char("6")]),
                      ("resnet18", .training, [.char("5"), .char("g"), .char("2")]),
                      ("squeezenet1_0", .inference, [.char("4"), .char("l"), .char(">"), .char("m")])])
    func recordThenHeadlessReplayMatchesExactly(_ c: (String, GraphMode, [Key])) throws {
        let path = try record(model: c.0, mode: c.1, keys: c.2, traces: c.0 == "googlenet")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let f = try SessionFile.read(path: path)
        #expect(f.warning == nil)
        #expect(f.header.model == c.0 && f.header.version == 1)
        #expect(f.actions.count == c.2.count)
        #expect(f.iterations.count >= c.2.count + 1)
        #expect(Set(f.iterations.map(\.config.policy)).count >= 2)
        #expect(try f.verify().isEmpty)
        #expect(f.actions.allSatisfy { !$0.changed.isEmpty })
    }

    @Test func aTamperedMetricIsAMismatch() throws {
        let path = try record(model: "googlenet", keys: [.char("1")])
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let i = lines.lastIndex { $0.contains("\"iteration\":") && $0.contains("\"metrics\"") }!
        lines[i] = lines[i].replacingOccurrences(of: "\"iteration_ms\":", with: "\"iteration_ms\":1")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let problems = try SessionFile.read(path: path).verify()
        #expect(problems.count == 1)
        #expect(problems[0].contains("iteration_ms recorded 1"), "the metric that differs is named: \(problems[0])")
        // The same file with CRLF line ends reads the same.
        let crlf = tmp("crlf.jsonl")
        try (lines.joined(separator: "\r\n") + "\r\n").write(toFile: crlf, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: crlf) }
        let again = try SessionFile.read(path: crlf)
        #expect(again.warning == nil)
        #expect(try again.verify().count == 1)
    }

    /// An iteration number below zero (round 1 trapped on it) or a batch out of range is corruption: the file replays
    /// up to the line before, with a warning naming it.
    @Test func outOfRangeNumbersInASessionAreCorruption() throws {
        let path = try record(model: "googlenet", keys: [.char("1")])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let i = lines.lastIndex { $0.contains("\"type\":\"iteration\"") }!
        for (old, new) in [("\"iteration\":", "\"iteration\":-1"), ("\"batch\":", "\"batch\":-5")] {
            var bad = lines
            guard let r = bad[i].range(of: old) else { Issue.record("no \(old) in the iteration line"); continue }
            bad[i].replaceSubrange(r, with: new)
            // Keep the JSON valid: "-1" followed by the original digits would be a different number, so drop them.
            bad[i] = bad[i].replacingOccurrences(of: new + "0", with: new).replacingOccurrences(of: new + "1,", with: new + ",")
            let file = tmp("range.jsonl")
            try (bad.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let f = try SessionFile.read(path: file)
            #expect(f.warning?.contains("line \(i + 1)") == true, "\(new): \(f.warning ?? "no warning")")
            #expect(try f.verify().isEmpty)
        }
    }

    @Test func truncatedAndCorruptFilesReplayUpToTheLastCompleteLine() throws {
        let path = try record(model: "googlenet", keys: [.char("1"), .char("2"), .char("4")])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        // Cut in the middle of the last line (a crash while writing).
        let cut = tmp("cut.jsonl")
        try (lines.dropLast().joined(separator: "\n") + "\n" + lines.last!.prefix(40)).write(toFile: cut, atomically: true, encoding: .utf8)
        let f = try SessionFile.read(path: cut)
        #expect(f.warning?.contains("line \(lines.count)") == true)
        #expect(f.actions.count + f.iterations.count == lines.count - 2)
        #expect(try f.verify().isEmpty)
        // Garbage in the middle: everything before it is kept.
        let bad = tmp("bad.jsonl")
        var mid = lines
        mid[2] = "{\"type\":\"iteration\",\"t\":oops"
        try mid.joined(separator: "\n").write(toFile: bad, atomically: true, encoding: .utf8)
        let g = try SessionFile.read(path: bad)
        #expect(g.warning?.contains("line 3") == true)
        #expect(g.actions.count + g.iterations.count == 1)
        for p in [cut, bad] { try? FileManager.default.removeItem(atPath: p) }
    }

    @Test func newerFormatsAndNonSessionsAreRefused() throws {
        let newer = tmp("newer.jsonl")
        try #"{"type":"header","format":"convtop-session","version":9}"#.write(toFile: newer, atomically: true, encoding: .utf8)
        #expect { _ = try SessionFile.read(path: newer) } throws: { "\($0)".contains("newer convtop") && "\($0)".contains("version 9") }
        let other = tmp("other.jsonl")
        try "hello\n".write(toFile: other, atomically: true, encoding: .utf8)
        #expect { _ = try SessionFile.read(path: other) } throws: { "\($0)".contains("not a convtop session") }
        #expect { _ = try SessionFile.read(path: "/no/such.jsonl") } throws: { "\($0)".contains("no such file") }
        for p in [newer, other] { try? FileManager.default.removeItem(atPath: p) }
    }

    @Test func keyNamesRoundTrip() {
        for k in [Key.char("3"), .char("B"), .char(" "), .left, .right, .tab, .escape, .ctrlC, .function(1), .click(x: 4, y: 1)] {
            #expect(SessionRecorder.key(SessionRecorder.name(k)) == k)
        }
    }

    @Test func castFileIsAsciicastV2() throws {
        let m = try fixedModel()
        let path = tmp("screen.cast")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let c = try CastWriter(path: path, width: 100, height: 30)
            c.frame(m.render(width: 100, height: 30))
            _ = m.handle(.right)
            c.frame(m.render(width: 100, height: 30))
            c.frame(m.render(width: 90, height: 30))
        }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let header = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        #expect(header["version"] as? Int == 2 && header["width"] as? Int == 100 && header["height"] as? Int == 30)
        let events = try lines.dropFirst().map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [Any] }
        #expect(events.count == 4) // frame, changed cells, resize, redraw
        #expect(events.allSatisfy { ($0[1] as? String) == "o" || ($0[1] as? String) == "r" })
        #expect(events.contains { ($0[1] as? String) == "r" && ($0[2] as? String) == "90x30" })
        #expect((events[0][2] as! String).contains("convtop"))
        #expect((events[1][2] as! String).count < (events[0][2] as! String).count / 4) // only changed cells
    }
}

/// The Chrome Trace export, checked for structure.
struct ChromeTraceTests {
    /// Each kernel says where its time comes from: the zoo's ResNet-50 on the H200 runs the catalog's measured
    /// kernels; without a catalog (the V100 profile) every time is the model's.
    @Test func traceSaysWhereEachKernelTimeComesFrom() throws {
        func origins(_ gpu: String) throws -> [String: Int] {
            var s = Scenario(); s.model = "resnet50"; s.gpu = gpu; s.policy = .serial
            let w = try Workload(s)
            let text = ChromeTrace.render(workload: w, result: try w.run(.serial))
            let events = (try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any])["traceEvents"] as! [[String: Any]]
            var n: [String: Int] = [:]
            for e in events where (e["cat"] as? String) == "kernel" { n[(e["args"] as! [String: Any])["timing"] as? String ?? "missing", default: 0] += 1 }
            return n
        }
        let h200 = try origins("h200"), v100 = try origins("v100")
        #expect(h200["catalog", default: 0] > 100 && h200["missing"] == nil)
        #expect(v100 == ["model": v100.values.reduce(0, +)])
    }

    @Test(arguments: [("googlenet", PolicyKind.branch), ("resnet18", PolicyKind.criticalPath)])
    func exportedTraceHasNamedTracksOrderedNonOverlappingEventsAndCounters(_ c: (String, PolicyKind)) throws {
        var s = Scenario(); s.model = c.0; s.gpu = "h100"; s.policy = c.1
        let w = try Workload(s)
        let r = try w.run(c.1)
        let text = ChromeTrace.render(workload: w, result: r)
        let obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let events = obj["traceEvents"] as! [[String: Any]]
        let names = events.filter { ($0["name"] as? String) == "thread_name" }
        let trackName = Dictionary(uniqueKeysWithValues: names.map { ($0["tid"] as! Int, ($0["args"] as! [String: Any])["name"] as! String) })
        #expect(trackName[0] == "host launches")
        let streams = Set(r.trace.kernels.map(\.stream))
        for st in streams { #expect(trackName[st + 10] == "stream \(st)") }
        let kernels = events.filter { ($0["ph"] as? String) == "X" && ($0["cat"] as? String) == "kernel" }
        #expect(kernels.count == r.trace.kernels.count)
        var byTrack: [Int: [(Double, Double)]] = [:]
        for e in kernels {
            let args = e["args"] as! [String: Any]
            for key in ["op", "grid", "block", "blocks_per_sm", "flops", "bytes"] { #expect(args[key] != nil, "missing \(key)") }
            byTrack[e["tid"] as! Int, default: []].append((e["ts"] as! Double, e["dur"] as! Double))
        }
        for (_, evs) in byTrack {
            for (a, b) in zip(evs, evs.dropFirst()) {
                #expect(a.0 <= b.0)                       // ordered
                #expect(a.0 + a.1 <= b.0 + 0.002)         // never overlapping on a stream track
            }
        }
        let counters = Set(events.filter { ($0["ph"] as? String) == "C" }.map { $0["name"] as! String })
        #expect(counters == ["SM utilisation", "concurrent kernels"])
        let starts = events.filter { ($0["ph"] as? String) == "s" }.count, finishes = events.filter { ($0["ph"] as? String) == "f" }.count
        #expect(starts == finishes && (c.1 == .serial || starts > 0))
    }
}
