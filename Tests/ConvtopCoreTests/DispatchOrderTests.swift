import Testing
@testable import ConvtopCore

/// Round 25's dispatch probe: the dispatcher serves grids in order, as convtop's does.
@Suite struct DispatchOrderTests {
    /// Grid B fits beside grid A's blocks: it starts 3.3 µs after A (its launch) when A's blocks are all dispatched,
    /// but only at 20.7 µs, once A's second wave is dispatched, when A still has blocks waiting — from another stream
    /// and from another graph branch alike; with no room beside A it waits for A's end, 40.4 µs (the file's
    /// medians). convtop's dispatcher gives B's first block within 1 µs of each of the held-back cases.
    @Test func aLaterGridWaitsBehindAnEarlierGridsUndispatchedBlocks() throws {
        let rows = try DispatchOrder.run(gpu: try GPUCatalog.load("h200"))
        let byCase = Dictionary(uniqueKeysWithValues: rows.map { ($0.point.name, $0) })
        #expect(Set(byCase.keys) == [.streams, .graph, .oneWave, .noRoom])
        for name in [DispatchOrder.Case.streams, .graph] {
            let r = try #require(byCase[name])
            #expect(r.point.bFirstStartUs >= r.point.aLastStartUs && r.point.bFirstStartUs < 21)
            #expect(abs(r.simulatedBStartUs - r.point.bFirstStartUs) < 1, "\(name): \(r.simulatedBStartUs)")
        }
        let free = try #require(byCase[.oneWave]), full = try #require(byCase[.noRoom])
        #expect(free.point.bFirstStartUs < 5 && free.simulatedBStartUs < 1)
        #expect(full.point.bFirstStartUs > 40 && abs(full.simulatedBStartUs - full.point.bFirstStartUs) < 1)
    }
}

