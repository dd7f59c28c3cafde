import ArgumentParser
import ConvtopCore
import Foundation

/// `convtop sweep`: models × GPUs × batches × modes × launch modes × stream counts × policies, on every core.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Simulate a grid of models, GPUs, batches, modes and policies on every core; rows stream out as CSV or JSON Lines.",
        discussion: "Each case (a model at a batch, mode, launch and stream count on a GPU) runs every policy. Rows are written as cases finish, so a killed sweep keeps what it wrote; --resume skips the cases an existing output already holds.")

    @Option(help: "Comma-separated models or files (default: every built-in model).") var models: String?
    @Option(help: "Comma-separated GPU profiles (default: every shipped GPU).") var gpus: String?
    @Option(help: "Comma-separated batch sizes.") var batches = "1,2,4,8,16,32,64,128,256"
    @Option(help: "Comma-separated modes: inference, training.") var modes = "inference,training"
    @Option(help: "Comma-separated launch modes: graph, eager.") var launch = "graph"
    @Option(help: "Comma-separated stream-pool sizes.") var streams = "8"
    @Option(help: "Comma-separated policies (default: all).") var policies: String?
    @Option(help: "csv or jsonl.") var format = "csv"
    @Option(name: [.short, .customLong("output")], help: "Output file (default: standard output).") var output = "-"
    @Flag(help: "Skip the cases the output file already holds and append the rest.") var resume = false
    @Flag(help: "Overwrite an existing output file.") var force = false
    @Option(help: "Cases simulated at once (default: one per core).") var jobs: Int?

    func list(_ s: String, _ what: String) throws -> [String] {
        let v = s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !v.isEmpty else { throw ConvtopError(.usage, "--\(what) needs at least one value") }
        return v
    }

    func plan() throws -> SweepPlan {
        let b = try list(batches, "batches").map { v -> Int in
            guard let n = Int(v), n >= 1, n <= Scenario.maxBatch else { throw ConvtopError(.usage, "--batches: '\(v)' is not a batch size from 1 to \(Scenario.maxBatch)") }
            return n
        }
        let st = try list(streams, "streams").map { v -> Int in
            guard let n = Int(v), n >= 1, n <= Scenario.maxStreams else { throw ConvtopError(.usage, "--streams: '\(v)' is not a stream count from 1 to \(Scenario.maxStreams)") }
            return n
        }
        let gpuNames = try gpus.map { try list($0, "gpus") } ?? GPUCatalog.names()
        for g in gpuNames { _ = try GPUCatalog.load(g) }
        return SweepPlan(models: try models.map { try list($0, "models") } ?? ModelZoo.names, gpus: gpuNames, batches: b,
                         modes: try parseChoiceList(modes, "mode", GraphMode.self),
                         launches: try parseChoiceList(launch, "launch", LaunchMode.self),
                         streams: st, policies: try policies.map { try parseChoiceList($0, "policy", PolicyKind.self) } ?? PolicyKind.allCases)
    }

    func run() throws {
        guard format == "csv" || format == "jsonl" else { throw ConvtopError(.usage, "--format must be csv or jsonl (got '\(format)')") }
        if let jobs, jobs < 1 || jobs > 1024 { throw ConvtopError(.usage, "--jobs must be from 1 to 1024") }
        if resume && output == "-" { throw ConvtopError(.usage, "--resume needs an output file (-o FILE)") }
        let p = try plan()
        var done: Set<String> = []
        var existed = false
        if resume, let data = try? InputFile.read(output, what: "sweep output") {
            existed = !data.isEmpty
            let text = String(decoding: data, as: UTF8.self)
            done = format == "csv" ? Sweep.finishedKeys(csv: text, policies: p.policies) : Sweep.finishedKeys(jsonLines: text, policies: p.policies)
        }
        let todo = p.cases.filter { !done.contains(SweepRow.key($0)) }
        let file = try OutputFile(path: output, overwrite: force, append: resume)
        defer { file.close() }
        if format == "csv" && !existed { try file.write(SweepRow.csvHeader + "\n") }
        let progress = output != "-" && isatty(2) == 1
        let sink = SweepSink(file: file, csv: format == "csv", total: todo.count, skipped: p.cases.count - todo.count, progress: progress)
        let workers = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        let policies = p.policies
        let finished = DispatchSemaphore(value: 0)
        let box = ErrorBox()
        Task {
            do {
                try await withThrowingTaskGroup(of: [SweepRow].self) { group in
                    var next = 0
                    func add() { let s = todo[next]; next += 1; group.addTask { Sweep.run(s, policies: policies) } }
                    while next < min(workers, todo.count) { add() }
                    while let rows = try await group.next() {
                        try await sink.write(rows)
                        if next < todo.count { add() }
                    }
                }
            } catch { box.set(error) }
            finished.signal()
        }
        finished.wait()
        if let e = box.error { throw e }
        if progress { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Writes rows in the order cases finish, with a progress bar on a terminal.
actor SweepSink {
    let file: OutputFile, csv: Bool, total: Int, skipped: Int, progress: Bool
    var done = 0
    let started = Date()
    init(file: OutputFile, csv: Bool, total: Int, skipped: Int, progress: Bool) {
        self.file = file; self.csv = csv; self.total = total; self.skipped = skipped; self.progress = progress
    }

    func write(_ rows: [SweepRow]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = try rows.map { csv ? $0.csv : String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n"
        try file.write(text)
        done += 1
        guard progress else { return }
        let width = 30, filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let skippedNote = skipped > 0 ? ", \(skipped) already done" : ""
        let line = String(format: "\r%@ %d/%d cases%@, %.0f s", bar, done, total, skippedNote, Date().timeIntervalSince(started))
        FileHandle.standardError.write(Data(line.utf8))
    }
}

/// The first error a sweep task threw, read once the tasks are done.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Error?
    var error: Error? { lock.lock(); defer { lock.unlock() }; return first }
    func set(_ e: Error) { lock.lock(); if first == nil { first = e }; lock.unlock() }
}
