import Foundation
import Testing
@testable import ConvtopCore

/// Hostile values for the general tensor ops, through graph files and through mutated exports from both PyTorch
/// exporters (shape arithmetic, sequences, attention): each input either loads and lowers, or fails with one line
/// naming the file; none may trap.
struct TensorOpFuzzTests {
    static func file(_ r: inout GraphFileFuzzTests.Rng) -> String {
        let rank = 1 + r.int(5)
        let shape = (0..<rank).map { _ in r.value() }
        func list(_ n: Int) -> String { (0..<n).map { _ in String(r.int(3) == 0 ? -r.value() : r.value()) }.joined(separator: ",") }
        var nodes: [String] = []
        var last = "x"
        for i in 0..<(1 + r.int(4)) {
            let name = "n\(i)"
            let op = ["gelu", "mul", "reduce_mean", "layernorm", "groupnorm", "transpose", "reshape", "slice", "pad", "resize",
                      "conv_transpose", "matmul", "softmax", "attention", "add"][r.int(15)]
            var fields = ""
            var inputs = [last]
            switch op {
            case "mul", "matmul", "add": inputs = [last, r.int(2) == 0 ? last : "x"]
            case "attention": inputs = [last, last, last]
            case "reduce_mean": fields = #","axes":[\#(list(1 + r.int(3)))]"#
            case "layernorm": fields = #","normalized_dims":\#(r.value())"#
            case "groupnorm": fields = #","groups":\#(r.value())"#
            case "transpose": fields = #","perm":[\#(list(rank))]"#
            case "reshape": fields = #","shape":[\#(list(1 + r.int(4)))]"#
            case "slice": fields = #","axis":\#(r.value() - 2),"start":\#(r.value() - 1),"end":\#(r.value())"#
            case "pad": fields = #","padding":[\#(list(4))]"#
            case "resize": fields = #","scale":\#(r.value())"#
            case "conv_transpose": fields = #","out_channels":\#(r.value()),"kernel":\#(r.value()),"stride":\#(r.value()),"output_padding":\#(r.value() - 1)"#
            default: break
            }
            let ins = inputs.map { "\"\($0)\"" }.joined(separator: ",")
            nodes.append(#"{"name":"\#(name)","op":"\#(op)","inputs":[\#(ins)]\#(fields)}"#)
            last = name
        }
        return #"{"inputs":[{"name":"x","shape":[\#(shape.map(String.init).joined(separator: ","))]}],"nodes":[\#(nodes.joined(separator: ","))]}"#
    }

    @Test func hostileGraphFilesNeverTrap() throws {
        var r = GraphFileFuzzTests.Rng(state: 11)
        let gpu = try GPUCatalog.load("h100")
        var loaded = 0, refused = 0
        for _ in 0..<1500 {
            guard let g = GraphFileFuzzTests.loadOrRefuse(Self.file(&r), file: "f.json") else { refused += 1; continue }
            _ = Lowering.lower(TrainingGraph.build(from: g), gpu: gpu)
            loaded += 1
        }
        #expect(loaded > 50 && refused > 50, "loaded \(loaded), refused \(refused)")
    }

    @Test(arguments: ["vit_b_16__ts17.onnx.gz", "shufflenet_v2_x1_0__dynnoopt.onnx.gz", "swin_t__ts13dyn.onnx.gz"])
    func mutatedExportsNeverTrap(_ name: String) throws {
        let gz = [UInt8](try Data(contentsOf: URL(fileURLWithPath: ONNXExporterTests.path(name))))
        let original = try Inflate.gunzip(gz)
        var r = GraphFileFuzzTests.Rng(state: UInt64(original.count))
        var imported = 0, refused = 0
        for _ in 0..<60 {
            var bytes = original
            for _ in 0..<(1 + r.int(3)) {
                let at = r.int(bytes.count - 2)
                bytes[at] = [0x00, 0x01, 0x7F, 0xFF, UInt8(truncatingIfNeeded: r.next())][r.int(5)]
                if r.int(2) == 0 { bytes[at + 1] = [0x00, 0x7F, 0xFF][r.int(3)] }
            }
            if ONNXFuzzTests.importOrRefuse(bytes, batch: { r.int(2) == 0 ? nil : 1 + r.int(5) }) != nil { imported += 1 } else { refused += 1 }
        }
        #expect(imported + refused == 60 && imported > 0)
    }
}
