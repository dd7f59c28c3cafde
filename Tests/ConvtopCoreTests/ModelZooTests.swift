import Foundation
import Testing
@testable import ConvtopCore

/// Parameter counts and MACs against torchvision (table in the project's reference notes).
struct ModelZooTests {
    static let reference: [(String, Int, Double)] = [
        ("resnet50", 25_557_032, 4.09), ("googlenet", 6_624_904, 1.50), ("inception_v3", 23_834_568, 5.71),
        ("resnet18", 11_689_512, 1.81), ("resnet34", 21_797_672, 3.66), ("resnet101", 44_549_160, 7.80),
        ("resnet152", 60_192_808, 11.51), ("alexnet", 61_100_840, 0.71), ("vgg16", 138_357_544, 15.47),
        ("densenet121", 7_978_856, 2.83), ("squeezenet1_0", 1_248_424, 0.82), ("mobilenet_v2", 3_504_872, 0.30),
    ]

    @Test(arguments: reference)
    func parametersAndMACsMatchTorchvision(_ row: (String, Int, Double)) throws {
        let g = try ModelZoo.build(row.0, batch: 1)
        #expect(g.parameters == row.1, "\(row.0) parameters")
        let gmacs = Double(g.forwardMACs) / 1e9
        #expect(abs(gmacs / row.2 - 1) < 0.01, "\(row.0) MACs \(gmacs) vs \(row.2)")
    }

    @Test func macsScaleWithBatch() throws {
        let one = try ModelZoo.build("resnet50", batch: 1), eight = try ModelZoo.build("resnet50", batch: 8)
        #expect(eight.forwardMACs == 8 * one.forwardMACs)
        #expect(eight.parameters == one.parameters)
        #expect(eight.nodes[0].shape.dims == [8, 3, 224, 224])
    }

    /// The published NASNet-A mobile (5.3M parameters, 564M mult-adds) and RandWire-WS small (5.6M, 583M).
    @Test func nasnetAndRandwireMatchTheirPapers() throws {
        let n = try ModelZoo.build("nasnet", batch: 1)
        #expect(abs(Double(n.parameters) / 5.3e6 - 1) < 0.03)
        #expect(abs(Double(n.forwardMACs) / 564e6 - 1) < 0.03)
        let r = try ModelZoo.build("randwire", batch: 1)
        #expect(abs(Double(r.parameters) / 5.6e6 - 1) < 0.05)
        #expect(abs(Double(r.forwardMACs) / 583e6 - 1) < 0.05)
    }

    @Test func pathnetActivatesNModulesPerLayerAndSumsThem() throws {
        let g = try ModelZoo.build("pathnet:L=3,M=6,N=2,seed=3", batch: 1)
        let sums = g.nodes.filter { $0.kind == .add }
        #expect(sums.count == 3)
        #expect(sums.allSatisfy { $0.inputs.count == 2 })
        let modules = Set(g.nodes.compactMap { n -> String? in n.name.contains("module") ? String(n.name.split(separator: ".")[1]) : nil })
        #expect(modules.count <= 6 * 3)
        // Same seed, same path; another seed, (almost surely) another path.
        let again = try ModelZoo.build("pathnet:L=3,M=6,N=2,seed=3", batch: 1)
        #expect(again.nodes.map(\.name) == g.nodes.map(\.name))
        let other = try ModelZoo.build("pathnet:L=3,M=6,N=2,seed=4", batch: 1)
        #expect(other.nodes.map(\.name) != g.nodes.map(\.name))
    }

    @Test func randwireIsSeededAndAcyclic() throws {
        let a = try ModelZoo.build("randwire:seed=5", batch: 1), b = try ModelZoo.build("randwire:seed=5", batch: 1)
        #expect(a.nodes.map(\.inputs) == b.nodes.map(\.inputs))
        let c = try ModelZoo.build("randwire:seed=6", batch: 1)
        #expect(a.nodes.map(\.inputs) != c.nodes.map(\.inputs))
        _ = try DAG(graph: a)
    }

    @Test func unknownModelListsValidNames() {
        #expect {
            _ = try ModelZoo.build("resnet51", batch: 1)
        } throws: { e in
            let m = "\(e)"
            return m.contains("resnet51") && m.contains("resnet50") && m.contains("googlenet")
        }
        #expect(throws: ConvtopError.self) { _ = try ModelZoo.build("pathnet:Q=3", batch: 1) }
        #expect(throws: ConvtopError.self) { _ = try ModelZoo.build("resnet50", batch: 0) }
    }

    /// Layer by layer against torch.fx's googlenet graph: every convolution's hyper-parameters and output shape.
    @Test func googlenetMatchesTorchFXGraph() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("googlenet_graph.json")))
        let fx = try JSONSerialization.jsonObject(with: data) as! [[String: Any]]
        let fxConvs = fx.filter { ($0["module"] as? String) == "Conv2d" }
        let ours = try ModelZoo.build("googlenet", batch: 1).nodes.compactMap { n -> (ConvAttributes, [Int])? in
            if case .conv(let a) = n.kind { return (a, n.shape.dims) } else { return nil }
        }
        #expect(ours.count == fxConvs.count)
        for (o, f) in zip(ours, fxConvs) {
            #expect(o.0.inChannels == f["in_channels"] as? Int)
            #expect(o.0.outChannels == f["out_channels"] as? Int)
            #expect([o.0.kernelH, o.0.kernelW] == f["kernel_size"] as? [Int])
            #expect([o.0.strideH, o.0.strideW] == f["stride"] as? [Int])
            #expect(o.1 == f["shape"] as? [Int], "\(f["name"] ?? "")")
        }
        let fxPools = fx.filter { ($0["module"] as? String) == "MaxPool2d" }.map { $0["shape"] as! [Int] }
        let ourPools = try ModelZoo.build("googlenet", batch: 1).nodes.filter { if case .maxPool = $0.kind { return true } else { return false } }.map(\.shape.dims)
        #expect(ourPools == fxPools)
    }
}
