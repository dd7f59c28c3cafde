import Foundation

/// How well the catalog predicts shapes it has not measured: each measured layer (all its batch sizes) is left out
/// in turn and predicted from its nearest measured neighbours of the same family and pass, as the lowering does for
/// a miss (`KernelCatalog.nearEstimateUs`). Errors are of the op's total kernel time. Beside them, the model alone
/// (the op rebuilt from its key and lowered without the catalog, `OpSignature.modelledUs`) on the same ops: what an
/// op with no measured neighbour gets.
public struct CatalogCrossValidation: Sendable {
    public struct Row: Sendable {
        public var family: OpFamily
        public var pass: OpPass
        /// Left-out ops with a neighbour close enough to predict them (else the lowering uses the model).
        public var predicted: Int
        public var total: Int
        public var medianError: Double
        public var worstError: Double
        /// The 90th percentile of absolute errors.
        public var p90Error: Double
        /// The model alone (no catalog) on the same predicted ops: median and 90th percentile of absolute errors (nil
        /// for a family convtop cannot rebuild from its keys, the loss).
        public var modelMedianError: Double?, modelP90Error: Double?
    }
    public var rows: [Row]
    /// One predicted op: its key, its measured time and the time its neighbours gave it with its layer left out (µs).
    public struct LeftOut: Sendable {
        public var key: String
        public var family: OpFamily
        public var measuredUs: Double, predictedUs: Double
        public var error: Double { predictedUs / measuredUs - 1 }
    }
    /// Every predicted op, in the catalog's key order.
    public var leftOut: [LeftOut]
    /// Median and worst over every predicted op.
    public var medianError: Double, worstError: Double, predicted: Int, total: Int

    public static func run(catalog: KernelCatalog, gpu: GPUSpec, maxDistance: Double = 1.5) -> CatalogCrossValidation {
        var errors: [String: [Double]] = [:], modelErrors: [String: [Double]] = [:], totals: [String: Int] = [:]
        let entries = catalog.allEntries
        let predictions = (try? parallelMap(entries.count) { i -> (us: Double, model: Double?)? in
            let e = entries[i]
            guard let p = catalog.nearEstimateUs(like: e, gpu: gpu, excludingLayer: e.layerKey, maxDistance: maxDistance),
                  e.totalUs > 0 else { return nil }
            let m = OpSignature(key: e.key)?.modelledUs(gpu: gpu)
            return (p, m.map { $0 / e.totalUs - 1 })
        }) ?? Array(repeating: nil, count: entries.count)
        var leftOut: [LeftOut] = []
        for (e, p) in zip(entries, predictions) {
            let cls = "\(e.family.rawValue).\(e.pass.rawValue)"
            totals[cls, default: 0] += 1
            if let p {
                let one = LeftOut(key: e.key, family: e.family, measuredUs: e.totalUs, predictedUs: p.us)
                leftOut.append(one)
                errors[cls, default: []].append(one.error)
                if let m = p.model { modelErrors[cls, default: []].append(m) }
            }
        }
        var rows: [Row] = []
        for f in OpFamily.allCases {
            for p in OpPass.allCases {
                let cls = "\(f.rawValue).\(p.rawValue)"
                guard let total = totals[cls] else { continue }
                let errs = errors[cls] ?? []
                let mw = FidelityReport.medianWorst(errs)
                let model = modelErrors[cls] ?? []
                rows.append(Row(family: f, pass: p, predicted: errs.count, total: total, medianError: mw.median,
                                worstError: mw.worst, p90Error: percentile(errs, 0.9),
                                modelMedianError: model.isEmpty ? nil : FidelityReport.medianWorst(model).median,
                                modelP90Error: model.isEmpty ? nil : percentile(model, 0.9)))
            }
        }
        let all = errors.values.flatMap { $0 }
        let mw = FidelityReport.medianWorst(all)
        return CatalogCrossValidation(rows: rows, leftOut: leftOut, medianError: mw.median, worstError: mw.worst, predicted: all.count,
                                      total: entries.count)
    }

    static func percentile(_ xs: [Double], _ q: Double) -> Double {
        let a = xs.map(abs).sorted()
        return a.isEmpty ? 0 : a[min(a.count - 1, Int(Double(a.count) * q))]
    }
}
