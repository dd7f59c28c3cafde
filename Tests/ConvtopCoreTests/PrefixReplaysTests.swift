import Testing
@testable import ConvtopCore

/// Round 14's node-by-node replays (Assets/calibration/round14/prefix_replays.jsonl.gz): every prefix of four zoo graphs
/// at batch 1 and 4, timed on the device alone.
struct PrefixReplaysTests {
    /// Read by hand from the file: GoogLeNet at batch 4 has 197 prefixes, the first (its 7×7 convolution) 49.1 µs on
    /// the device and the whole graph 1.210 ms. Every set's prefixes name each of its graph's nodes once, and the
    /// simulated nodes' times add up to the whole simulated replay.
    @Test func everyPrefixReadsAsMeasured() throws {
        let h200 = try GPUCatalog.load("h200")
        let rows = try PrefixReplays.run(gpu: h200, floorUs: 1.79)
        #expect(rows.count == 8)
        let g = try #require(rows.first { $0.model == "googlenet" && $0.batch == 4 })
        #expect(g.nodeErrors.count == 196 && abs(g.measuredMs - 1.210) < 0.0005)
        let recs = try MeasuredRuns.required("prefix_replays.jsonl.gz", as: PrefixReplays.Record.self, sub: "/round14/")
        let first = try #require(recs.first { $0.kind == "prefix" && $0.model == "googlenet" && $0.batch == 4 && $0.nodes == 1 })
        #expect(abs((first.deviceMs ?? 0) * 1000 - 49.1) < 0.05)
        for r in rows { #expect(abs(r.error) < 0.10, "\(r.model) b\(r.batch): \(r.error)") }
    }

    /// A pool with a partial last wave inside a network takes its measured time: the batch-4 pools' median node
    /// is within 0.3 µs of the device's (1.3 µs short before session 14 priced the last wave as the simulator runs it).
    @Test func poolsWithAPartialLastWaveTakeTheirTimeInTheNetwork() throws {
        let rows = try PrefixReplays.run(gpu: try GPUCatalog.load("h200"), floorUs: 1.79)
        let pool = try #require(PrefixReplays.medianNodeError(rows.filter { $0.batch == 4 }, family: "pool"))
        #expect(abs(pool) < 0.3, "\(pool) µs")
    }
}
