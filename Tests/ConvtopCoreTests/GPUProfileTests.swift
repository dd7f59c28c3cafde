import Foundation
import Testing
@testable import ConvtopCore

struct GPUProfileTests {
    @Test func everyShippedProfileLoadsAndValidates() throws {
        let names = GPUCatalog.names()
        #expect(Set(names).isSuperset(of: ["v100", "a100", "h100", "h200", "t4", "l4"]))
        for n in names {
            let g = try GPUCatalog.load(n)
            #expect(g.name == n)
            #expect(g.maxWarpsPerSM * 32 == g.maxThreadsPerSM)
        }
        let h = try GPUCatalog.load("h100")
        #expect(h.smCount == 132 && h.sharedMemoryPerSM == 228 * 1024 && h.maxResidentGrids == 128)
    }

    /// The fitted fields of every shipped profile are the values `convtop validate --fit` printed
    /// (Assets/calibration/round3/fit_h200.txt; that log also fitted graph_launch_us, measured since session 12).
    @Test func fittedFieldsAreTheFitLogsValues() throws {
        let log = try String(contentsOfFile: AssetLocator.directory("calibration")! + "/round3/fit_h200.txt", encoding: .utf8)
        let section = try #require(log.components(separatedBy: "Fitted values (to copy into the GPU profile):").last)
        var fitted: [String: Double] = [:]
        for line in section.split(separator: "\n") {
            let parts = line.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, let v = Double(parts[1]) { fitted[parts[0]] = v }
        }
        #expect(fitted.count == ParameterFit.parameters.count + 1 && fitted["graph_launch_us"] != nil)
        for n in GPUCatalog.names() {
            let g = try GPUCatalog.load(n)
            for p in ParameterFit.parameters {
                let want = try #require(fitted[p.name])
                #expect(abs(p.get(g) - want) <= 1e-3 * max(1, want), "\(n): \(p.name) is \(p.get(g)), the fit gave \(want)")
            }
        }
    }

    /// The graph replay's fields are what round 2's convolution chains give (Assets/calibration/graph_replay_floor.py,
    /// worked out here again): the shortest replay is the median replay of the one-chain graphs whose profiled kernels add
    /// up to under 10 µs; the start is the median of 2 × one chain − two chains on one stream over the
    /// cases whose one chain takes 40–300 µs.
    @Test func graphReplayFieldsAreTheChainsFigures() throws {
        var kernelUs: [String: Double] = [:]
        let text = try String(decoding: Inflate.gunzip([UInt8](Data(contentsOf: URL(fileURLWithPath:
            AssetLocator.directory("calibration")! + "/round2/kernels.jsonl.gz")))), as: UTF8.self)
        for line in text.split(separator: "\n") {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if let c = o["case"] as? String, c.hasPrefix("conv_"), let d = (o["dur"] as? NSNumber)?.doubleValue { kernelUs[c, default: 0] += d }
        }
        var host: [Double] = [], start: [Double] = []
        for c in try MeasuredRuns.chains() where c.kind == "conv_chains" {
            let one = try #require(c.oneChainMs) * 1000, two = try #require(c.serial2Ms) * 1000
            if kernelUs["conv_b\(c.batch)_c\(c.channels)_m\(c.map)_k\(c.kernel)", default: .infinity] < 10 { host.append(one) }
            if one > 40 && one < 300 { start.append(2 * one - two) }
        }
        #expect(host.count == 22 && start.count == 78)
        for n in GPUCatalog.names() {
            let g = try GPUCatalog.load(n)
            #expect(abs(g.graphLaunchUs - median(host)) < 0.05, "\(n): shortest replay \(g.graphLaunchUs), the chains give \(median(host))")
            #expect(abs(g.graphDeviceStartUs - median(start)) < 0.05, "\(n): start-up \(g.graphDeviceStartUs), the chains give \(median(start))")
        }
    }

    /// The front-end fields are what the two leases' front-end benchmarks give (Assets/calibration/host_per_node.py,
    /// worked out here again): the kernel latency is round 3's profiled one-block add less the shortest group; the
    /// launch work each grid takes from the front end is what a kernel costs on the device when 16 chains keep it busy
    /// (round 4, grids of 1–66 blocks); the graph gap is one chain's step on the device less that add; and the host's
    /// per-node cost of a profiled process is round 3's time per kernel less round 4's device-side one (grids of
    /// 1–264 blocks, every chain count). The polling window stays at 1.7 µs, fitted on round 10 with the earlier
    /// fields (round 10's rows still come out within 4 points, `chainsBesideSpinningStreamsSlowAsMeasured`).
    @Test func frontEndFieldsAreTheBenchmarksFigures() throws {
        let profiled = try MeasuredRuns.frontEnd()
        let passes = try DeviceSideRuns.frontEnd(pass: 0) + DeviceSideRuns.frontEnd(pass: 1)
        func device(_ b: Int, _ s: Int) -> Double? {
            let v = passes.filter { $0.blocks == b && $0.streams == s }.compactMap(\.perKernelUs)
            return v.isEmpty ? nil : median(v)
        }
        let add = try #require(profiled.first { $0.blocks == 1 && $0.streams == 1 }?.kernelUs)
        let tiny = [1, 8, 33, 66]
        let work = median(try tiny.map { try #require(device($0, 16)) })
        let gap = median(try tiny.map { try #require(device($0, 1)) }) - add
        let host = median(profiled.filter { $0.blocks! <= 264 }.compactMap { p in device(p.blocks!, p.streams!).map { p.perKernelUs! - $0 } })
        for n in GPUCatalog.names() {
            let g = try GPUCatalog.load(n)
            #expect(abs(g.kernelLatencyUs - (add - TimingModel.minimumGroupUs)) < 0.001, "\(n): latency \(g.kernelLatencyUs), the add gives \(add)")
            #expect(abs((g.launchWorkUs ?? 0) - work) < 0.001, "\(n): launch work \(String(describing: g.launchWorkUs)), the device gives \(work)")
            #expect(abs(g.kernelGapGraphUs - gap) < 0.001, "\(n): graph gap \(g.kernelGapGraphUs), the device gives \(gap)")
            #expect(abs((g.graphStartPerKernelUs ?? 0) - host) < 0.001, "\(n): host per node \(String(describing: g.graphStartPerKernelUs)), the leases give \(host)")
            #expect(g.gridLaunchIntervalUs == 0 && g.queuePollUs == 1.7)
        }
    }

    func mutated(_ f: (inout [String: Any]) -> Void) throws -> Data {
        let data = try Data(contentsOf: URL(fileURLWithPath: AssetLocator.directory("gpus")! + "/h100.json"))
        var o = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        f(&o)
        return try JSONSerialization.data(withJSONObject: o)
    }

    @Test func missingOrNonsensicalFieldsAreNamed() throws {
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("sm_count", { $0.removeValue(forKey: "sm_count") }),
            ("sm_count", { $0["sm_count"] = 0 }),
            ("max_warps_per_sm", { $0["max_warps_per_sm"] = 63 }),
            ("dram_bandwidth_gbs", { $0["dram_bandwidth_gbs"] = -1 }),
            ("efficiency.tensor_gemm", { o in var e = o["efficiency"] as! [String: Any]; e["tensor_gemm"] = 1.5; o["efficiency"] = e }),
            // Round 1 accepted this and printed "inf ms" (and invalid JSON with -nan in traces).
            ("efficiency.memory", { o in var e = o["efficiency"] as! [String: Any]; e["memory"] = 1e-300; o["efficiency"] = e }),
            ("warp_bandwidth_gbs", { $0["warp_bandwidth_gbs"] = 0 }),
            ("max_shared_memory_per_block", { $0["max_shared_memory_per_block"] = 10_000_000 }),
            ("boost_clock_mhz", { $0["boost_clock_mhz"] = "fast" }),
            ("shared_memory_allocation_unit", { $0["shared_memory_allocation_unit"] = 1 << 40 }),
            ("reserved_shared_memory_per_block", { $0["reserved_shared_memory_per_block"] = 1 << 62 }),
            ("registers_per_sm", { $0["registers_per_sm"] = 1 << 40 }),
            ("queue_poll_us", { $0["queue_poll_us"] = -1 }),
            // 2^53 KB overflowed the bytes it stands for, a trap, before the bound was checked in KB.
            ("shared_memory_carveouts_kb", { $0["shared_memory_carveouts_kb"] = [0, 1 << 53] }),
            ("shared_memory_carveouts_kb", { $0["shared_memory_carveouts_kb"] = [228, 100] }),
            ("shared_memory_carveouts_kb", { $0["shared_memory_carveouts_kb"] = [Int]() }),
        ]
        for (field, change) in cases {
            #expect { _ = try GPUCatalog.decode(try mutated(change), file: "bad.json") } throws: { e in
                "\(e)".contains(field) && "\(e)".hasPrefix("bad.json")
            }
        }
    }

    /// A fuzzed profile whose register allocation unit was 2^62 trapped on arithmetic overflow in the occupancy
    /// calculation instead of naming the field (kept from `Tests/fuzz/campaign.py`).
    @Test func fuzzedAllocationUnitIsNamedNotTrapped() throws {
        let path = Fixture.path("fuzz/gpu_register_unit_overflow.json")
        #expect { _ = try GPUCatalog.load(path) } throws: { e in "\(e)".contains("register_allocation_unit") }
    }

    @Test func unknownGPUListsValidOnes() {
        #expect { _ = try GPUCatalog.load("h300") } throws: { e in "\(e)".contains("h300") && "\(e)".contains("h100") }
    }

    @Test func occupancyUsesAllocationGranularity() throws {
        let h = try GPUCatalog.load("h100")
        // 128 threads × 92 registers: 92·32 = 2944 → rounded to 3072 per warp; 4 warps → 12,288 per block.
        let k = Kernel(id: 0, op: 0, name: "t", kernelClass: .tensorGemm, grid: Dim3(10), block: Dim3(128), registersPerThread: 92,
                       sharedMemoryPerBlock: 98304, flops: 1, bytes: 1, precision: .tf32, deps: [])
        let f = BlockFootprint(kernel: k, gpu: h)
        #expect(f.registers == 12_288)
        #expect(f.sharedMemory == 98304 + 1024)
        #expect(f.blocksPerSM(h) == 2) // shared memory: 2 × 99,328 ≤ 233,472 < 3 × 99,328
        let t4 = try GPUCatalog.load("t4")
        let big = Kernel(id: 0, op: 0, name: "big", kernelClass: .tensorGemm, grid: Dim3(1), block: Dim3(128), registersPerThread: 92,
                         sharedMemoryPerBlock: 200_000, flops: 1, bytes: 1, precision: .tf32, deps: [])
        #expect(BlockFootprint(kernel: big, gpu: t4).blocksPerSM(t4) == 0)
    }
}
