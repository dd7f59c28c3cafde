import ConvtopCore

/// The second-lease part of `convtop validate`: the round-4 sets, their repeatability and the spread between leases.
extension FidelityOutput {
    static func spreadText(_ xs: [Double]) -> String {
        let s = FidelityReport.medianWorst(xs)
        return "median \(fmt(s.median, 3)), worst \(fmt(s.worst, 3)) over \(xs.count)"
    }

    static func printSecondLease(_ s: SecondLeaseReport, allChains: Bool) {
        Swift.print("\nSecond lease (Assets/calibration/round4, measure_device_side.py: the chain, front-end and network sets again on another H200, timed on the device alone, two passes; simulated with the device's \(fmt(s.graphFloorUs, 2)) µs graph start-up measured there in place of the profile's \(fmt(s.hostLaunchUs, 1)) µs host launch)")
        let worst = shown(s.chains, all: allChains, count: 8, error: \.speedupError)
        Swift.print("Chains (\(s.chains.count) cases\(allChains ? "" : "; the 8 worst shown"))")
        chainTable(worst)
        let fe = shown(s.frontEnd.filter { $0.streams > 1 }, all: allChains, count: 8, error: \.speedupError)
        Swift.print("Front end (\(s.frontEndSpeedupErrors.count) multi-chain cases\(allChains ? "" : "; the 8 worst shown"))")
        frontEndTable(fe)
        Swift.print("Networks (\(s.networks.count) forward passes)")
        networkTable(Array(s.networks.sorted { abs($0.speedupError ?? 0) > abs($1.speedupError ?? 0) }.prefix(allChains ? s.networks.count : 8)))
        let sp = FidelityReport.medianWorst(s.speedupErrors), se = FidelityReport.medianWorst(s.serialErrors)
        let net = FidelityReport.medianWorst(s.networks.compactMap(\.speedupError)), ch = FidelityReport.medianWorst(s.chains.map(\.speedupError))
        let f = FidelityReport.medianWorst(s.frontEndSpeedupErrors)
        Swift.print("Second-lease summary: multi-stream speedup error median \(fmt(sp.median, 3)), worst \(fmt(sp.worst, 3)) (networks \(fmt(net.median, 3))/\(fmt(net.worst, 3)), chains \(fmt(ch.median, 3))/\(fmt(ch.worst, 3)), front end \(fmt(f.median, 3))/\(fmt(f.worst, 3))); serial time error median \(pct1(se.median)), worst \(pct1(se.worst)) over \(s.networks.count) network sets")
        Swift.print("Measured speedups, pass 1 against pass 0 (one machine): chains \(spreadText(s.passSpread.chains)); front end \(spreadText(s.passSpread.frontEnd)); networks \(spreadText(s.passSpread.networks))")
        Swift.print("Measured speedups, second lease against first (the same cases): chains \(spreadText(s.leaseSpread.chains)); front end \(spreadText(s.leaseSpread.frontEnd)); networks \(spreadText(s.leaseSpread.networks))")
        func half(_ xs: [Double]) -> String { fmt(FidelityReport.medianWorst(xs).worst / 2, 3) }
        Swift.print("So no one model can come within chains \(half(s.leaseSpread.chains)), front end \(half(s.leaseSpread.frontEnd)), networks \(half(s.leaseSpread.networks)) of both leases on every case (half the worst difference between them).")
    }
}
