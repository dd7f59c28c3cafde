import Foundation
import Testing
@testable import ConvtopCore

/// Round 13 (Assets/calibration/round13/branch_liveness.jsonl): the branch harness of rounds 2, 4 and 5 keeps every
/// output alive, and at batch 1 that alone slows a replay by up to 12%; with outputs freed after their last use,
/// MobileNet-v2, EfficientNet-B0 and MnasNet, which the branch rule keeps on one stream, replay as fast as serially.
struct BranchLivenessTests {
    /// MobileNet-v2 at batch 1, read by hand from the file: serial 0.44374 ms, serial with every output kept
    /// 0.49283 ms (+11.06%), the branch rule with outputs kept 0.49398 ms and with outputs freed 0.43824 ms, on one
    /// stream; the kept outputs sum to 75.09 MB.
    @Test func theRecordsReadAsMeasured() throws {
        let r = try #require(try BranchLiveness.records().first { $0.model == "mobilenet_v2" && $0.batch == 1 })
        #expect(r.streamsUsed == 1)
        #expect(abs((r.serialMs ?? 0) - 0.44374) < 1e-5 && abs((r.serialAliveMs ?? 0) - 0.49283) < 1e-5)
        #expect(abs((r.branchMs ?? 0) - 0.49398) < 1e-5 && abs((r.branchFreedMs ?? 0) - 0.43824) < 1e-5)
        #expect(abs((r.footprintMb ?? 0) - 75.09) < 0.01)
        #expect(try BranchLiveness.records().count == 18)
    }

    /// MobileNet-v2, EfficientNet-B0 and MnasNet, which the branch rule keeps on one stream: freed, the branch run
    /// is the serial run within 1.5% at batch 1 and 8; kept, it is 5% or more slower at batch 1. (DenseNet-121, also
    /// on one stream, is 5.5% slower freed at batch 1: the README says so.)
    @Test func oneStreamNetworksLoseOnlyToKeptMemory() throws {
        let recs = try BranchLiveness.records().filter { $0.streamsUsed == 1 }
        #expect(recs.count == 8)
        for r in recs where r.model != "densenet121" {
            let serial = try #require(r.serialMs), freed = try #require(r.branchFreedMs), kept = try #require(r.branchMs)
            #expect(abs(freed / serial - 1) < 0.015, "\(r.model ?? "") b\(r.batch ?? 0): freed \(freed) ms against serial \(serial)")
            if r.batch == 1 && ["mobilenet_v2", "efficientnet_b0", "mnasnet1_0"].contains(r.model ?? "") {
                #expect(kept / serial > 1.05, "\(r.model ?? ""): kept \(kept) ms against serial \(serial)")
            }
        }
    }

    /// The simulator, which has no memory lifetimes, gives a one-stream network no speedup and no slowdown, and
    /// SqueezeNet's measured 1.088× with freed outputs within 0.1 (it simulates 1.13×); the row's derived figures
    /// are the measured ratios.
    @Test func theSimulationIsComparedWithTheFreedRun() throws {
        let rows = try BranchLiveness.rows(gpu: try GPUCatalog.load("h200"), models: ["mobilenet_v2", "squeezenet1_0"])
        #expect(rows.count == 4)
        let mobile = try #require(rows.first { $0.label == "mobilenet_v2 inference b1" })
        #expect(abs(mobile.speedupSimulated - 1) < 0.005)
        #expect(abs(mobile.speedupKept - 0.44374 / 0.49398) < 1e-4 && abs(mobile.keptCost - 0.1106) < 0.001)
        #expect(abs(mobile.speedupErrorFreed) < 0.02 && mobile.speedupErrorKept > 0.09)
        let squeeze = try #require(rows.first { $0.label == "squeezenet1_0 inference b1" })
        #expect(abs(squeeze.speedupFreed - 0.32776 / 0.30130) < 1e-4)
        #expect(abs(squeeze.speedupErrorFreed) < 0.1)
    }
}
