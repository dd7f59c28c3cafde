import Foundation
import Testing
@testable import ConvtopCore

/// Launch configurations written in the lowering against the ones measured on the H200
/// (Assets/calibration/launch_configs.json, made by launch_configs.py from every profiled kernel we ship).
struct LaunchConfigTests {
    struct Config: Decodable, Hashable { var block: [Int]; var regs: Int; var smem: Int }

    static func measured() throws -> [String: [Config]] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("Assets/calibration/launch_configs.json"))
        return try JSONDecoder().decode([String: [Config]].self, from: data)
    }

    /// Every kernel convtop names after a measured kernel function uses one of that function's measured block sizes,
    /// register counts and shared-memory sizes (the test that would have caught bn_fw_tr's drifted 47/8192).
    @Test(arguments: [("resnet50", GraphMode.training, 32), ("mobilenet_v2", .training, 32), ("densenet121", .training, 8),
                      ("resnet18", .training, 64), ("inception_v3", .training, 8)])
    func namedKernelsUseMeasuredLaunchConfigurations(_ c: (String, GraphMode, Int)) throws {
        let measured = try Self.measured()
        var g = try ModelZoo.build(c.0, batch: c.2)
        if c.1 == .training { g = TrainingGraph.build(from: g) }
        let kg = Lowering.lower(g, gpu: try GPUCatalog.load("h200"))
        var checked = Set<String>()
        for k in kg.kernels {
            guard let configs = measured[k.name] else { continue }
            checked.insert(k.name)
            let mine = Config(block: [k.block.x, k.block.y, k.block.z], regs: k.registersPerThread, smem: k.sharedMemoryPerBlock)
            #expect(configs.contains(mine), "\(k.name): lowered \(mine), measured \(configs.prefix(3))")
        }
        #expect(checked.count >= 3, "too few lowered kernels carry a measured name to check: \(checked.sorted())")
    }
}
