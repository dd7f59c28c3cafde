import Foundation
import Testing
@testable import ConvtopCore

/// Seeded mutations of the shipped profiler trace (random bytes, truncations, hostile numbers, deep nesting):
/// each loads or fails with one line naming the file; none may trap or recurse without bound.
struct TraceFuzzTests {
    @Test func mutatedTracesNeverTrap() throws {
        let gz = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixture.path("pytorch_profiler_googlenet_b1_h200.json.gz"))))
        let json = try Inflate.gunzip(gz)
        var r = GraphFileFuzzTests.Rng(state: 7)
        let dir = NSTemporaryDirectory() + "convtop-trace-fuzz-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var loaded = 0, refused = 0
        for n in 0..<120 {
            var bytes = json
            switch n % 4 {
            case 0: for _ in 0..<8 { bytes[r.int(bytes.count)] = UInt8(truncatingIfNeeded: r.next()) }
            case 1: bytes = Array(bytes.prefix(r.int(bytes.count)))
            case 2: // a number made huge, negative or fractional where integers are expected
                let text = String(decoding: bytes, as: UTF8.self)
                let hostile = ["99999999999999999999", "-1", "1e308", "4611686018427387904", "0.5"][r.int(5)]
                bytes = Array(text.replacingOccurrences(of: "\"grid\": [", with: "\"grid\": [\(hostile), ").utf8)
            default: // nesting far beyond any real trace
                bytes = Array("{\"traceEvents\": ".utf8) + [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
            }
            let path = dir + "/t\(n).json"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                _ = try ProfilerTrace.load(path: path)
                loaded += 1
            } catch let e as ConvtopError {
                #expect(e.message.hasPrefix("t\(n).json") && !e.message.contains("\n"), "\(e.message)")
                refused += 1
            }
        }
        #expect(refused >= 60, "loaded \(loaded), refused \(refused)")
    }
}
