import Foundation
import Testing
@testable import ConvtopCore

struct ProfilerTraceTests {
    let fixture = Fixture.path("pytorch_profiler_googlenet_b1_h200.json.gz")

    @Test func gzipDecoderMatchesPython() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("text.gz")))
        let out = try Inflate.gunzip([UInt8](data))
        #expect(out == Array("convtop ".utf8) * 5000 + (Array(0...255) as [UInt8]) * 40)
        #expect(throws: Inflate.Corrupt.self) { _ = try Inflate.gunzip(Array([UInt8](data).prefix(data.count / 2))) }
        // A flipped byte in the CRC-32 trailer, and output past the cap, are refused rather than returned.
        var badCRC = [UInt8](data)
        badCRC[badCRC.count - 6] ^= 0xFF
        #expect(throws: Inflate.Corrupt.self) { _ = try Inflate.gunzip(badCRC) }
        #expect(throws: Inflate.TooLarge.self) { _ = try Inflate.gunzip([UInt8](data), limit: 1000) }
        // Two members inflate to both, concatenated (gzip -d does the same).
        #expect(try Inflate.gunzip([UInt8](data) + [UInt8](data)) == out + out)
    }

    @Test func importsTheGoogLeNetTraceWithItsStructure() throws {
        let t = try ProfilerTrace.load(path: fixture)
        #expect(t.kernels.count == 249)            // 246 kernels + 3 memsets
        #expect(t.ops.count == 195)
        #expect(t.streams == [7])
        #expect(t.gpuProfile == "h200")
        #expect(abs(t.kernelTimeUs - 734.4) < 1)
        let first = t.kernels[0]
        #expect(first.grid == Dim3(392, 2, 1) && first.block == Dim3(8, 8, 1) && first.registers == 64 && first.sharedMemory == 2304)
        #expect(t.ops.prefix(4) == ["conv1_conv", "conv1_bn", "relu", "maxpool1"])
        var s = Scenario(); s.model = fixture; s.gpu = "h200"
        let w = try Workload(s)
        #expect(w.structureSource?.contains("googlenet") == true)
        #expect(w.kernels.measuredUs?.count == 249)
        // The serial re-simulation reproduces the trace's own kernel time within 15%: the fitted 2.2 µs per-kernel
        // latency comes on top of the measured durations of kernels shorter than it (most of this trace's 249 take
        // 1–3 µs), the same overstatement of tiny kernels the README's validation section names for PathNet.
        let serial = try w.simulate(.serial, recordBlocks: false).1
        let simKernel = serial.kernels.reduce(0) { $0 + $1.end - $1.issued }
        #expect(abs(simKernel / t.kernelTimeUs - 1) < 0.15)
        // And multi-streaming gains on this Inception network at batch 1, as it did on the real GPU (1.55×).
        let branch = try w.run(.branch, recordBlocks: false)
        #expect(branch.metrics.speedupVsSerial > 1.3 && branch.metrics.speedupVsSerial < 2)
    }

    @Test func withoutAMatchingGraphStreamOrderGivesTheDependencies() throws {
        var s = Scenario(); s.model = fixture; s.gpu = "h200"; s.structure = nil
        let t = try ProfilerTrace.load(path: fixture)
        let (kg, source) = t.kernelGraph(structure: nil, gpu: try GPUCatalog.load("h200"))
        #expect(source.contains("stream order"))
        // One stream: a chain, so no policy can overlap anything.
        let gpu = try GPUCatalog.load("h200")
        var o = SimulationOptions(); o.launch = .graph; o.jitter = 0
        let cost = Array(repeating: 1.0, count: kg.graph.nodes.count)
        let serial = try Simulator(kernels: kg, schedule: PolicyKind.serial.schedule(kg, streams: 8, smCount: 132, cost: cost), gpu: gpu, options: o).run()
        let branch = try Simulator(kernels: kg, schedule: PolicyKind.branch.schedule(kg, streams: 8, smCount: 132, cost: cost), gpu: gpu, options: o).run()
        #expect(abs(serial.iterationTime / branch.iterationTime - 1) < 0.01)
        #expect(throws: ConvtopError.self) { _ = try ModelLoader.structure(for: t, spec: "resnet50", gpu: gpu) }
    }

    func writeTrace(_ events: [[String: Any]]) throws -> String {
        let p = NSTemporaryDirectory() + "convtop-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json"
        try JSONSerialization.data(withJSONObject: ["traceEvents": events, "deviceProperties": [["name": "NVIDIA A100-SXM4-80GB"]]])
            .write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Kernels spread over two streams: per-stream order, plus a wait seen in the timing.
    @Test func multiStreamTrace() throws {
        func k(_ name: String, _ stream: Int, _ ts: Double, _ dur: Double, _ corr: Int) -> [String: Any] {
            ["cat": "kernel", "name": name, "ts": ts, "dur": dur,
             "args": ["stream": stream, "correlation": corr, "grid": [64, 1, 1], "block": [256, 1, 1], "registers per thread": 32, "shared memory": 0]]
        }
        func launch(_ corr: Int, _ ts: Double) -> [String: Any] { ["cat": "cuda_runtime", "name": "cudaLaunchKernel", "ts": ts, "dur": 2, "args": ["correlation": corr]] }
        func op(_ name: String, _ ts: Double, _ dur: Double) -> [String: Any] { ["cat": "user_annotation", "name": name, "ts": ts, "dur": dur] }
        let path = try writeTrace([
            op("a", 0, 5), launch(1, 1), k("relu_a", 7, 100, 10, 1),
            op("b", 6, 5), launch(2, 7), k("relu_b", 9, 102, 10, 2),          // overlaps a: independent
            op("c", 12, 5), launch(3, 13), k("relu_c", 9, 130, 5, 3),         // waited for a (stream 9 free at 112)
        ])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(ModelLoader.isTrace(path))
        let t = try ProfilerTrace.load(path: path)
        #expect(t.streams == [7, 9] && t.ops == ["a", "b", "c"] && t.gpuProfile == "a100")
        let (kg, _) = t.kernelGraph(structure: nil, gpu: try GPUCatalog.load("a100"))
        let node = { (label: String) in kg.graph.nodes.first { $0.name == label }!.id }
        #expect(kg.graph.nodes[node("b")].inputs == [0])                       // no dependency on a
        #expect(Set(kg.graph.nodes[node("c")].inputs) == [node("a"), node("b")]) // stream order + the observed wait
    }

    @Test func corruptTracesAreOneLineErrors() throws {
        let real = try Data(contentsOf: URL(fileURLWithPath: fixture))
        let cut = NSTemporaryDirectory() + "convtop-cut-\(getpid()).json.gz"
        try real.prefix(real.count / 2).write(to: URL(fileURLWithPath: cut))
        defer { try? FileManager.default.removeItem(atPath: cut) }
        #expect { _ = try ProfilerTrace.load(path: cut) } throws: { "\($0)".contains("corrupt or truncated gzip") }
        let empty = try writeTrace([["cat": "cpu_op", "name": "aten::add", "ts": 0, "dur": 1]])
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect { _ = try ProfilerTrace.load(path: empty) } throws: { "\($0)".contains("no GPU kernels") }
        var s = Scenario(); s.model = fixture; s.gpu = "h200"; s.mode = .training
        #expect { _ = try Workload(s) } throws: { "\($0)".contains("--mode training does not apply") }
    }
}

private func * <T>(lhs: [T], rhs: Int) -> [T] { (0..<rhs).flatMap { _ in lhs } }
