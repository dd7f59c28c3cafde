import Foundation
import Testing
@testable import ConvtopCore

struct ONNXImportTests {
    @Test func squeezenetMatchesTheBuiltInModel() throws {
        let g = try ONNXImporter.load(path: Fixture.path("squeezenet1_0.onnx"))
        let zoo = try ModelZoo.build("squeezenet1_0", batch: 1)
        #expect(g.parameters == 1_248_424)
        #expect(g.forwardMACs == zoo.forwardMACs)
        #expect(g.nodes.filter { if case .conv = $0.kind { return true } else { return false } }.count == 26)
        #expect(g.nodes.filter { $0.kind == .concat }.count == 8)
        // The exported model has no dropout node; everything else lines up with the zoo's graph.
        #expect(g.operationCount == zoo.operationCount - 1)
        #expect(g.nodes.last!.shape.dims == [1, 1000])
        #expect(g.maxWidth() == 2)
    }

    @Test func mobilenetWithFoldedBatchNorm() throws {
        let g = try ONNXImporter.load(path: Fixture.path("mobilenet_v2.onnx"), batch: 4)
        let zoo = try ModelZoo.build("mobilenet_v2", batch: 4)
        #expect(g.forwardMACs == zoo.forwardMACs)
        // The exporter folded every batch norm into its convolution (weights named `onnx::Conv_…`, with a bias);
        // convtop restores them as PyTorch runs them, so the count is torchvision's (3,504,872) and every
        // convolution is followed by its batch norm again.
        #expect(g.parameters == zoo.parameters)
        #expect(g.parameters == 3_504_872)
        #expect(g.nodes.filter { $0.kind == .batchNorm }.count == zoo.nodes.filter { $0.kind == .batchNorm }.count)
        #expect(g.nodes.filter { $0.kind == .relu6 }.count == 35)
        #expect(g.nodes.filter { $0.kind == .add }.count == 10)
        #expect(g.batch == 4)
        let depthwise = g.nodes.filter { if case .conv(let a) = $0.kind { return a.isDepthwise } else { return false } }
        #expect(depthwise.count == 17)
        // It simulates like any model.
        var s = Scenario(); s.model = Fixture.path("mobilenet_v2.onnx"); s.gpu = "h100"
        #expect(try Workload(s).run(.branch, recordBlocks: false).metrics.iterationMs > 0)
    }

    /// A protobuf field, for building small ONNX files by hand.
    func field(_ n: Int, _ payload: [UInt8]) -> [UInt8] { varint(UInt64(n << 3 | 2)) + varint(UInt64(payload.count)) + payload }
    func varint(_ v: UInt64) -> [UInt8] {
        var v = v, out: [UInt8] = []
        repeat { out.append(UInt8(v & 0x7F) | (v > 0x7F ? 0x80 : 0)); v >>= 7 } while v > 0
        return out
    }
    func str(_ n: Int, _ s: String) -> [UInt8] { field(n, Array(s.utf8)) }

    func write(_ bytes: [UInt8]) throws -> String {
        let p = NSTemporaryDirectory() + "convtop-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).onnx"
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    @Test func unsupportedOpsAreListedInOneError() throws {
        let dim = { (v: Int) in self.field(1, [0x08] + self.varint(UInt64(v))) }
        let shape = field(2, dim(1) + dim(3) + dim(8) + dim(8))
        let input = field(11, str(1, "x") + field(2, field(1, [0x08, 0x01] + shape)))
        let nodes = field(1, str(1, "x") + str(2, "y") + str(4, "Resize")) + field(1, str(1, "y") + str(2, "z") + str(4, "LSTM"))
            + field(1, str(1, "z") + str(2, "w") + str(4, "Relu"))
        let path = try write(field(7, nodes + input))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { _ = try ONNXImporter.load(path: path) } throws: { e in
            let m = "\(e)"
            return m.contains("unsupported ONNX ops: LSTM (") && m.contains("--onnx-ops") && !m.contains("\n")
        }
    }

    @Test func corruptAndTruncatedFilesAreErrorsNotTraps() throws {
        let real = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("squeezenet1_0.onnx")))
        for bytes in [Array(real.prefix(real.count / 2)), Array(real.prefix(7)), [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
                      Array("not a model at all".utf8), []] {
            let path = try write(bytes)
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(throws: ConvtopError.self) { _ = try ONNXImporter.load(path: path) }
        }
        #expect { _ = try ModelLoader.load("/no/such/net.onnx", batch: 1, mode: .inference) } throws: { "\($0)".contains("no such file") }
    }
}
