import ConvtopCore
import Foundation
var s = Scenario()
let args = CommandLine.arguments
s.model = args.count > 1 ? args[1] : "googlenet"
s.batch = args.count > 2 ? Int(args[2])! : 1
s.gpu = args.count > 3 ? args[3] : "h200"
s.launch = .graph
if args.count > 4 { s.mode = .training }
let w = try Workload(s)
print("kernels", w.kernels.kernels.count, "blocks", w.kernels.totalBlocks, "crit", w.criticalPathUs)
for p in PolicyKind.allCases {
    let t0 = Date()
    let r = try w.run(p, recordBlocks: false)
    print(p.rawValue, String(format: "%.3f ms  x%.2f util %.2f conc %.2f peak %d events %d  (%.1f ms wall)", r.metrics.iterationMs, r.metrics.speedupVsSerial, r.metrics.smUtilization, r.metrics.achievedConcurrency, r.metrics.peakConcurrentKernels, r.trace.events, Date().timeIntervalSince(t0)*1000))
}
