import Foundation
import Testing
@testable import ConvtopCore

struct PolicyTests {
    func workload(_ m: String, batch: Int = 1) throws -> Workload { try Workload(scenario(m, batch: batch)) }

    /// The launch order is a topological order of the ops, for every policy.
    @Test(arguments: PolicyKind.allCases)
    func launchOrderIsTopological(_ p: PolicyKind) throws {
        let w = try workload("inception_v3")
        let s = w.schedule(p)
        var pos: [Int: Int] = [:]
        for (i, o) in s.launchOrder.enumerated() { pos[o] = i }
        #expect(pos.count == w.kernels.activeOps.count)
        let od = OpDAG(w.kernels)
        for v in 0..<od.count { for u in od.dag.predecessors[v] { #expect(pos[od.ops[u]]! < pos[od.ops[v]]!) } }
        #expect(s.streamOfOp.allSatisfy { ($0 ?? 0) < 8 })
    }

    @Test func branchFollowsTheFirstConsumerRule() throws {
        let g = graph { b in
            let x = b.input([1, 8, 8, 8])
            let a = b.relu(x)                  // stream 0 (first op)
            let l = b.conv(a, 8, k: 1)         // a's first consumer: stream of a
            let r = b.conv(a, 8, k: 1)         // a's second consumer: next stream
            _ = b.sum([l, r])                  // l's first consumer: stream of l
        }
        let kg = Lowering.lower(g, gpu: try GPUCatalog.load("h100"))
        let s = PolicyKind.branch.schedule(kg, streams: 8, smCount: 132, cost: Array(repeating: 1, count: g.nodes.count))
        #expect(s.streamOfOp[1] == 0 && s.streamOfOp[2] == 0 && s.streamOfOp[3] == 1 && s.streamOfOp[4] == 0)
        let serial = PolicyKind.serial.schedule(kg, streams: 8, smCount: 132, cost: Array(repeating: 1, count: g.nodes.count))
        #expect(serial.streamCount == 1)
        let rr = PolicyKind.roundRobin.schedule(kg, streams: 2, smCount: 132, cost: Array(repeating: 1, count: g.nodes.count))
        #expect(rr.streamOfOp[1...4].map { $0 } == [0, 1, 0, 1])
    }

    /// Nimble: with a pool large enough, every stream holds a chain of the transitive reduction (each op's stream
    /// predecessor is a direct producer), events only cross streams, and it needs no more streams than round robin.
    @Test func nimbleAssignsChainsOfTheReduction() throws {
        let kg = try workload("googlenet").kernels
        let od = OpDAG(kg)
        let s = PolicyKind.nimble.schedule(kg, streams: 128, smCount: 132, cost: Array(repeating: 1, count: kg.graph.nodes.count))
        var byStream: [Int: [Int]] = [:]
        for v in od.dag.order { byStream[s.streamOfOp[od.ops[v]]!, default: []].append(v) }
        for (_, ops) in byStream {
            for (a, b) in zip(ops, ops.dropFirst()) { #expect(od.dag.predecessors[b].contains(a)) }
        }
        // A path cover can never beat the width (Dilworth) and is far below one stream per op.
        let width = od.dag.width()
        #expect(s.streamCount >= width)
        #expect(s.streamCount < od.count / 3)
        // Fewer cross-stream edges than round robin over the same pool.
        func crossEdges(_ sch: Schedule) -> Int {
            (0..<od.count).reduce(0) { acc, v in acc + od.dag.predecessors[v].filter { sch.streamOfOp[od.ops[$0]] != sch.streamOfOp[od.ops[v]] }.count }
        }
        let rr = PolicyKind.roundRobin.schedule(kg, streams: s.streamCount, smCount: 132, cost: Array(repeating: 1, count: kg.graph.nodes.count))
        #expect(crossEdges(s) < crossEdges(rr))
    }

    @Test func criticalPathOpsGetStreamZeroAndHighPriority() throws {
        let w = try workload("googlenet")
        let s = w.schedule(.criticalPath)
        let od = OpDAG(w.kernels)
        let cp = od.dag.criticalPath { w.opCost[od.ops[$0]] }.path.map { od.ops[$0] }
        for o in cp { #expect(s.streamOfOp[o] == 0 && s.priorityOfOp[o] == 1) }
        #expect(s.priorityOfOp.filter { $0 == 0 }.count > 0)
    }

    @Test func resourceAwareCapsOnlyConcurrentOps() throws {
        let w = try workload("inception_v3")
        let s = w.schedule(.resourceAware)
        let ranges = s.smRangeOfOp.compactMap { $0 }
        #expect(!ranges.isEmpty)
        #expect(ranges.allSatisfy { $0.lower >= 0 && $0.upper <= 132 && $0.count >= 8 && $0.count % 4 == 0 })
        #expect(Set(ranges).count == 2)
        // The stem (a chain) keeps the whole GPU.
        #expect(s.smRangeOfOp[1] == nil)
        let chain = try workload("vgg16").schedule(.resourceAware)
        #expect(chain.smRangeOfOp.allSatisfy { $0 == nil })
    }

    @Test func unknownPolicyListsValidOnes() throws {
        #expect { _ = try PolicyKind.parse("greedy") } throws: { e in "\(e)".contains("resource-aware") && "\(e)".contains("greedy") }
        #expect(try PolicyKind.parse("Critical-Path") == .criticalPath)
    }
}

/// A → {B, C} → D of small element-wise ops, lowered for the H100, with hand-set standalone costs (µs) per op.
func diamond(costs: [String: Double]) throws -> (Graph, KernelGraph, [Double]) {
    let g = graph { b in
        let x = b.input([1, 8])
        let a = b.relu(x, name: "A")
        let bb = b.relu(a, name: "B"), c = b.relu(a, name: "C")
        _ = b.sum([bb, c], name: "D")
    }
    var cost = Array(repeating: 0.0, count: g.nodes.count)
    for (name, us) in costs { cost[g.nodes.first { $0.name == name }!.id] = us }
    return (g, Lowering.lower(g, gpu: try GPUCatalog.load("h100")), cost)
}

/// HEFT on a diamond with hand-set costs: A (5 µs) → B (10), C (4) → D (2), two streams, 3 µs per cross-stream wait.
/// Ranks: A 17, B 12, C 6, D 2. A goes to stream 0 (finish 5); B finishes at 15 on stream 0 and 18 on stream 1 → 0;
/// C finishes at 19 on stream 0 and 12 on stream 1 → 1; D finishes at 17 on stream 0 (B's 15, C's 12 + 3) and 20 on
/// stream 1 → 0.
struct HEFTTests {
    @Test func diamondByHand() throws {
        let (g, kg, cost) = try diamond(costs: ["A": 5, "B": 10, "C": 4, "D": 2])
        let s = PolicyKind.heft.schedule(kg, streams: 2, smCount: 132, cost: cost, syncUs: 3)
        let stream = { (n: String) in s.streamOfOp[g.nodes.first { $0.name == n }!.id] }
        let streams: [Int?] = [stream("A"), stream("B"), stream("C"), stream("D")]
        #expect(streams == [0, 0, 1, 0])
        #expect(s.launchOrder.map { g.nodes[$0].name } == ["A", "B", "C", "D"])
        // With waits costing 20 µs, C stays on stream 0 too: every op on one stream.
        let slow = PolicyKind.heft.schedule(kg, streams: 2, smCount: 132, cost: cost, syncUs: 20)
        #expect(Set(slow.streamOfOp.compactMap { $0 }) == [0])
    }

    @Test func runsOnBranchyNetworks() throws {
        let w = try Workload(scenario("googlenet"))
        let m = try w.run(.heft, recordBlocks: false).metrics
        #expect(m.streamsUsed > 1 && m.speedupVsSerial > 1.2)
    }
}

/// Schedule files: every policy's schedule survives the round trip exactly, and a broken file is one clear error.
struct ScheduleFileTests {
    @Test(arguments: PolicyKind.allCases)
    func roundTripSimulatesTheSame(_ p: PolicyKind) throws {
        let w = try Workload(scenario("googlenet", batch: 2, mode: .training))
        let text = try ScheduleFile.encode(w.schedule(p), workload: w)
        let back = try ScheduleFile.decode(Data(text.utf8), file: "s.json", workload: w)
        let original = w.schedule(p)
        #expect(back.streamOfOp == original.streamOfOp && back.launchOrder == original.launchOrder)
        #expect(back.priorityOfOp == original.priorityOfOp && back.smRangeOfOp == original.smRangeOfOp)
        let replayed: Double = try w.simulate(schedule: back, recordBlocks: false).1.iterationTime
        let direct: Double = try w.simulate(p, recordBlocks: false).1.iterationTime
        #expect(replayed == direct)
    }

    @Test func brokenFilesAreOneLineErrors() throws {
        let w = try Workload(scenario("googlenet"))
        let good = try JSONSerialization.jsonObject(with: Data(try ScheduleFile.encode(w.schedule(.branch), workload: w).utf8)) as! [String: Any]
        func variant(_ change: (inout [String: Any], inout [[String: Any]]) -> Void) throws -> Data {
            var f = good
            var ops = f["ops"] as! [[String: Any]]
            change(&f, &ops)
            f["ops"] = ops
            return try JSONSerialization.data(withJSONObject: f)
        }
        let cases: [(Data, String)] = [
            (try variant { _, ops in ops.removeLast() }, "has no entry"),
            (try variant { _, ops in ops[3]["op"] = "no.such.op" }, "'no.such.op' is not an op"),
            (try variant { _, ops in ops[5]["stream"] = 4096 }, "stream must be 0 to 127"),
            (try variant { _, ops in ops[5]["sm_range"] = [10, 500] }, "sm_range"),
            (try variant { _, ops in ops[10]["order"] = -1 }, "is launched before its input"),
            (try variant { _, ops in ops.append(ops[0]) }, "appears twice"),
            (try variant { f, _ in f["format"] = "other" }, "convtop-schedule"),
            (Data("[1, 2]".utf8), "not a convtop schedule file"),
        ]
        for (data, says) in cases {
            #expect { _ = try ScheduleFile.decode(data, file: "s.json", workload: w) } throws: { e in
                "\(e)".hasPrefix("s.json: ") && "\(e)".contains(says) && !"\(e)".contains("\n")
            }
        }
    }
}

/// IOS on graphs small enough to check by hand.
struct IOSTests {
    /// A → {B, C} → D with small 3×3 convolutions at batch 1: the units are A, B, C and D; only B and C are not
    /// cut points, so there are three blocks ([A], [B, C], [D]). In the middle block the search compares B then C,
    /// C then B, and B beside C; two small kernels side by side take about as long as one, so the chosen stage runs
    /// both at once, on two streams.
    @Test func forkOfTwoSmallConvolutionsBecomesOneConcurrentStage() throws {
        let g = graph { b in
            let x = b.input([1, 64, 14, 14])
            let a = b.conv(x, 64, k: 3, p: 1, name: "A")
            let bb = b.conv(a, 64, k: 3, p: 1, name: "B"), c = b.conv(a, 64, k: 3, p: 1, name: "C")
            _ = b.sum([bb, c], name: "D")
        }
        let w = try Workload(graph: g, scenario: scenario("test"))
        let s = w.schedule(.ios)
        let stream = { (n: String) in s.streamOfOp[g.nodes.first { $0.name == n }!.id] }
        #expect(stream("B") != stream("C"))
        #expect(s.launchOrder.map { g.nodes[$0].name } == ["A", "B", "C", "D"])
        let stats = w.iosStats()
        #expect(stats.blocks == 3 && stats.stages == 3 && stats.greedyBlocks == 0)
        // The middle block's three candidate stages of one or two units were simulated: B alone, C alone (one shape,
        // so one simulation), and B beside C.
        #expect(stats.stagesSimulated <= 4)
        let ios = try w.simulate(.ios, recordBlocks: false).1.iterationTime
        let serial = try w.simulate(.serial, recordBlocks: false).1.iterationTime
        #expect(ios < serial)
    }

    /// A chain has a cut at every unit: one stage per unit, all on stream 0, nothing simulated.
    @Test func chainIsOneStagePerUnit() throws {
        let g = graph { b in
            var x = b.input([1, 16, 8, 8])
            for i in 0..<4 { x = b.relu(b.conv(x, 16, k: 3, p: 1, name: "c\(i)"), name: "r\(i)") }
        }
        let w = try Workload(graph: g, scenario: scenario("test"))
        let s = w.schedule(.ios)
        #expect(Set(s.streamOfOp.compactMap { $0 }) == [0])
        #expect(w.iosStats().blocks == 4 && w.iosStats().stages == 4)
    }

    @Test func beatsSerialOnInception() throws {
        let w = try Workload(scenario("inception_v3"))
        let m = try w.run(.ios, recordBlocks: false).metrics
        #expect(m.streamsUsed > 1 && m.speedupVsSerial > 1.3)
        #expect(w.iosStats().greedyBlocks == 0)
    }
}

/// Green-context partitions, checked by hand.
struct GreenContextTests {
    /// A fork whose two branches cost 3 and 1 on a 132-SM Hopper (8-SM steps, 16 whole steps): 12 steps (96 SMs) and
    /// 4 steps, the last branch also taking the 4 SMs left over, so B gets SMs 0–95 and C 96–131; the fork and the
    /// join use every SM.
    @Test func branchesGetWorkSharedPartitionsInArchitectureSteps() throws {
        let (g, kg, cost) = try diamond(costs: ["A": 1, "B": 3, "C": 1, "D": 1])
        let id = { (n: String) in g.nodes.first { $0.name == n }!.id }
        let s = PolicyKind.greenContexts.schedule(kg, streams: 8, smCount: 132, cost: cost, partitionGranularity: 8)
        #expect(s.smRangeOfOp[id("B")] == SMRange(0, 96) && s.smRangeOfOp[id("C")] == SMRange(96, 132))
        #expect(s.smRangeOfOp[id("A")] == nil && s.smRangeOfOp[id("D")] == nil)
        #expect(s.streamOfOp[id("B")] != s.streamOfOp[id("C")])
        // Ampere's 4-SM steps on 108 SMs: 27 steps, 20.25 and 6.75 ideal → 20 and 7 steps (80 SMs, then the rest).
        let a100 = PolicyKind.greenContexts.schedule(kg, streams: 8, smCount: 108, cost: cost,
                                                     partitionGranularity: Policies.greenContextGranularity(ccMajor: 8))
        #expect(a100.smRangeOfOp[id("B")] == SMRange(0, 80) && a100.smRangeOfOp[id("C")] == SMRange(80, 108))
    }
}

/// IOS's operator merge, checked by hand on an Inception-style fork.
struct OperatorMergeTests {
    /// x feeds three convolutions: two 1×1 (16 and 32 channels) and one 3×3. The two 1×1 ones become one 48-channel
    /// convolution with two channel views (named as before, so their consumers are unchanged); the 3×3 one stays.
    @Test func oneByOneSiblingsBecomeOneWideConvolution() throws {
        let g = graph { b in
            let x = b.input([2, 64, 14, 14])
            let a = b.conv(x, 16, k: 1, name: "A"), c = b.conv(x, 32, k: 1, name: "B"), d = b.conv(x, 8, k: 3, p: 1, name: "C")
            _ = b.concat([b.relu(a, name: "ra"), b.relu(c, name: "rb"), d], name: "cat")
        }
        let (m, merged) = OperatorMerge.apply(g)
        #expect(merged == 1)
        let wide = try #require(m.nodes.first { $0.name == "A+B" })
        guard case .conv(let attrs) = wide.kind else { Issue.record("not a convolution"); return }
        #expect(attrs.outChannels == 48 && wide.shape.dims == [2, 48, 14, 14])
        #expect(m.nodes.first { $0.name == "A" }?.kind == .view && m.nodes.first { $0.name == "B" }?.kind == .view)
        #expect(m.nodes.filter { if case .conv = $0.kind { return true } else { return false } }.count == 2)
        // The same parameters and multiply-adds; the relus read the views.
        #expect(m.nodes.reduce(0) { $0 + $1.parameterTensors.reduce(0, +) } == g.nodes.reduce(0) { $0 + $1.parameterTensors.reduce(0, +) } && m.totalMACs == g.totalMACs)
        let ra = try #require(m.nodes.first { $0.name == "ra" })
        #expect(m.nodes[ra.inputs[0]].name == "A")
        // It simulates, with one convolution fewer.
        var s = scenario("test"); s.mergeConvolutions = true
        let w = try Workload(graph: m, scenario: s)
        #expect(try w.run(.ios, recordBlocks: false).metrics.kernels < Workload(graph: g, scenario: s).run(.ios, recordBlocks: false).metrics.kernels)
    }
}
