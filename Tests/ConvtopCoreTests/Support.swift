import Foundation
import Testing
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

/// A held-out check's shipped manifest (`Assets/calibration/<path>`, gzipped) as text, to hold it to what convtop
/// writes today; with CONVTOP_UPDATE_GOLDEN=1 it first writes `today` uncompressed beside it (gzip it with `gzip -n -9`).
func shippedCheckManifest(_ path: String, today: String) throws -> String {
    let dir = try #require(AssetLocator.directory("calibration"))
    if ProcessInfo.processInfo.environment["CONVTOP_UPDATE_GOLDEN"] == "1", path.hasSuffix(".gz") {
        try today.write(toFile: dir + "/" + path.dropLast(3), atomically: true, encoding: .utf8)
    }
    let data = try #require(FileManager.default.contents(atPath: dir + "/" + path))
    return String(decoding: try Inflate.gunzip([UInt8](data)), as: UTF8.self)
}

/// A GPU profile whose host launches eager kernels faster than they run (0.5 µs a launch, 0.1 an event), so that
/// kernels wait in the hardware queues: the queues' mechanism shows without the host hiding it.
func fastHost(_ name: String) throws -> GPUSpec {
    var g = try GPUCatalog.load(name)
    g.hostLaunchEagerUs = 0.5; g.hostEventUs = 0.1
    return g
}
