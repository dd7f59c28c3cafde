import Foundation
import Testing
@testable import ConvtopCore

/// Seeded mutations of the shipped ONNX fixtures (random byte and 4-byte flips, truncations, varint-sized patches):
/// each either imports and lowers or fails with one line naming the file; none may trap. Round 1 trapped on 242
/// such files (short or empty attribute lists, zero strides, nodes with too few inputs, extreme groups).
struct ONNXFuzzTests {
    /// The graph in mutated ONNX bytes, or nil when they are refused: with one line naming the file, or as a corrupt
    /// protobuf (which `load()` turns into one line naming the file). `batch` is asked only once the bytes parse.
    static func importOrRefuse(_ bytes: [UInt8], batch: () -> Int?) -> Graph? {
        do {
            let model = try ONNXModel.parse(bytes)
            return try ONNXImporter.build(model, name: "fuzz", file: "fuzz.onnx", batch: batch())
        } catch let e as ConvtopError {
            #expect(e.message.hasPrefix("fuzz.onnx") && !e.message.contains("\n"), "\(e.message)")
        } catch {}
        return nil
    }

    @Test(arguments: ["squeezenet1_0.onnx", "mobilenet_v2.onnx"])
    func mutatedModelsNeverTrap(_ name: String) throws {
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixture.path(name))))
        var r = GraphFileFuzzTests.Rng(state: UInt64(original.count))
        let gpu = try GPUCatalog.load("h200")
        var imported = 0, refused = 0
        for _ in 0..<300 {
            var bytes = original
            switch r.int(4) {
            case 0: // one random byte
                bytes[r.int(bytes.count)] = UInt8(truncatingIfNeeded: r.next())
            case 1: // four random bytes in a row (the round-1 crash was one such flip)
                let at = r.int(bytes.count - 4)
                for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: r.next()) }
            case 2: // truncated
                bytes = Array(bytes.prefix(r.int(bytes.count)))
            default: // a small value made huge or zero
                let at = r.int(bytes.count - 2)
                bytes[at] = [0x00, 0x01, 0x7F, 0xFF][r.int(4)]
                bytes[at + 1] = [0x00, 0x7F, 0xFF][r.int(3)]
            }
            if let g = Self.importOrRefuse(bytes, batch: { nil }) {
                _ = Lowering.lower(g, gpu: gpu)
                imported += 1
            } else {
                refused += 1
            }
        }
        #expect(imported + refused == 300)
        #expect(refused > 30, "the mutations should break some files (\(refused) refused)")
    }
}
