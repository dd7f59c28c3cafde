import Testing
@testable import ConvtopCore

struct SimulatorTests {
    @Test func sameInputsAndSeedGiveIdenticalTraces() throws {
        var s = scenario("googlenet", batch: 4)
        s.seed = 42
        let w = try Workload(s)
        let a = try w.run(.branch, iteration: 3), b = try w.run(.branch, iteration: 3)
        #expect(a.trace.kernels == b.trace.kernels)
        #expect(a.trace.groups == b.trace.groups)
        #expect(a.metrics == b.metrics)
        let c = try w.run(.branch, iteration: 4)
        #expect(c.trace.iterationTime != a.trace.iterationTime) // run-to-run variation comes from the seed
        s.seed = 43
        let d = try Workload(s).run(.branch, iteration: 3)
        #expect(d.trace.iterationTime != a.trace.iterationTime)
    }

    @Test func smResourcesAreNeverOverCommitted() throws {
        let w = try Workload(scenario("inception_v3", batch: 8))
        let r = try w.run(.branch)
        let gpu = w.gpu
        var edges: [(Double, Int, Int, Int, Int)] = [] // time, sm, warps, regs, smem (signed)
        for g in r.trace.groups {
            let k = w.kernels.kernels[Int(g.kernel)]
            let f = BlockFootprint(kernel: k, gpu: gpu)
            let units = Int(g.warps) / f.warps
            // Times to a picosecond: a group's recorded end and the start of the group its release let in can differ
            // in the last bit of a double.
            func q(_ t: Double) -> Double { (t * 1e6).rounded() / 1e6 }
            edges.append((q(g.start), Int(g.sm), Int(g.warps), f.registers * units, f.sharedMemory * units))
            edges.append((q(g.end), Int(g.sm), -Int(g.warps), -f.registers * units, -f.sharedMemory * units))
        }
        edges.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.2 < $1.2) }
        var warps = Array(repeating: 0, count: gpu.smCount), regs = warps, smem = warps
        for e in edges {
            warps[e.1] += e.2; regs[e.1] += e.3; smem[e.1] += e.4
            #expect(warps[e.1] <= gpu.maxWarpsPerSM && regs[e.1] <= gpu.registersPerSM && smem[e.1] <= gpu.sharedMemoryPerSM)
        }
    }

    /// The in-order rule: a later grid gets no block while an earlier one still has undispatched blocks.
    @Test func laterGridsWaitUntilEarlierGridsAreFullyDispatched() throws {
        let g = graph { b in
            let x = b.input([64, 256, 56, 56]), y = b.input([1, 16, 8, 8], name: "y")
            _ = b.relu(x)              // ~12,500 blocks: many waves
            _ = b.relu(y)              // one tiny block on another stream
        }
        let gpu = try GPUCatalog.load("h100")
        let kg = Lowering.lower(g, gpu: gpu)
        let sched = PolicyKind.roundRobin.schedule(kg, streams: 2, smCount: gpu.smCount, cost: Array(repeating: 1, count: g.nodes.count))
        var o = SimulationOptions(); o.launch = .graph
        let t = try Simulator(kernels: kg, schedule: sched, gpu: gpu, options: o).run()
        let big = t.kernels[0], small = t.kernels[1]
        #expect(big.stream != small.stream)
        let lastDispatch = t.groups.filter { $0.kernel == 0 }.map(\.start).max()!
        #expect(small.start >= lastDispatch)
        #expect(small.start > big.start)
    }

    @Test func serialRunsOneKernelAtATime() throws {
        let r = try Workload(scenario("googlenet")).run(.serial)
        #expect(r.metrics.peakConcurrentKernels == 1)
        #expect(abs(r.metrics.achievedConcurrency - 1) < 1e-9)
        #expect(abs(r.metrics.speedupVsSerial - 1) < 1e-12)
        let sorted = r.trace.kernels.sorted { $0.start < $1.start }
        for (a, b) in zip(sorted, sorted.dropFirst()) { #expect(b.start >= a.end) }
    }

    @Test func multiStreamGainIsLargeForInceptionAtBatchOneAndShrinksWithBatch() throws {
        var speedups: [Double] = []
        for b in [1, 8, 32] { speedups.append(try Workload(scenario("inception_v3", batch: b)).run(.branch, recordBlocks: false).metrics.speedupVsSerial) }
        #expect(speedups[0] > 1.25)
        #expect(speedups[0] > speedups[1] && speedups[1] > speedups[2])
        let resnet = try Workload(scenario("resnet50", batch: 32)).run(.branch, recordBlocks: false).metrics.speedupVsSerial
        #expect(resnet > 0.95 && resnet < 1.1)
    }

    /// Two independent small convolutions overlap; two large ones barely do.
    @Test func smallKernelsOverlapLargeOnesBarely() throws {
        func pair(_ shape: [Int], _ c: Int) throws -> Double {
            let g = graph { b in
                let x = b.input(shape), y = b.input(shape, name: "y")
                _ = b.conv(x, c, k: 3, p: 1); _ = b.conv(y, c, k: 3, p: 1)
            }
            // On the H200 it was measured on, with its measured kernels (the catalog holds both pairs' convolutions).
            let gpu = try GPUCatalog.load("h200")
            let kg = Lowering.lower(g, gpu: gpu, catalog: CatalogSource.forGPU(gpu))
            var o = SimulationOptions(); o.launch = .graph; o.jitter = 0
            let cost = Array(repeating: 1.0, count: g.nodes.count)
            let serial = try Simulator(kernels: kg, schedule: PolicyKind.serial.schedule(kg, streams: 2, smCount: 132, cost: cost), gpu: gpu, options: o).run()
            let par = try Simulator(kernels: kg, schedule: PolicyKind.branch.schedule(kg, streams: 2, smCount: 132, cost: cost), gpu: gpu, options: o).run()
            return serial.iterationTime / par.iterationTime
        }
        let small = try pair([1, 64, 28, 28], 64), large = try pair([32, 256, 56, 56], 256)
        // Measured on an H200 (Assets/calibration/h200_summary.json): two small convolutions 1.055×, two large 1.009×.
        #expect(small > large)
        // The model overstates small pairs (1.36× since session 12's device-side front end, 1.31× before; see the
        // README's validation section).
        #expect(abs(small - 1.055) < 0.35)
        // Large pairs: the GEMMs (one 226 KB block per SM) cannot co-run; only the layout transforms can use the
        // few SMs the other GEMM leaves free. The model allows up to 10%.
        #expect(large < 1.10)
    }

    @Test func oneHardwareQueueSerialisesStreams() throws {
        // CUDA_DEVICE_MAX_CONNECTIONS maps the streams of eager launches onto hardware queues (a host that launches
        // faster than the kernels run, so that the queues bind).
        var s = scenario("googlenet", launch: .eager)
        let fast = try fastHost("h100")
        let eight = try Workload(s, gpu: fast).run(.branch, recordBlocks: false).metrics.iterationMs
        s.connections = 1
        let one = try Workload(s, gpu: fast).run(.branch, recordBlocks: false).metrics.iterationMs
        #expect(one > eight * 1.1, "\(one) ms against \(eight)")
    }

    @Test func aGraphsBranchesHaveQueuesOfTheirOwn() throws {
        // Round 21 (Assets/calibration/round21): 16 chains of 16 small convolutions (9.2 µs each) in one CUDA Graph,
        // timed on the device alone, ran 13.9 times as fast as one chain of 256; eight queues would allow eight.
        let gpu = try GPUCatalog.load("h200").timedOnDevice(floorUs: 1.25)
        func iteration(_ streams: Int, connections: Int?) throws -> Double {
            let g = try #require(LaunchCost.graph(op: "conv_3x3_c32", shape: [1, 32, 7, 7], streams: streams, ops: 256))
            var sc = Scenario()
            sc.gpu = gpu.name; sc.streams = streams; sc.launch = .graph; sc.connections = connections
            return try Workload(graph: g, scenario: sc, gpu: gpu).simulate(streams == 1 ? .serial : .branch, recordBlocks: false).1.iterationTime
        }
        let one = try iteration(1, connections: nil)
        for c in [nil, 8] as [Int?] {
            let speedup = one / (try iteration(16, connections: c))
            #expect(speedup > 12 && speedup < 16, "\(speedup)× with --connections \(c.map(String.init) ?? "default")")
        }
    }

    @Test func eagerLaunchesAreHostBoundAtSmallBatch() throws {
        let r = try Workload(scenario("resnet50", launch: .eager)).run(.serial, recordBlocks: false)
        #expect(r.metrics.hostBoundMs > 0.5 * r.metrics.iterationMs)
        let g = try Workload(scenario("resnet50", launch: .graph)).run(.serial, recordBlocks: false)
        #expect(g.metrics.iterationMs < r.metrics.iterationMs / 3)
    }

    /// Every policy's metrics against quantities computed here from independent runs and the lowered graph: the
    /// serial baseline is the serial policy's own iteration, every lowered kernel is counted once, the bound is below
    /// the iteration, the per-SM figures average to the whole-GPU one.
    @Test func metricsAgreeWithIndependentRuns() throws {
        let w = try Workload(scenario("googlenet", batch: 2))
        let serial = try w.run(.serial, recordBlocks: false).metrics.iterationMs
        for p in PolicyKind.allCases {
            let m = try w.run(p, recordBlocks: false).metrics
            #expect(abs(m.serialMs - serial) < 1e-9)
            #expect(m.kernels == w.kernels.kernels.count)
            #expect(m.smUtilization > 0 && m.smUtilization <= 1)
            #expect(m.criticalPathMs < m.iterationMs)
            #expect(m.peakConcurrentKernels >= 1 && m.achievedConcurrency >= 1)
            #expect(m.perSMUtilization.count == 132)
            #expect(abs(m.perSMUtilization.reduce(0, +) / 132 - m.smUtilization) < 0.01)
        }
    }

    @Test func badInputIsAClearError() throws {
        var s = scenario("resnet50"); s.batch = 0
        #expect(throws: ConvtopError.self) { _ = try Workload(s) }
        s = scenario("resnet50"); s.streams = 0
        #expect(throws: ConvtopError.self) { _ = try Workload(s) }
        // A block that needs more shared memory than the SM has.
        var gpu = try GPUCatalog.load("h100")
        gpu.sharedMemoryPerSM = 32 * 1024; gpu.maxSharedMemoryPerBlock = 200 * 1024
        #expect { _ = try Workload(scenario("resnet50", batch: 32), gpu: gpu) } throws: { e in
            "\(e)".contains("cannot fit on any SM")
        }
    }

    /// A training step runs every lowered kernel exactly once, and none starts before the kernels it depends on end.
    @Test func trainingIterationRunsEveryKernelAfterItsInputs() throws {
        let w = try Workload(scenario("resnet18", batch: 4, mode: .training))
        let r = try w.run(.branch, recordBlocks: false)
        #expect(r.trace.kernels.map(\.kernel).sorted() == Array(w.kernels.kernels.indices))
        var end = Array(repeating: 0.0, count: w.kernels.kernels.count)
        for k in r.trace.kernels { end[k.kernel] = k.end }
        for k in r.trace.kernels {
            #expect(k.end > k.start)
            #expect(w.kernels.kernels[k.kernel].deps.allSatisfy { end[$0] <= k.start + 1e-9 })
        }
    }
}
