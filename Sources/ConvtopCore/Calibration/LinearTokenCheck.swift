import Foundation

/// Linear layers at the row counts transformers really run (batch × 50, 197 or 577 tokens; widths of ViT-S, ViT-B and
/// ViT-L blocks), measured standalone on the H200 like the catalog (`Assets/catalog/h200/linear_check/`) and never
/// merged into it: each is predicted from the shipped catalog's nearest neighbours, as the lowering prices a linear
/// layer it lacks (`KernelCatalog.nearEstimateUs`). The catalog's linear sweep (`CatalogManifest.addLinearSweep`)
/// has rows four to an octave, so none of these row counts is in it.
public struct LinearTokenCheck: Sendable {
    /// One pass's errors (estimate / measured − 1).
    public struct Row: Sendable {
        public var pass: OpPass
        public var count: Int
        public var medianError: Double, p90Error: Double, worstError: Double
        /// Median signed error: a bias the neighbours carry.
        public var medianSigned: Double
    }
    public var rows: [Row]
    public var medianError: Double, worstError: Double, count: Int

    /// The folder of the check measurements.
    public static let folder = "h200/linear_check"

    /// Predicts every measured op of the check set from `catalog`; nil when the check set is not shipped.
    public static func run(catalog: KernelCatalog, gpu: GPUSpec) throws -> LinearTokenCheck? {
        guard let root = AssetLocator.directory("catalog") else { return nil }
        let path = root + "/" + folder + "/" + CatalogFile.fileName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let measured = try CatalogFile.load(path: path).catalog.allEntries.filter { $0.family == .linear && $0.totalUs > 0 }
        var errors: [OpPass: [Double]] = [:]
        for e in measured {
            guard let p = catalog.nearEstimateUs(like: e, gpu: gpu, maxDistance: CatalogLowering.nearestDistance) else { continue }
            errors[e.pass, default: []].append(p / e.totalUs - 1)
        }
        let rows = OpPass.allCases.compactMap { pass -> Row? in
            guard let errs = errors[pass], !errs.isEmpty else { return nil }
            let mw = FidelityReport.medianWorst(errs)
            let signed = errs.sorted()[errs.count / 2]
            return Row(pass: pass, count: errs.count, medianError: mw.median,
                       p90Error: CatalogCrossValidation.percentile(errs, 0.9), worstError: mw.worst, medianSigned: signed)
        }
        let all = errors.values.flatMap { $0 }
        let mw = FidelityReport.medianWorst(all)
        return LinearTokenCheck(rows: rows, medianError: mw.median, worstError: mw.worst, count: all.count)
    }
}
