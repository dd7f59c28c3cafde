import Foundation
import Testing
@testable import ConvtopCore

/// Round 29: a small kernel runs no longer beside a different kernel than beside a copy of itself, and convtop's
/// simulation of PyTorch op chains side by side.
@Suite struct FunctionMixTests {
    /// The chains convtop builds for the script's groups: one input and 48 ops per chain, each op reading the one
    /// before (the add also its chain's input, as `torch.add(x, z)` reads two tensors), on 1×64×28×28 tensors.
    @Test func theChainsAreBuiltAsTheScriptRanThem() throws {
        let g = FunctionMix.graph([.relu, .add, .conv1x1])
        #expect(g.nodes.filter { $0.kind == .input }.count == 3)
        #expect(g.nodes.count == 3 + 3 * 48)
        let adds = g.nodes.filter { $0.kind == .add }
        #expect(adds.count == 48 && adds.allSatisfy { $0.inputs.count == 2 })
        #expect(g.nodes.allSatisfy { $0.shape.dims == [1, 64, 28, 28] })
        // A line naming an op convtop does not chain is not a measurement record.
        let line = #"{"part": "pair", "process": "clean", "a": "relu", "b": "gelu", "a_alone_us": 1, "b_alone_us": 1, "pair_us": 1}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(FunctionMix.Record.self, from: Data(line.utf8)) }
    }

    /// Part 1 as shipped, read by hand off `function_mix.jsonl`: at 1, 8 and 33 blocks A's kernels take the same median
    /// time (0.832, 0.896, 0.928 µs) alone and beside A, B or C, none of them with a block of the other chain on its
    /// SMs; at 132 blocks 31 of 32 kernels shared an SM and took 1.056 µs beside A and B, 1.024 alone and beside C.
    @Test func aKernelTakesNoLongerBesideAnotherFunction() throws {
        let cases = try FunctionMix.kernelCases()
        #expect(cases.count == 20)
        for blocks in [1, 8, 33] {
            let same = cases.filter { $0.blocks == blocks && $0.neighbourBlocks == blocks || $0.blocks == blocks && $0.neighbour == .alone }
            #expect(same.count == 4)
            #expect(Set(same.map(\.kernelUs)).count == 1, "\(blocks) blocks")
            #expect(same.allSatisfy { $0.kernelsBesideNeighbour == 0 })
        }
        let full = cases.filter { $0.blocks == 132 }
        #expect(full.map(\.kernelUs) == [1.024, 1.056, 1.056, 1.024])
        #expect(full.map(\.kernelsBesideNeighbour) == [0, 31, 31, 31])
    }

    /// Every measured group against the simulation: 15 pairs and 8 mixes in the clean process, 15 pairs after the
    /// profiler. The file's ReLU pair took 68.35 µs against 65.36 alone (1.046, by hand); four batch-norm chains
    /// 133.31 against 100.45 (1.327). convtop never runs a group faster than its longest chain alone.
    @Test func theGroupsAreSimulatedInTheProcessTheyWereTimedIn() throws {
        let rows = try FunctionMix.run(gpu: GPUCatalog.load("h200"))
        #expect(rows.filter { $0.process == .clean }.count == 23 && rows.filter { $0.process == .profiled }.count == 15)
        let relu = try #require(rows.first { $0.label == "relu | relu" && $0.process == .clean })
        #expect(abs(relu.measuredRatio - 1.046) < 0.001)
        let bn = try #require(rows.first { $0.label == "batchnorm x4" })
        #expect(abs(bn.measuredRatio - 1.327) < 0.001 && bn.kinds == Array(repeating: .batchnorm, count: 4))
        #expect(rows.allSatisfy { $0.simulatedRatio >= 0.999 })
        // The profiled process's front end is slower: the same ReLU chain alone simulates longer there.
        let profiled = try #require(rows.first { $0.label == "relu | relu" && $0.process == .profiled })
        #expect(profiled.simulatedLongestUs > relu.simulatedLongestUs)
    }
}
