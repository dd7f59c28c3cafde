import Foundation

/// The concurrency sets as a second H200 lease measured them (`DeviceSideRuns`): the model's errors on them, how
/// well a case repeats on one machine (pass 1 against pass 0), and how far two machines disagree (pass 0 against
/// the first lease's measurement of the same case). Where two leases disagree by more than a target, no one model
/// meets it on both: half their worst difference is a floor on the worst error over the two.
public struct SecondLeaseReport: Sendable {
    public var chains: [FidelityReport.ChainRow]
    public var frontEnd: [FidelityReport.FrontEndRow]
    public var networks: [FidelityReport.NetworkRow]

    /// Measured speedup differences, case by case, per set.
    public struct Spread: Sendable {
        public var chains: [Double] = [], frontEnd: [Double] = [], networks: [Double] = []
        public var all: [Double] { chains + frontEnd + networks }
    }
    /// Pass 1 against pass 0 of the round-4 run (one machine, minutes apart).
    public var passSpread = Spread()
    /// Round 4's pass 0 against the first lease (round-2 chains and networks, round-3 front end).
    public var leaseSpread = Spread()

    public var frontEndSpeedupErrors: [Double] { FidelityReport.multiChainSpeedupErrors(frontEnd) }
    public var speedupErrors: [Double] { networks.compactMap(\.speedupError) + chains.map(\.speedupError) + frontEndSpeedupErrors }
    public var serialErrors: [Double] { networks.map(\.serialError) }

    /// The device's start-up of a graph replay that the simulations used in place of the profile's host launch (µs).
    public var graphFloorUs = 0.0, hostLaunchUs = 0.0

    /// Simulates the round-4 sets on `gpu` and compares the measurements with each other. The sets were timed on
    /// the device alone, so the simulations replace the profile's host cost of a graph replay with the device's own
    /// start-up measured in the same run (`DeviceSideRuns.graphFloorUs`).
    public static func run(gpu profile: GPUSpec) throws -> SecondLeaseReport {
        let floor = try DeviceSideRuns.graphFloorUs(pass: 0)
        let gpu = profile.timedOnDevice(floorUs: floor)
        let c0 = try DeviceSideRuns.chains(pass: 0), c1 = try DeviceSideRuns.chains(pass: 1)
        let f0 = try DeviceSideRuns.frontEnd(pass: 0), f1 = try DeviceSideRuns.frontEnd(pass: 1)
        let n0 = try DeviceSideRuns.networks(pass: 0), n1 = try DeviceSideRuns.networks(pass: 1)
        let chainRows = try parallelMap(c0.count) { i in try FidelityReport.chainCase(c0[i], gpu: gpu) }.flatMap { $0 }
        let netRows = try parallelMap(n0.count) { i in try FidelityReport.network(n0[i], gpu: gpu) }
        var r = SecondLeaseReport(chains: chainRows, frontEnd: try FidelityReport.frontEndRows(gpu: gpu, cases: f0), networks: netRows)
        r.graphFloorUs = floor
        r.hostLaunchUs = profile.graphLaunchUs
        let first = (chains: chainSpeedups(try MeasuredRuns.chains()), frontEnd: frontEndSpeedups(try MeasuredRuns.frontEnd()),
                     networks: networkSpeedups(try MeasuredRuns.networks()))
        let zero = (chains: chainSpeedups(c0), frontEnd: frontEndSpeedups(f0), networks: networkSpeedups(n0))
        r.passSpread = Spread(chains: differences(chainSpeedups(c1), zero.chains), frontEnd: differences(frontEndSpeedups(f1), zero.frontEnd),
                              networks: differences(networkSpeedups(n1), zero.networks))
        r.leaseSpread = Spread(chains: differences(zero.chains, first.chains), frontEnd: differences(zero.frontEnd, first.frontEnd),
                               networks: differences(zero.networks, first.networks))
        return r
    }

    /// `a - b` for every case both hold, in a stable order.
    static func differences(_ a: [String: Double], _ b: [String: Double]) -> [Double] {
        a.keys.sorted().compactMap { k in b[k].map { a[k]! - $0 } }
    }

    /// Measured speedups of chain cases by label and stream count.
    static func chainSpeedups(_ cases: [MeasuredRuns.Chains]) -> [String: Double] {
        var out: [String: Double] = [:]
        for c in cases {
            let pairs: [(Int, Double?, Double?)] = c.kind == "conv_beside_memory"
                ? [(2, c.serialMs, c.streams2Ms)] : [(2, c.serial2Ms, c.streams2Ms), (4, c.serial4Ms, c.streams4Ms)]
            for (n, s, p) in pairs { if let s, let p, p > 0 { out["\(c.label)|\(n)"] = s / p } }
        }
        return out
    }

    /// Measured speedups of multi-chain front-end cases over the one-chain case of the same grid.
    static func frontEndSpeedups(_ cases: [MeasuredRuns.FrontEnd]) -> [String: Double] {
        var one: [Int: Double] = [:]
        for c in cases where c.streams == 1 { one[c.blocks ?? 0] = c.perKernelUs }
        var out: [String: Double] = [:]
        for c in cases where (c.streams ?? 1) > 1 {
            if let b = c.blocks, let base = one[b], let t = c.perKernelUs, t > 0 { out["\(b)|\(c.streams!)"] = base / t }
        }
        return out
    }

    /// Measured branch-rule speedups of network forward passes by label.
    static func networkSpeedups(_ nets: [MeasuredRuns.Network]) -> [String: Double] {
        var out: [String: Double] = [:]
        for n in nets where n.mode == "inference" {
            if let s = n.serialGraphMs, let b = n.branchGraphMs, b > 0 { out[n.label] = s / b }
        }
        return out
    }
}
