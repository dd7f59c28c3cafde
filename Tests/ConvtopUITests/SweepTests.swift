import Foundation
import Testing
import ConvtopCore

/// `convtop sweep` through the real binary: the CSV/JSON Lines schema, the same rows whatever the number of jobs,
/// resuming an interrupted sweep, and a case that cannot run becoming rows with an error instead of a failure.
struct SweepTests {
    let e2e = EndToEndTests()
    let dir = NSTemporaryDirectory() + "convtop-sweep-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let grid = ["sweep", "--models", "googlenet,squeezenet1_0", "--gpus", "h100", "--batches", "1,4", "--modes", "inference"]

    func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func sameRowsWhateverTheJobsAndAResumeFinishesTheRest() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let one = dir + "/one.csv", four = dir + "/four.csv", resumed = dir + "/resumed.csv"
        #expect(try e2e.sh([e2e.binary] + grid + ["--jobs", "1", "-o", one]).status == 0)
        #expect(try e2e.sh([e2e.binary] + grid + ["--jobs", "4", "-o", four]).status == 0)
        let a = try lines(one), b = try lines(four)
        #expect(a.first == "model,gpu,batch,mode,launch,streams,policy,iteration_ms,serial_ms,speedup,sm_utilization,critical_path_ms,kernels,error")
        let policies = PolicyKind.allCases.count
        #expect(a.count == 1 + 4 * policies)                // 2 models × 2 batches, every policy on each
        #expect(a.first == b.first && a.dropFirst().sorted() == b.dropFirst().sorted())
        // Serial rows have speedup 1; every row of a case shares its serial time.
        for row in a.dropFirst() where row.contains(",serial,") { #expect(row.split(separator: ",")[9] == "1") }
        // An interrupted sweep: the header, one whole case and a line cut short. --resume appends the other three.
        let firstCase = a[1...policies]
        try (([a[0]] + firstCase + ["squeezenet1_0,h100,1,inference,gra"]).joined(separator: "\n") + "\n")
            .write(toFile: resumed, atomically: true, encoding: .utf8)
        #expect(try e2e.sh([e2e.binary] + grid + ["--resume", "-o", resumed]).status == 0)
        let c = try lines(resumed).filter { $0.split(separator: ",", omittingEmptySubsequences: false).count >= 13 }
        #expect(c.dropFirst().sorted() == a.dropFirst().sorted())
        // `convtop plot --from` reads the sweep instead of simulating, and agrees with a fresh simulation.
        let fromSweep = try e2e.sh([e2e.binary, "plot", "googlenet", "--from", one, "--batches", "1,4", "--policies", "branch", "--gpu", "h100", "--width", "60"])
        let simulated = try e2e.sh([e2e.binary, "plot", "googlenet", "--batches", "1,4", "--policies", "branch", "--gpu", "h100", "--width", "60"])
        #expect(fromSweep.status == 0 && fromSweep.out.contains("━━ branch"))
        #expect(fromSweep.out == simulated.out)
        let svg = dir + "/chart.svg"
        #expect(try e2e.sh([e2e.binary, "plot", "googlenet", "--from", one, "--batches", "1,4", "--svg", svg]).status == 0)
        #expect(try String(contentsOfFile: svg, encoding: .utf8).hasPrefix("<svg "))
        // Without --resume or --force an existing file is refused, in one line.
        let refused = try e2e.sh([e2e.binary] + grid + ["-o", one])
        #expect(refused.status == 2 && refused.out.contains("already exists"))
    }

    @Test func jsonLinesAndCasesThatCannotRun() throws {
        let r = try e2e.sh([e2e.binary, "sweep", "--models", "googlenet,no_such_model", "--gpus", "t4", "--batches", "2",
                            "--modes", "training", "--policies", "serial,branch", "--format", "jsonl"])
        #expect(r.status == 0)
        let rows = r.out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(rows.count == 4)
        let good = rows.filter { $0["model"] as? String == "googlenet" }
        #expect(good.count == 2 && good.allSatisfy { ($0["iteration_ms"] as? Double ?? 0) > 0 && $0["error"] == nil })
        #expect(Set(good.compactMap { $0["policy"] as? String }) == ["serial", "branch"])
        let bad = rows.filter { $0["model"] as? String == "no_such_model" }
        #expect(bad.count == 2 && bad.allSatisfy { ($0["error"] as? String)?.contains("no_such_model") == true })
    }

    /// `convtop auto`: every policy at each pool size; the best is the fastest trial, and its schedule file replays
    /// to the same time.
    @Test func autoKeepsTheFastestScheduleAndItReplays() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/best.json"
        let r = try e2e.sh([e2e.binary, "auto", "googlenet", "--pools", "2,4", "--json", "--schedule-out", file])
        #expect(r.status == 0)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let trials = try #require(o["trials"] as? [[String: Any]])
        let best = try #require(o["best"] as? [String: Any])
        #expect(trials.count == 1 + 2 * (PolicyKind.allCases.count - 1))
        let fastest = trials.compactMap { $0["iteration_ms"] as? Double }.min()!
        #expect(best["iteration_ms"] as? Double == fastest)
        let replay = try e2e.sh([e2e.binary, "simulate", "googlenet", "--schedule", file, "--streams", "\(best["streams"] as! Int)", "--iterations", "1", "--json"])
        let sim = try #require(try JSONSerialization.jsonObject(with: Data(replay.out.utf8)) as? [String: Any])
        #expect(abs((sim["iteration_ms"] as? Double ?? 0) - fastest) < 1e-9)
    }
}
