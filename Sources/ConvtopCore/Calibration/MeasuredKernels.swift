import Foundation

/// One kernel from a real profiled run (a row of `Assets/calibration/*.csv`).
public struct MeasuredKernel: Sendable, Hashable {
    public var node: String
    public var name: String
    public var grid: Dim3
    public var block: Dim3
    public var registersPerThread: Int
    public var sharedMemory: Int
    public var durationUs: Double
    public var isMemset: Bool

    /// Kernel class from the library kernel's name.
    public var kernelClass: KernelClass { KernelClassifier.classify(name) }
}

/// Assigns real kernel names (cuDNN, CUTLASS, cuBLAS, PyTorch) to convtop's kernel classes.
public enum KernelClassifier {
    /// A memset node rather than a kernel: profilers name them "Memset (Device)", convtop's trace import "Memset".
    public static func isMemset(_ name: String) -> Bool { name.hasPrefix("Memset") }

    public static func classify(_ name: String) -> KernelClass {
        let n = name.lowercased()
        func has(_ s: String...) -> Bool { s.contains { n.contains($0) } }
        if has("nchwtonhwc", "nhwctonchw") { return .layout }
        if has("bn_fw_tr", "bn_bw", "reduce_kernel", "splitkreduce", "softmax", "nll_loss", "welford", "reduce") { return .reduction }
        if has("xmma_gemm_f32f32", "simt_sgemm", "sgemm_") && !has("conv", "fprop", "dgrad", "wgrad") { return .simtGemm }
        if has("gemm", "xmma", "cutlass", "conv") {
            return has("tensorop", "tf32", "sm90_xmma", "1688", "16816", "hmma", "bf16", "f16f16") ? .tensorGemm : .cudaCore
        }
        return .elementwise
    }
}

/// A measured run: its kernels and, from the summary, its iteration times.
public struct MeasuredSet: Sendable {
    public var file: String
    public var gpu: String
    public var model: String
    public var batch: Int
    public var mode: GraphMode
    public var kernels: [MeasuredKernel]
    /// Serial iteration, CUDA Graph replay (inference) or eager (training), milliseconds.
    public var serialMs: Double?
    public var serialLaunch: LaunchMode
    /// The same model multi-stream with Opara's branch rule as a CUDA Graph, milliseconds.
    public var branchMs: Double?

    public var kernelSumUs: Double { kernels.reduce(0) { $0 + $1.durationUs } }
}

/// Reads the shipped calibration sets from `Assets/calibration`.
public enum CalibrationData {
    /// File names look like `h200_googlenet_inf_b32.csv`; `reference_` copies are the externally supplied sets.
    public static func load() throws -> [MeasuredSet] {
        guard let dir = AssetLocator.directory("calibration") else {
            throw ConvtopError(.model, "cannot find convtop's Assets/calibration folder; set CONVTOP_ASSETS to the Assets directory")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".csv") }.sorted()
        var summaries: [String: [[String: Any]]] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: dir) where f.hasSuffix("_summary.json") {
            if let d = FileManager.default.contents(atPath: dir + "/" + f),
               let o = try? JSONSerialization.jsonObject(with: d) as? [String: Any], let cases = o["cases"] as? [[String: Any]] {
                summaries[String(f.dropLast("_summary.json".count))] = cases
            }
        }
        var sets: [MeasuredSet] = []
        for f in files {
            var stem = String(f.dropLast(4))
            let reference = stem.hasPrefix("reference_")
            if reference { stem = String(stem.dropFirst("reference_".count)) }
            let parts = stem.split(separator: "_").map(String.init)
            guard parts.count >= 4, let bpart = parts.last, bpart.hasPrefix("b"), let batch = Int(bpart.dropFirst()) else { continue }
            let gpu = parts[0]
            let mode: GraphMode = parts[parts.count - 2] == "train" ? .training : .inference
            let model = parts[1..<(parts.count - 2)].joined(separator: "_")
            let text = try String(contentsOfFile: dir + "/" + f, encoding: .utf8)
            var set = MeasuredSet(file: f, gpu: gpu, model: model, batch: batch, mode: mode, kernels: try parseCSV(text, file: f),
                                  serialMs: nil, serialLaunch: mode == .training ? .eager : .graph, branchMs: nil)
            if let c = summaries[gpu]?.first(where: { ($0["model"] as? String) == model && ($0["batch"] as? Int) == batch
                && ($0["mode"] as? String) == mode.rawValue }) {
                set.serialMs = (c[mode == .training ? "serial_eager_ms" : "serial_graph_ms"] as? Double)
                set.branchMs = c["branch_graph_ms"] as? Double
            }
            if reference {
                // The supplied sets' README gives their CUDA Graph replay times.
                set.serialMs = batch == 1 ? 0.923 : (batch == 32 ? 3.045 : nil)
            }
            sets.append(set)
        }
        return sets
    }

    /// Two-convolution overlap measurements from the summaries: (label, input shape, cin, cout, k, serial ms, two-stream ms).
    public static func pairs() -> [(label: String, input: [Int], cin: Int, cout: Int, k: Int, serialMs: Double, parallelMs: Double)] {
        guard let dir = AssetLocator.directory("calibration"),
              let files = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        var out: [(String, [Int], Int, Int, Int, Double, Double)] = []
        for f in files.sorted() where f.hasSuffix("_summary.json") {
            guard let d = FileManager.default.contents(atPath: dir + "/" + f),
                  let o = try? JSONSerialization.jsonObject(with: d) as? [String: Any], let ps = o["pairs"] as? [[String: Any]] else { continue }
            for p in ps {
                if let l = p["label"] as? String, let i = p["input"] as? [Int], let ci = p["in_channels"] as? Int,
                   let co = p["out_channels"] as? Int, let k = p["kernel"] as? Int, let s = p["serial_ms"] as? Double,
                   let t = p["two_streams_ms"] as? Double {
                    out.append((l, i, ci, co, k, s, t))
                }
            }
        }
        return out
    }

    /// Parses the calibration CSV format (quoted kernel names may contain commas).
    public static func parseCSV(_ text: String, file: String) throws -> [MeasuredKernel] {
        var rows: [MeasuredKernel] = []
        for (i, line) in text.split(whereSeparator: \.isNewline).enumerated() where i > 0 {
            let f = splitCSVLine(String(line))
            guard f.count == 12, let d = Double(f[11]) else {
                throw ConvtopError(.model, "\(file): line \(i + 1) does not have the 12 calibration columns")
            }
            let n = f.map { Int($0) ?? 0 }
            rows.append(MeasuredKernel(node: f[0], name: f[2], grid: Dim3(n[3], n[4], n[5]), block: Dim3(n[6], n[7], n[8]),
                                       registersPerThread: n[9], sharedMemory: n[10], durationUs: d,
                                       isMemset: f[1] != "kernel" || KernelClassifier.isMemset(f[2])))
        }
        return rows
    }

    static func splitCSVLine(_ line: String) -> [String] {
        var out: [String] = []
        var cur = ""
        var quoted = false
        var it = line.makeIterator()
        while let c = it.next() {
            if c == "\"" {
                if quoted, let nx = it.next() {
                    if nx == "\"" { cur.append("\"") } else { quoted = false; if nx == "," { out.append(cur); cur = "" } else { cur.append(nx) } }
                } else { quoted.toggle() }
            } else if c == "," && !quoted {
                out.append(cur); cur = ""
            } else { cur.append(c) }
        }
        out.append(cur)
        return out
    }
}
