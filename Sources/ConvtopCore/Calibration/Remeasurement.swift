import Foundation

/// Round 23: 400 dense convolutions that the catalog and three held-out sets already held, measured again in session
/// 21 on another H200 lease, in one process, interleaved, twice (`Assets/calibration/remeasure_manifest.py`,
/// `Assets/calibration/round23/`). It asks whether a stored time repeats, and so whether an error on a held-out set
/// is the measurement's or convtop's; beside it, convtop's signed error on each whole set's dense convolutions that it
/// gives 100 µs or more (the catalog's each left out, as `CatalogCrossValidation` does).
public enum Remeasurement {
    /// Where a re-measured convolution's stored time came from (the manifest's `source`).
    public enum Source: String, CaseIterable, Sendable, Decodable {
        case catalog, round7, round19, round22

        /// The held-out set of single convolutions it names (nil for the catalog).
        public var heldOut: OtherShapes.ConvSet? {
            switch self {
            case .catalog: return nil
            case .round7: return .round7
            case .round19: return .round19
            case .round22: return .round22
            }
        }
    }

    /// One set: its re-measured convolutions against their stored times, and convtop on the set's large ones.
    public struct Row: Sendable {
        public var source: Source
        /// New (the mean of the two passes) over stored, less 1, per convolution.
        public var repeatErrors: [Double]
        /// convtop's time over the measured one, less 1, for the set's dense convolutions convtop gives `largeUs` or
        /// more (chosen by convtop's time, not the measured one: a measured time picks the ops cuDNN ran slowly, and so
        /// a negative error, whatever the model).
        public var largeErrors: [Double]
    }

    /// The size from which a convolution counts as large.
    public static let largeUs = 100.0

    struct Line: Decodable {
        var key: String
        var source: Source
        var storedUs: Double
        enum CodingKeys: String, CodingKey { case key, source, storedUs = "stored_us" }
    }

    /// Each set's row, and the two passes' disagreement per convolution (|pass 1 / pass 0 − 1|), from the catalog's
    /// left-out check (`CatalogCrossValidation`) and the held-out sets' rows (`OtherShapes.convRows`), which
    /// `convtop validate` works out once for its other tables too.
    public static func run(leftOut: CatalogCrossValidation, heldOut: [OtherShapes.ConvSet: [OtherShapes.ConvRow]]) throws
        -> (rows: [Row], passSpread: [Double]) {
        let r = try repeats()
        let rows = Source.allCases.compactMap { s -> Row? in
            guard let errors = r.repeats[s] else { return nil }
            return Row(source: s, repeatErrors: errors,
                       largeErrors: s.heldOut.map { largeErrors(heldOut[$0] ?? []) } ?? largeErrors(leftOut))
        }
        return (rows, r.passSpread)
    }

    /// New (the mean of the two passes) over stored, less 1, per convolution, by set; and |pass 1 / pass 0 − 1|.
    static func repeats() throws -> (repeats: [Source: [Double]], passSpread: [Double]) {
        let lines = try MeasuredRuns.lines("manifest.jsonl.gz", as: Line.self, sub: "/round23/")
        let dir = try OtherShapes.folder() + "/round23/"
        let p0 = try CatalogFile.load(path: dir + "pass0.tsv.gz").catalog, p1 = try CatalogFile.load(path: dir + "pass1.tsv.gz").catalog
        var repeats: [Source: [Double]] = [:], spread: [Double] = []
        for l in lines {
            guard let a = p0.entry(l.key)?.totalUs, let b = p1.entry(l.key)?.totalUs, a > 0, b > 0, l.storedUs > 0 else { continue }
            repeats[l.source, default: []].append((a + b) / 2 / l.storedUs - 1)
            spread.append(abs(b / a - 1))
        }
        return (repeats, spread)
    }

    /// A held-out set's dense convolutions convtop gives `largeUs` or more: their errors.
    static func largeErrors(_ rows: [OtherShapes.ConvRow]) -> [Double] {
        rows.filter { $0.simulatedUs >= largeUs && $0.key.containsBytes("|g=1|") }.map(\.error)
    }

    /// The catalog's dense convolutions predicted at `largeUs` or more with their layer left out: their errors.
    static func largeErrors(_ check: CatalogCrossValidation) -> [Double] {
        check.leftOut.filter { $0.family == .conv && $0.predictedUs >= largeUs && $0.key.containsBytes("|g=1|") }.map(\.error)
    }
}
