import Testing
@testable import ConvtopCore

/// The foreach optimizer's launches against PyTorch's on the H200: the grids (blocks per launch) of every
/// `multi_tensor_apply_kernel` in the profiled training steps of `Assets/calibration/round2/kernels.jsonl.gz`
/// (phase "optimizer", batch 1, serial; read off the file by hand: one-list launches, then the two two-list passes).
struct MultiTensorApplyTests {
    static let measured: [String: (oneList: [Int], twoLists: [Int])] = [
        "resnet50": ([180, 320, 8], [71, 155, 282]),
        "googlenet": ([132, 119], [73, 87, 91]),
        "inception_v3": ([143, 196, 259], [71, 100, 109, 183, 135]),
        "resnet18": ([227], [227]),
        "densenet121": ([110, 119, 134, 54], [64, 65, 68, 74, 80, 66]),
        "mobilenet_v2": ([110, 88], [64, 67, 67]),
        "squeezenet1_0": ([65], [65]),
    ]

    @Test(arguments: ["resnet50", "googlenet", "inception_v3", "resnet18", "densenet121", "mobilenet_v2", "squeezenet1_0"])
    func launchesAreTheProfiledOnes(_ name: String) throws {
        let g = TrainingGraph.build(from: try ModelZoo.build(name, batch: 1), optimizer: .foreach)
        let kg = Lowering.lower(g, gpu: try GPUCatalog.load("h200"))
        func grids(_ pass: String) -> [Int] { kg.kernels.filter { $0.name == "multi_tensor_apply_\(pass)" }.map(\.blocks) }
        let want = try #require(Self.measured[name])
        #expect(grids("foreach_mul_") == want.oneList)
        #expect(grids("foreach_add_buf") == want.twoLists)
        #expect(grids("foreach_add_param") == want.twoLists)
    }

    @Test func aLaunchClosesAtItsTensorLimitAndAtThreeHundredTwentyBlocks() {
        // 130 one-chunk tensors: one list takes 110 per launch, two lists 64.
        let small = Array(repeating: 1_000, count: 130)
        #expect(MultiTensorApply.launches(small, lists: 1).map(\.blocks) == [110, 20])
        #expect(MultiTensorApply.launches(small, lists: 2).map(\.blocks) == [64, 64, 2])
        // One tensor of 400 chunks is cut at 320 blocks and continues in the next launch.
        let big = MultiTensorApply.launches([400 * 65_536], lists: 1)
        #expect(big.map(\.blocks) == [320, 80])
        #expect(big.map(\.largestChunk) == [65_536, 65_536])
    }

    /// ResNet-50's nine optimizer launches at batch 1, µs as profiled on the H200 (round2/kernels.jsonl.gz, read by
    /// hand): the modelled standalone times are within 15% of each (the fit's worst over all 62 launches is 14%).
    @Test func resNet50sLaunchesTakeTheirProfiledTimes() throws {
        let measured = [21.4, 42.1, 16.1, 18.8, 30.1, 51.6, 18.5, 28.6, 52.4]
        let h200 = try GPUCatalog.load("h200")
        let kg = Lowering.lower(TrainingGraph.build(from: try ModelZoo.build("resnet50", batch: 1), optimizer: .foreach), gpu: h200)
        let launches = kg.kernels.filter { $0.name.hasPrefix("multi_tensor_apply_") }
        #expect(launches.count == measured.count)
        let timing = TimingModel(gpu: h200)
        for (k, us) in zip(launches, measured) {
            let modelled = timing.standaloneDuration(k)
            #expect(abs(modelled / us - 1) < 0.15, "\(k.name) of \(k.blocks) blocks: \(modelled) µs, profiled \(us)")
        }
    }

    @Test func theLoopBoundsSmallLaunchesAndBandwidthLargeOnes() throws {
        let h200 = try GPUCatalog.load("h200")
        // Eight full chunks, one list: 32 trips of the chunk loop, the bytes almost nothing.
        let few = MultiTensorApply.Launch(blocks: 8, elements: 8 * 65_536, largestChunk: 65_536)
        let small = MultiTensorApply.standaloneUs(few, bytes: 8 * 65_536 * 2 * 4, gpu: h200)
        #expect(small >= 32 * MultiTensorApply.tripUs && small < 1.05 * 32 * MultiTensorApply.tripUs)
        // 320 full chunks: longer than either bound alone.
        let many = MultiTensorApply.Launch(blocks: 320, elements: 320 * 65_536, largestChunk: 65_536)
        let bytes = 320.0 * 65_536 * 2 * 4
        let large = MultiTensorApply.standaloneUs(many, bytes: bytes, gpu: h200)
        #expect(large > bytes / (h200.dramBandwidthGBs * 1e3 * MultiTensorApply.streamingFraction))
        #expect(large > 32 * MultiTensorApply.tripUs)
    }
}
