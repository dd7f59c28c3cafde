import Foundation

/// Networks no timing parameter was fitted on: the ONNX corpus (Assets/onnx/exported, TorchScript exports at
/// opset 17) against the H200 measurements `export_and_measure.py` made of the same networks in PyTorch
/// (Assets/onnx/measured): serial CUDA Graph replay at batch 1 and 32 for every network, the branch rule's speedup
/// where torch.fx could trace the network, and training steps at batch 32.
public enum HeldOutNetworks {
    struct Serial: Decodable {
        var network: String
        var b1: Double?, b32: Double?
        enum CodingKeys: String, CodingKey { case network, b1 = "serial_graph_ms_b1", b32 = "serial_graph_ms_b32" }
    }

    static func read<T: Decodable>(_ dir: String, _ file: String, as: T.Type) -> [T] {
        guard let data = FileManager.default.contents(atPath: dir + "/measured/" + file) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONDecoder().decode(T.self, from: Data($0)) }
    }

    /// The TorchScript (opset 17) export of `network` in the corpus folder `dir`, if it is there.
    static func export(_ network: String, in dir: String) -> String? {
        let file = dir + "/exported/\(network)__ts17.onnx.gz"
        return FileManager.default.fileExists(atPath: file) ? file : nil
    }

    /// Simulates every held-out measurement on `gpu` (default: the H200 profile).
    public static func run(gpu: GPUSpec? = nil) throws -> [FidelityReport.NetworkRow] {
        let dir = try corpusDirectory()
        let g = try gpu ?? GPUCatalog.load("h200")
        var list: [Case] = []
        let branches = Dictionary(read(dir, "inference.jsonl", as: MeasuredRuns.Network.self).map { ("\($0.model) \($0.batch)", $0) },
                                  uniquingKeysWith: { $1 })
        for s in read(dir, "networks.jsonl", as: Serial.self) {
            guard let file = export(s.network, in: dir) else { continue }
            for (batch, ms) in [(1, s.b1), (32, s.b32)] {
                guard let ms else { continue }
                let m = branches["\(s.network) \(batch)"]
                list.append((file, "\(s.network) inference b\(batch)", batch, .inference, ms, m?.branchGraphMs))
            }
        }
        for t in read(dir, "training.jsonl", as: MeasuredRuns.Network.self) {
            guard let ms = t.serialGraphMs, let file = export(t.model, in: dir) else { continue }
            list.append((file, "\(t.model) training b\(t.batch)", t.batch, .training, ms, t.branchGraphMs))
        }
        return try simulate(list, gpu: g)
    }

    /// The corpus's networks at batch 4, 16 and 64 and five of its training steps at batch 8 and 64
    /// (`measure_batches.py`, Assets/onnx/measured/batches/batches.jsonl): new batch sizes, measured after every
    /// other set here was fitted or catalogued; each simulated from its opset-17 export, re-batched.
    public static func runBatches(gpu: GPUSpec? = nil) throws -> [FidelityReport.NetworkRow] {
        let dir = try corpusDirectory()
        let g = try gpu ?? GPUCatalog.load("h200")
        let list = read(dir, "batches/batches.jsonl", as: MeasuredRuns.Network.self).compactMap { m -> Case? in
            guard let ms = m.serialGraphMs, let file = export(m.model, in: dir) else { return nil }
            return (file, m.label, m.batch, m.graphMode, ms, m.branchGraphMs)
        }
        return try simulate(list, gpu: g)
    }

    static func corpusDirectory() throws -> String {
        guard let dir = AssetLocator.directory("onnx") else {
            throw ConvtopError(.model, "cannot find convtop's Assets/onnx folder; set CONVTOP_ASSETS to the Assets directory")
        }
        return dir
    }

    typealias Case = (model: String, label: String, batch: Int, mode: GraphMode, serial: Double, branch: Double?)

    static func simulate(_ cases: [Case], gpu g: GPUSpec) throws -> [FidelityReport.NetworkRow] {
        try parallelMap(cases.count) { i in
            let c = cases[i]
            return try FidelityReport.networkRow(model: c.model, label: c.label, batch: c.batch, mode: c.mode, serialMs: c.serial,
                                                 branchMs: c.branch, gpu: g, simulateBranch: false)
        }
    }
}
