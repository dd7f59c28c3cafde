import Testing
import Foundation
@testable import ConvtopCore

@Test func zzDumpChain() throws {
    guard let spec = ProcessInfo.processInfo.environment["ZZ_CH"] else { return }
    let p = spec.split(separator: ",").map { Int($0)! }
    let gpu = try GPUCatalog.load("h200")
    let c = try #require(MeasuredRuns.chains().first { $0.kind == "conv_chains" && $0.batch == p[0] && $0.channels == p[1] && $0.map == p[2] && $0.kernel == p[3] })
    var sc = Scenario(); sc.gpu = "h200"; sc.streams = 4; sc.launch = .graph
    let w = try Workload(graph: FidelityReport.chainGraph(c, n: 4), scenario: sc, gpu: gpu)
    for k in w.kernels.kernels.prefix(4) {
        let f = BlockFootprint(kernel: k, gpu: gpu)
        print(k.name, "grid", k.grid, "block", k.block, "regs", k.registersPerThread, "smem", k.sharedMemoryPerBlock, "blocks/SM", f.blocksPerSM(gpu), "origin", k.origin, "ts", k.timeScale, "alone", TimingModel(gpu: gpu).standaloneDuration(k))
    }
    let t = try w.simulate(.branch, recordBlocks: false).1
    for r in t.kernels { print(String(format: "k%2d s%d start %7.2f end %7.2f sms %d", r.kernel, r.stream, r.start, r.end, r.smsUsed)) }
    print("serial", try w.simulate(.serial, recordBlocks: false).1.iterationTime, "branch", t.iterationTime, "meas", c.serial4Ms! * 1000, c.streams4Ms! * 1000)
}
