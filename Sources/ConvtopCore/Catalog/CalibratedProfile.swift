import Foundation

/// The GPU profile `convtop calibrate` writes beside its catalog: the shipped profile of the nearest GPU of the same
/// architecture, with what the measuring script read or measured on this device put in its place.
///
/// Read from the device: name, compute capability, SM count, L2 size and per-SM limits. Measured: DRAM bandwidth as
/// the device-to-device copy rate ÷ 0.9, and peak rates as 8192³ matrix products ÷ 0.8 (bf16 for fp16/bf16, TF32 as
/// half of that, fp32 from an fp32 product) — on the H200 those ratios give back its datasheet's 4.8 TB/s and
/// 989 TFLOP/s (copy 4.3 TB/s and bf16 790 TFLOP/s seen there). Fitted efficiencies, latencies and host costs are the
/// base profile's: the catalog, not the roofline, prices the kernels it holds.
public enum CalibratedProfile {
    public static func write(folder: String, catalogGPU: String) throws -> GPUSpec {
        let deviceData = try InputFile.read(folder + "/device.json", what: "device description")
        guard let device = try? JSONSerialization.jsonObject(with: deviceData) as? [String: Any] else {
            throw ConvtopError(.model, "device.json is not valid JSON; run convtop calibrate again")
        }
        let json = try profileJSON(device: device, name: catalogGPU)
        try OutputFile.write(json, to: folder + "/gpu.json", overwrite: false)
        return try GPUCatalog.decode(Data(json.utf8), file: "gpu.json")
    }

    /// The profile as JSON text, from the script's device description.
    public static func profileJSON(device d: [String: Any], name: String) throws -> String {
        func num(_ k: String) -> Double? { (d[k] as? NSNumber)?.doubleValue }
        let major = Int(num("major") ?? 0), minor = Int(num("minor") ?? 0)
        let sms = Int(num("sm_count") ?? 0)
        let shipped = GPUCatalog.names().compactMap { try? GPUCatalog.load($0) }
        guard let base = shipped.filter({ $0.ccMajor == major }).min(by: { abs($0.smCount - sms) < abs($1.smCount - sms) })
                ?? shipped.min(by: { abs($0.ccMajor - major) < abs($1.ccMajor - major) }),
              let dir = AssetLocator.directory("gpus"),
              let baseData = FileManager.default.contents(atPath: dir + "/" + base.name + ".json"),
              var p = try? JSONSerialization.jsonObject(with: baseData) as? [String: Any] else {
            throw ConvtopError(.model, "no shipped GPU profile to start from; set CONVTOP_ASSETS to convtop's Assets directory")
        }
        p["name"] = name
        p["full_name"] = SafeText.printable((d["name"] as? String) ?? name)
        p["compute_capability"] = "\(major).\(minor)"
        p["calibration"] = "measured"
        if sms > 0 { p["sm_count"] = sms }
        if let l2 = num("l2_bytes"), l2 > 0 { p["l2_bytes"] = Int(l2) }
        if let t = num("max_threads_per_sm"), t > 0 { p["max_threads_per_sm"] = Int(t); p["max_warps_per_sm"] = Int(t) / 32 }
        if let r = num("registers_per_sm"), r > 0 { p["registers_per_sm"] = Int(r) }
        if let s = num("shared_memory_per_sm"), s > 0 { p["shared_memory_per_sm"] = Int(s) }
        if let c = num("copy_gbs"), c > 0 { p["dram_bandwidth_gbs"] = (c / 0.9).rounded() }
        if let b = num("bf16_tflops"), b > 0 {
            p["bf16_tflops"] = (b / 0.8 * 10).rounded() / 10
            p["fp16_tflops"] = (b / 0.8 * 10).rounded() / 10
            p["tf32_tflops"] = (b / 1.6 * 10).rounded() / 10
        }
        if let f = num("fp32_tflops"), f > 0 { p["fp32_tflops"] = (f / 0.8 * 10).rounded() / 10 }
        p["sources"] = [
            "hardware": "name, compute capability, SM count, L2 and per-SM limits read from the device by PyTorch (device.json)",
            "measured": "dram_bandwidth_gbs = device-to-device copy rate / 0.9; peaks = 8192^3 matrix products / 0.8 (device.json)",
            "fitted": "efficiencies, latencies and host costs copied from the shipped \(base.name) profile",
            "catalog": "kernels of the ops in catalog.tsv.gz measured on this device (Assets/catalog/measure_catalog.py)",
        ]
        let data = try JSONSerialization.data(withJSONObject: p, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
