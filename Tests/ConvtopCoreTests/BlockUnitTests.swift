import Testing
@testable import ConvtopCore

/// Long grids run as units of sequential blocks (about two waves of dispatch events), and the units must not add
/// waves of their own: a lone kernel takes its standalone time however many blocks it has.
struct BlockUnitTests {
    /// ResNet-50's first layout transform at batch 256: 401,408 blocks, 1,056 at a time, 381 waves. Units of 190
    /// blocks (waves / 2 rounded down, the rule before session 13) made 2,113 units, one more than two unit waves
    /// hold: three unit waves, 570 block-times. The chosen unit takes exactly the kernel's 381.
    @Test func unitsTakeTheKernelsOwnWaves() {
        func blockTimes(_ blocks: Int, _ perWave: Int, _ u: Int) -> Int { ((blocks + u - 1) / u + perWave - 1) / perWave * u }
        #expect(blockTimes(401_408, 1_056, 190) == 570)
        let u = Simulator.State.unitBlocks(blocks: 401_408, perWave: 1_056, maxWaves: 2)
        #expect(blockTimes(401_408, 1_056, u) == 381)
        // Every grid: at most a few block-times beyond its own waves, in at most 2 × maxWaves + 2 unit waves.
        for blocks in stride(from: 1, through: 300_000, by: 997) {
            for perWave in [1, 7, 132, 1_056, 4_224] {
                let waves = (blocks + perWave - 1) / perWave
                let u = Simulator.State.unitBlocks(blocks: blocks, perWave: perWave, maxWaves: 2)
                let unitWaves = ((blocks + u - 1) / u + perWave - 1) / perWave
                #expect(unitWaves * u - waves <= 6 && unitWaves <= 6, "\(blocks) blocks, \(perWave) a wave: units of \(u)")
            }
        }
    }

    /// Single large ops alone on an idle H200: each kernel of over 10,000 blocks runs within 2.5% of its standalone
    /// time (units spread the last blocks over the SMs a little differently from whole waves). Before session 13 the batch-256 layout transform took 748 µs against 560, and a ReLU of 199,920 blocks
    /// (94.7 waves of 2,112) ran three unit waves of 47 blocks, 141 block-times for 95.
    @Test func aLoneLongGridTakesItsStandaloneTime() throws {
        let gpu = try GPUCatalog.load("h200")
        let graphs: [Graph] = [
            graph { b in _ = b.conv(b.input([256, 3, 224, 224]), 64, k: 7, s: 2, p: 3) },
            graph { b in _ = b.relu(b.input([256, 256, 56, 56])) },
            graph { b in _ = b.relu(b.input([256, 255, 56, 56])) },
            graph { b in _ = b.relu(b.input([64, 512, 28, 28])) },
        ]
        var s = Scenario(); s.gpu = "h200"; s.launch = .graph
        for g in graphs {
            let w = try Workload(graph: g, scenario: s, gpu: gpu)
            let r = try w.run(.serial)
            let t = TimingModel(gpu: w.gpu)
            #expect(w.kernels.kernels.contains { $0.blocks > 10_000 })
            for (k, rec) in zip(w.kernels.kernels, r.trace.kernels) where k.blocks > 10_000 {
                // (half the kernel latency comes before its first block, half is in its record)
                let alone = t.standaloneDuration(k) - w.gpu.kernelLatencyUs / 2
                #expect(abs((rec.end - rec.start) / alone - 1) < 0.025, "\(k.name): \(rec.end - rec.start) µs against \(alone)")
            }
        }
    }

    /// Short grids with a partial last wave, alone on an idle H200: each kernel runs its standalone time, the time its
    /// catalog entry was measured to take. The last wave's fewer blocks a SM run faster than a full wave's, in the
    /// simulator as on the GPU; counted as a full wave (before session 14), the catalog's time was spread over one
    /// wave too many and GoogLeNet's batch-4 max pool (1,470 blocks, 1,056 a wave) ran 23% under it. (Kernels whose
    /// standalone time is their bytes at the class's bandwidth rather than their waves are not among these: the
    /// simulator's DRAM model does not reproduce that term, README "Calibration and validation".)
    @Test func aLoneShortGridTakesItsStandaloneTime() throws {
        let gpu = try GPUCatalog.load("h200")
        let graphs: [Graph] = [
            graph { b in _ = b.maxPool(b.input([4, 480, 28, 28]), k: 3, s: 2, ceil: true) },
            graph { b in _ = b.maxPool(b.input([4, 192, 56, 56]), k: 3, s: 2, ceil: true) },
            graph { b in _ = b.relu(b.input([4, 256, 56, 56])) },
            graph { b in _ = b.relu(b.input([2, 192, 100, 100])) },
            graph { b in _ = b.conv(b.input([4, 128, 28, 28]), 192, k: 3, p: 1) },
        ]
        var s = Scenario(); s.gpu = "h200"; s.launch = .graph; s.process = .clean
        var partial = 0
        for g in graphs {
            let w = try Workload(graph: g, scenario: s, gpu: gpu)
            let r = try w.run(.serial)
            let t = TimingModel(gpu: w.gpu)
            for (k, rec) in zip(w.kernels.kernels, r.trace.kernels) {
                let shape = t.standaloneShape(k)
                if shape.full >= 1 && shape.tailShare > 0 { partial += 1 }
                // (half the kernel latency comes before its first block, half is in its record)
                let alone = t.standaloneDuration(k) - w.gpu.kernelLatencyUs / 2
                #expect(abs((rec.end - rec.start) / alone - 1) < 0.03, "\(k.name), \(k.blocks) blocks: \(rec.end - rec.start) µs against \(alone)")
            }
        }
        #expect(partial >= 3, "the cases hold kernels with full waves and a partial one: \(partial)")
    }
}
