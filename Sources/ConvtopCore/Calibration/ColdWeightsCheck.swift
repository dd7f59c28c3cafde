import Foundation

/// The cold-weight table checked on layers it was not measured on: the forward linear layers of the held-out
/// ViT-S/B/L set up to 2,048 rows (`Assets/catalog/h200/linear_cold/cold_check.jsonl.gz`, measured beside the sweep by
/// `measure_cold_linear.py`), each timed warm and with its weights flushed from the L2. Each cold time is predicted
/// as its warm time plus the extra of the sweep's nearest shapes (`ColdWeights.extraUs`), against the warm time alone.
public struct ColdWeightsCheck: Sendable {
    public var count: Int
    /// Predicted cold time / measured cold time − 1.
    public var medianError: Double, worstError: Double
    /// The warm time taken for the cold one.
    public var warmMedianError: Double, warmWorstError: Double

    /// nil when the catalog's GPU has no cold-weight table or no check set is shipped.
    public static func run(catalog: KernelCatalog) throws -> ColdWeightsCheck? {
        guard let table = ColdWeights.forCatalog(catalog) else { return nil }
        let points = try MeasuredRuns.lines("cold_check.jsonl.gz", as: ColdWeights.Point.self, folder: "catalog",
                                            sub: "/\(catalog.gpuName)/linear_cold/")
        guard !points.isEmpty else { return nil }
        let predicted = points.map { p in
            (p.warmUs + max(0, table.extraUs(rows: p.rows, inputs: p.inputs, outputs: p.outputs))) / p.coldUs - 1
        }
        let warm = points.map { $0.warmUs / $0.coldUs - 1 }
        let a = FidelityReport.medianWorst(predicted), b = FidelityReport.medianWorst(warm)
        return ColdWeightsCheck(count: points.count, medianError: a.median, worstError: a.worst,
                                warmMedianError: b.median, warmWorstError: b.worst)
    }
}
