import Foundation

/// Whole-run measurements from `Assets/calibration/round2/` (made by `measure_round2.py` on an H200): network
/// iterations (inference and training, serial and with the branch rule) and independent convolution chains on
/// one stream versus several. Every time is a median of CUDA Graph replays unless named eager.
public enum MeasuredRuns {
    /// One network iteration as measured.
    public struct Network: Sendable, Decodable {
        public var model: String
        public var batch: Int
        public var mode: String
        public var serialGraphMs: Double?
        public var branchGraphMs: Double?
        public var serialEagerMs: Double?
        public var branchEagerMs: Double?
        public var kernels: Int?
        public var kernelSumUs: Double?
        enum CodingKeys: String, CodingKey {
            case model, batch, mode, kernels
            case serialGraphMs = "serial_graph_ms", branchGraphMs = "branch_graph_ms", serialEagerMs = "serial_eager_ms"
            case branchEagerMs = "branch_eager_ms", kernelSumUs = "kernel_sum_us"
        }
        public var graphMode: GraphMode { mode == "training" ? .training : .inference }
        public var label: String { "\(model) \(mode) b\(batch)" }
    }

    /// Independent chains of convolutions (or a convolution chain beside element-wise kernels).
    public struct Chains: Sendable, Decodable {
        public var kind: String
        public var batch: Int
        public var channels: Int
        public var map: Int
        public var kernel: Int
        public var depth: Int?
        public var oneChainMs: Double?
        public var serial2Ms: Double?, streams2Ms: Double?, serial4Ms: Double?, streams4Ms: Double?
        // conv_beside_memory
        public var memElements: Int?
        public var serialMs: Double?
        enum CodingKeys: String, CodingKey {
            case kind, batch, channels, map, kernel, depth
            case oneChainMs = "one_chain_ms", serial2Ms = "serial2_ms", streams2Ms = "streams2_ms", serial4Ms = "serial4_ms"
            case streams4Ms = "streams4_ms", memElements = "mem_elements", serialMs = "serial_ms"
        }
        public var label: String {
            let shape = "b\(batch) c\(channels) \(map)×\(map) \(kernel)×\(kernel)"
            return kind == "conv_beside_memory" ? "conv \(shape) beside \(memElements ?? 0 / 1_000_000)M-element ReLUs" : "conv chains \(shape)"
        }
    }

    /// The front-end microbenchmark (`measure_frontend.py`): 512 tiny element-wise kernels of `blocks` thread blocks
    /// as `streams` independent chains in one CUDA Graph; per-kernel time after the empty graph's floor.
    public struct FrontEnd: Sendable, Decodable {
        public var kind: String
        public var blocks: Int?, streams: Int?, kernels: Int?
        public var perKernelUs: Double?, kernelUs: Double?
        enum CodingKeys: String, CodingKey {
            case kind, blocks, streams, kernels
            case perKernelUs = "per_kernel_us", kernelUs = "kernel_us"
        }
    }

    static func lines<T: Decodable>(_ file: String, as: T.Type, folder: String = "calibration", sub: String = "/round2/") throws -> [T] {
        guard let dir = AssetLocator.directory(folder) else {
            throw ConvtopError(.model, "cannot find convtop's Assets/\(folder) folder; set CONVTOP_ASSETS to the Assets directory")
        }
        let path = dir + sub + file
        guard var data = FileManager.default.contents(atPath: path) else { return [] }
        if file.hasSuffix(".gz") {
            do { data = Data(try Inflate.gunzip([UInt8](data))) } catch {
                throw ConvtopError(.model, "\(file): not a gzip file; restore it from the repository")
            }
        }
        let d = JSONDecoder()
        var out: [T] = []
        for (i, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.isEmpty {
            do { out.append(try d.decode(T.self, from: Data(line))) } catch {
                throw ConvtopError(.model, "\(file) line \(i + 1): not a measurement record")
            }
        }
        return out
    }

    /// The records of `file` that `keep` accepts, or an error naming the file if there are none (the Assets folder
    /// lacks it).
    static func required<T: Decodable>(_ file: String, as type: T.Type, sub: String, where keep: (T) -> Bool = { _ in true }) throws -> [T] {
        let recs = try lines(file, as: type, sub: sub).filter(keep)
        guard !recs.isEmpty else {
            throw ConvtopError(.model, "cannot find Assets/calibration\(sub)\(file); set CONVTOP_ASSETS to the Assets directory")
        }
        return recs
    }

    /// Network iterations: inference then training, in file order.
    public static func networks() throws -> [Network] {
        try lines("inference.jsonl", as: Network.self) + lines("training.jsonl", as: Network.self)
    }

    /// convtop's own zoo graphs (written by `GraphFileWriter`) run in PyTorch on the H200 by
    /// `Assets/catalog/measure_catalog.py`: serial and branch rule, CUDA Graph replay, batch 1, 8, 32 and 64.
    public static func zoo() throws -> [Network] {
        try lines("networks.jsonl", as: Network.self, folder: "catalog", sub: "/h200/")
    }

    /// Front-end microbenchmark records (Assets/calibration/round3/frontend.jsonl), device line dropped.
    public static func frontEnd() throws -> [FrontEnd] {
        try lines("frontend.jsonl", as: FrontEnd.self, sub: "/round3/").filter {
            $0.kind == "frontend" && $0.blocks != nil && $0.streams != nil && $0.perKernelUs != nil && ($0.kernels ?? 0) > 0
        }
    }

    /// Concurrency grid records.
    public static func chains() throws -> [Chains] { try lines("pairs.jsonl", as: Chains.self) }
}
