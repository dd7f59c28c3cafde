import ConvtopCore
import Foundation
let r = try ValidationReport.run()
for s in r.sets {
  print(s.label, s.file, String(format: "serial sim %.3f meas %.3f err %+.1f%%  speedup sim %.2f meas %.2f", s.serialSimulatedMs, s.serialMeasuredMs ?? 0, (s.serialError ?? 0)*100, s.simulatedSpeedup, s.measuredSpeedup ?? 0))
  for c in s.classes where c.measuredCount + c.simulatedCount > 0 { print(String(format: "   %-12@ %4d %8.1f | %4d %8.1f  %+6.1f%%", c.kernelClass.rawValue as NSString, c.measuredCount, c.measuredUs, c.simulatedCount, c.simulatedUs, c.error*100)) }
}
for p in r.pairs { print(p.label, p.measuredSpeedup, p.simulatedSpeedup) }
