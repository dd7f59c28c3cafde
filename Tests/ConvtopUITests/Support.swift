import Foundation
import Testing
@testable import ConvtopCore
@testable import ConvtopUI

/// A dashboard on GoogLeNet, batch 1, H100, branch policy, seed 7, paused at 40% of the first iteration.
func fixedModel(ascii: Bool = false, model: String = "googlenet") throws -> DashboardModel {
    var s = Scenario()
    s.model = model; s.gpu = "h100"; s.batch = 1; s.policy = .branch; s.launch = .graph; s.seed = 7
    let m = try DashboardModel(scenario: s, gpuNames: ["a100", "h100", "h200"], ascii: ascii)
    _ = m.handle(.char(" "))          // pause
    m.tick(seconds: 0)
    for _ in 0..<8 { _ = m.handle(.right) } // 8 × 5% = 40%
    return m
}

/// Compares rendered text with a reviewed golden file; CONVTOP_UPDATE_GOLDEN=1 rewrites it (then review it by eye).
func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    let url = dir.appendingPathComponent(name + ".txt")
    if ProcessInfo.processInfo.environment["CONVTOP_UPDATE_GOLDEN"] == "1" {
        try (text + "\n").write(to: url, atomically: true, encoding: .utf8)
        return
    }
    let golden = try String(contentsOf: url, encoding: .utf8)
    let expected = golden.hasSuffix("\n") ? String(golden.dropLast()) : golden
    if expected != text {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false), b = text.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        Issue.record("\(name) differs from its golden file at line \(first + 1):\n  golden: \(first < a.count ? String(a[first]) : "<none>")\n  actual: \(first < b.count ? String(b[first]) : "<none>")", sourceLocation: sourceLocation)
    }
}
