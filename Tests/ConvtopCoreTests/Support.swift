import Foundation
@testable import ConvtopCore

/// Paths to this test target's fixtures (copied from the project's calibration data).
enum Fixture {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static func path(_ name: String) -> String { dir + "/" + name }
    static func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }
}

func scenario(_ model: String, batch: Int = 1, gpu: String = "h100", mode: GraphMode = .inference,
              launch: LaunchMode = .graph, policy: PolicyKind = .branch) -> Scenario {
    var s = Scenario()
    s.model = model; s.batch = batch; s.gpu = gpu; s.mode = mode; s.launch = launch; s.policy = policy
    return s
}

/// Builds a graph from a closure over a builder.
func graph(_ name: String = "test", _ body: (inout GraphBuilder) -> Void) -> Graph {
    var b = GraphBuilder(name: name)
    body(&b)
    return b.build()
}

/// The median of measured figures (the mean of the middle two for an even count).
func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
