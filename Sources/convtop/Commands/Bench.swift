import ArgumentParser
import ConvtopCore
import Foundation

/// `convtop bench`: simulator speed on fixed cases (the thread's CPU time around the simulator, never inside it: on a
/// shared machine wall-clock time also counts the time other processes held the core).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure simulator speed on fixed cases.")
    @Option(help: "Timed repetitions per case (the least and the median CPU time are reported).") var repeats = 5
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Also run the linearity sweep on synthetic graphs.") var sweep = false

    struct Case: Encodable {
        var name: String, kernels: Int, threadBlocks: Int, events: Int
        /// CPU time per simulated iteration: the median and the least of the repeats.
        var msPerIteration: Double, msMin: Double, blocksPerSecond: Double, simulatedIterationMs: Double
        enum CodingKeys: String, CodingKey {
            case name, kernels, threadBlocks = "thread_blocks", events, msPerIteration = "cpu_ms_median", msMin = "cpu_ms_min"
            case blocksPerSecond = "blocks_per_second", simulatedIterationMs = "simulated_iteration_ms"
        }
    }
    struct Out: Encodable {
        var cases: [Case]; var peakMemoryMB: Double; var catalogLoadMs: Double?
        enum CodingKeys: String, CodingKey { case cases, peakMemoryMB = "peak_memory_mb", catalogLoadMs = "catalog_load_ms" }
    }

    static func measure(_ name: String, _ s: Scenario, repeats: Int, recordBlocks: Bool = false) throws -> Case {
        let w = try Workload(s)
        let sch = w.schedule(s.policy)
        var times: [Double] = []
        var last: Trace?
        for i in 0..<max(repeats, 1) {
            let start = threadCPUms()
            last = try Simulator(kernels: w.kernels, schedule: sch, gpu: w.gpu, options: w.options(iteration: i, recordBlocks: recordBlocks)).run()
            times.append(threadCPUms() - start)
        }
        let sorted = times.sorted()
        let med = sorted[sorted.count / 2]
        return Case(name: name, kernels: w.kernels.kernels.count, threadBlocks: w.kernels.totalBlocks, events: last!.events,
                    msPerIteration: med, msMin: sorted[0], blocksPerSecond: Double(w.kernels.totalBlocks) / (med / 1000),
                    simulatedIterationMs: last!.iterationTime / 1000)
    }

    /// CPU time this thread has used (ms).
    static func threadCPUms() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) * 1000 + Double(t.tv_nsec) / 1e6
    }

    static func peakRSSMB() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_maxrss) / 1024
    }

    func run() throws {
        guard repeats >= 1 && repeats <= 1000 else { throw ConvtopError(.usage, "repeats must be between 1 and 1000") }
        var cases: [Case] = []
        var s = Scenario()
        s.model = "resnet50"; s.mode = .training; s.batch = 32; s.gpu = "h100"; s.policy = .branch; s.launch = .graph
        cases.append(try Self.measure("resnet50 training b32 h100 branch", s, repeats: repeats))
        cases.append(try Self.measure("resnet50 training b32, recording block groups", s, repeats: repeats, recordBlocks: true))
        s = Scenario(); s.model = "inception_v3"; s.batch = 1; s.gpu = "h100"; s.policy = .branch; s.launch = .graph
        cases.append(try Self.measure("inception_v3 inference b1 h100 branch", s, repeats: repeats))
        s = Scenario(); s.model = "synthetic:ops=10000"; s.batch = 1; s.gpu = "h100"; s.policy = .branch; s.launch = .graph
        cases.append(try Self.measure("synthetic 10,000 ops b1 h100 branch", s, repeats: repeats))
        if sweep {
            for ops in [2500, 5000, 10000, 20000] {
                for b in [1, 8] {
                    s.model = "synthetic:ops=\(ops)"; s.batch = b
                    cases.append(try Self.measure("synthetic \(ops) ops b\(b)", s, repeats: max(1, repeats / 2)))
                }
            }
        }
        let out = Out(cases: cases, peakMemoryMB: Self.peakRSSMB(), catalogLoadMs: Self.catalogLoadMs(repeats: repeats))
        if json { try printJSON(out); return }
        printTable(["case", "kernels", "blocks", "events", "CPU ms min", "CPU ms median", "blocks / s", "simulated ms"], cases.map {
            [$0.name, String($0.kernels), grouped($0.threadBlocks), grouped($0.events), fmt($0.msMin, 2), fmt($0.msPerIteration, 2),
             String(format: "%.2fM", $0.blocksPerSecond / 1e6), fmt($0.simulatedIterationMs)]
        })
        print("peak memory: \(fmt(out.peakMemoryMB, 1)) MB")
        if let ms = out.catalogLoadMs { print("kernel catalog (h200) read at start-up: \(fmt(ms, 1)) ms (median of \(repeats))") }
    }

    /// Wall-clock median of reading the H200 kernel catalog from disk (what a first simulation on an H200 or H100 adds).
    static func catalogLoadMs(repeats: Int) -> Double? {
        guard let dir = AssetLocator.directory("catalog") else { return nil }
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            guard (try? CatalogFile.load(path: dir + "/h200/" + CatalogFile.fileName)) != nil else { return nil }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        return times.sorted()[times.count / 2]
    }
}
