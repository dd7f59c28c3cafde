import Testing
@testable import ConvtopCore

/// Round 28: an SM runs with one split of its on-chip memory at a time; a block of a kernel that needs a larger split
/// waits until the SM drains.
@Suite struct SharedMemorySplitTests {
    /// A one-block-an-SM probe kernel of 128 threads asking for `kb` KB of shared memory, as round 28 ran them.
    func probe(_ kb: Int) -> Kernel {
        Kernel(id: 0, op: 0, name: "probe", kernelClass: .elementwise, grid: Dim3(132), block: Dim3(128), registersPerThread: 32,
               sharedMemoryPerBlock: kb * 1024, flops: 0, bytes: 0, precision: .fp32, deps: [])
    }

    func split(_ kb: Int, _ gpu: GPUSpec) -> Int { BlockFootprint(kernel: probe(kb), gpu: gpu).carveout(gpu) / 1024 }

    /// The smallest of the H200's splits that holds as many blocks as fit an SM, each with its 1 KB the driver reserves,
    /// worked by hand: no shared memory, 16 blocks by threads → 16 KB; 48 KB, 4 × 49 = 196 KB; 96 KB, 2 × 97 = 194 → 196;
    /// 32 KB, 6 × 33 = 198 → 228; 8 KB, 16 × 9 = 144 → 164; 160 KB, one block → 164. A profile without splits (the
    /// A100's, not measured) gives every kernel the whole shared memory.
    @Test func aKernelRunsWithTheSmallestSplitThatHoldsItsBlocks() throws {
        let h200 = try GPUCatalog.load("h200")
        #expect([0, 48, 96, 32, 8, 160].map { split($0, h200) } == [16, 196, 196, 228, 164, 164])
        let a100 = try GPUCatalog.load("a100")
        #expect(a100.sharedMemoryCarveoutsKB == nil && split(48, a100) == a100.sharedMemoryPerSM / 1024)
    }

    /// An SM holding a block of one split: a kernel needing a larger split gets none even where its blocks would fit
    /// (A 96 KB in 196 KB leaves 99 KB, B of 32 KB needs 228), one needing the same or a smaller split gets what the SM's
    /// split has left; an empty SM takes any kernel.
    @Test func anSMTakesNoBlockOfALargerSplitUntilItDrains() throws {
        let gpu = try GPUCatalog.load("h200")
        func foot(_ kb: Int) -> BlockFootprint { BlockFootprint(kernel: probe(kb), gpu: gpu) }
        func sm(holding kb: Int) -> SMState {
            var s = SMState(gpu)
            s.take(foot(kb), 1, split: foot(kb).carveout(gpu))
            s.resident = 1
            return s
        }
        #expect(sm(holding: 96).fits(foot(32), split: foot(32).carveout(gpu)) == 0)
        #expect(sm(holding: 0).fits(foot(48), split: foot(48).carveout(gpu)) == 0)
        #expect(sm(holding: 48).fits(foot(48), split: foot(48).carveout(gpu)) == 3)
        #expect(sm(holding: 48).fits(foot(0), split: foot(0).carveout(gpu)) == 15)
        #expect(sm(holding: 160).fits(foot(8), split: foot(8).carveout(gpu)) == 0)
        #expect(SMState(gpu).fits(foot(48), split: foot(48).carveout(gpu)) == 4)
    }

    /// Every round-28 pair left to the driver: B joined A exactly where A's split is at least B's and holds both (read
    /// off the file and the hand rule alone), and convtop, running the pairs as two branches, joins them the same way;
    /// asked for the largest split, every pair joined.
    @Test func theMeasuredPairsJoinAsTheSplitsSay() throws {
        let gpu = try GPUCatalog.load("h200")
        let points = try SharedMemorySplits.points()
        #expect(points.count == 52)
        for p in points where !p.maxCarveout {
            let a = split(p.smemA / 1024, gpu), b = split(p.smemB / 1024, gpu)
            let holdsBoth = p.smemA / 1024 + 1 + p.smemB / 1024 + 1 <= a
            #expect(p.joined == (b <= a && holdsBoth), "A \(p.smemA / 1024) KB, B \(p.smemB / 1024) KB")
        }
        let largest = points.filter { $0.maxCarveout }
        #expect(largest.count == 26 && largest.allSatisfy { $0.joined })
        let rows = try SharedMemorySplits.run(gpu: gpu)
        #expect(rows.count == 13 && rows.filter { !$0.point.joined }.count == 5)
        for r in rows { #expect(r.simulatedJoined == r.point.joined, "A \(r.point.smemA) B \(r.point.smemB): \(r.simulatedBStartUs) µs") }
    }
}
