import Foundation

/// The saved-tensor table checked on layers left out of it: each measured backward op of the sweep
/// (`Assets/catalog/<gpu>/backward_cold/`) predicted from the nearest ops of other layers (every batch size of its own
/// layer left out), as its warm time × their median cold factor, against its measured cold time; beside the warm
/// time alone, which is what the catalog gives.
public struct ColdSavedCheck: Sendable {
    /// One family and pass.
    public struct Row: Sendable {
        public var family: OpFamily, pass: OpPass
        public var count: Int
        /// Predicted cold time / measured cold time − 1, and the warm time's.
        public var medianError: Double, worstError: Double
        public var warmMedianError: Double, warmWorstError: Double
    }
    public var rows: [Row]
    public var medianError: Double, worstError: Double
    public var warmMedianError: Double, warmWorstError: Double
    public var count: Int { rows.reduce(0) { $0 + $1.count } }

    /// nil when the catalog's GPU has no saved-tensor table.
    public static func run(catalog: KernelCatalog) -> ColdSavedCheck? {
        guard let table = ColdSaved.forCatalog(catalog) else { return nil }
        var errors: [String: (family: OpFamily, pass: OpPass, predicted: [Double], warm: [Double])] = [:]
        for (p, located) in ColdSaved.tableRows(gpu: catalog.gpuName) {
            guard let l = located, p.coldUs > 0, let sig = OpSignature(key: p.key) else { continue }
            let r = table.nearestRatio(pool: l.pool, family: sig.family, logFlops: l.logFlops, logBytes: l.logBytes,
                                       logChannels: l.logChannels, logPositions: l.logPositions, excludingLayer: l.layerKey) ?? 1
            let k = "\(sig.family.rawValue).\(sig.pass.rawValue)"
            var v = errors[k] ?? (sig.family, sig.pass, [], [])
            v.predicted.append(p.warmUs * r / p.coldUs - 1)
            v.warm.append(p.warmUs / p.coldUs - 1)
            errors[k] = v
        }
        let rows = errors.keys.sorted().map { k -> Row in
            let v = errors[k]!
            let a = FidelityReport.medianWorst(v.predicted), b = FidelityReport.medianWorst(v.warm)
            return Row(family: v.family, pass: v.pass, count: v.predicted.count, medianError: a.median, worstError: a.worst,
                       warmMedianError: b.median, warmWorstError: b.worst)
        }
        let all = FidelityReport.medianWorst(errors.values.flatMap(\.predicted)), warm = FidelityReport.medianWorst(errors.values.flatMap(\.warm))
        return ColdSavedCheck(rows: rows, medianError: all.median, worstError: all.worst, warmMedianError: warm.median, warmWorstError: warm.worst)
    }
}
