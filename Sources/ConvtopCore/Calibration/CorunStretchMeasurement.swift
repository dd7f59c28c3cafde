import Foundation

/// Where the profiles' `corun_stretch_us` comes from (as `Assets/calibration/corun_stretch.py` computes it): in four
/// profiled branch-rule replays at batch 1 (round 5's GoogLeNet, Inception-v3 and SqueezeNet; round 13's GoogLeNet
/// with outputs freed), how much longer each memory-bound kernel ran than in the serial replay while a matrix product
/// of another stream overlapped it.
public enum CorunStretchMeasurement {
    /// One profiled kernel: its name, grid, stream and interval (µs).
    struct Activity: Decodable {
        var kind: String?, cat: String?, caseName: String?, variant: String?, model: String?
        var name: String, grid: [Int]?, stream: Int?, ts: Double, dur: Double
        enum CodingKeys: String, CodingKey { case kind, cat, caseName = "case", variant, model, name, grid, stream, ts, dur }
    }

    /// The measured stretches, per replay and in all.
    public struct Result: Sendable {
        /// (replay, stretches of its memory-bound kernels beside a product, µs).
        public var replays: [(label: String, stretches: [Double])]
        /// Memory-bound kernels that overlapped only memory-bound kernels, for contrast.
        public var besideMemoryOnly: [Double]
        /// Products that overlapped another stream's product (their stretch holds what the SM shares model too).
        public var productsBesideProducts: [Double]
        public var all: [Double] { replays.flatMap(\.stretches) }
        public var median: Double { Self.median(all) }
        /// The middle value (the upper of the two middle ones for an even count, as `FrontEndSharing.median`); 0 if empty.
        public static func median(_ v: [Double]) -> Double { FrontEndSharing.median(v) ?? 0 }
    }

    enum Role { case product, memory, other }

    static func role(_ name: String) -> Role {
        if KernelClassifier.isMemset(name) || name.hasPrefix("Memcpy") { return .other }
        return KernelClassifier.classify(name).isMatrixProduct ? .product : .memory
    }

    static func read(_ path: String) throws -> [Activity] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConvtopError(.model, "cannot find \(path); set CONVTOP_ASSETS to the Assets directory")
        }
        let text = try Inflate.gunzip([UInt8](data))
        let d = JSONDecoder()
        return text.split(separator: UInt8(ascii: "\n")).compactMap { line in
            guard let a = try? d.decode(Activity.self, from: Data(line)), a.kind == "activity" else { return nil }
            return a
        }
    }

    /// The four replays (serial and concurrent kernels each) from the two shipped files.
    static func replays() throws -> [(label: String, serial: [Activity], concurrent: [Activity])] {
        guard let dir = AssetLocator.directory("calibration") else {
            throw ConvtopError(.model, "cannot find convtop's Assets/calibration folder; set CONVTOP_ASSETS to the Assets directory")
        }
        var out: [(String, [Activity], [Activity])] = []
        let r5 = try read(dir + "/round5/replay_profiles.jsonl.gz").filter { $0.cat == "kernel" && !($0.caseName ?? "").hasPrefix("conv_") }
        for c in ["googlenet_b1", "inception_v3_b1", "squeezenet1_0_b1"] {
            out.append(("round 5 \(c)", r5.filter { $0.caseName == c && $0.variant == "serial" },
                        r5.filter { $0.caseName == c && $0.variant == "streams" }))
        }
        let r13 = try read(dir + "/round13/branch_liveness_kernels.jsonl.gz").filter { $0.model == "googlenet" }
        out.append(("round 13 googlenet_b1", r13.filter { $0.variant == "serial" }, r13.filter { $0.variant == "branch_freed" }))
        return out
    }

    /// Serial and concurrent kernels paired by name, grid and occurrence in start order.
    static func matched(_ serial: [Activity], _ concurrent: [Activity]) -> [(Activity, Activity)] {
        func index(_ acts: [Activity]) -> [String: Activity] {
            var seen: [String: Int] = [:], out: [String: Activity] = [:]
            for a in acts.sorted(by: { $0.ts < $1.ts }) {
                let key = a.name + "|" + (a.grid ?? []).map(String.init).joined(separator: ",")
                out[key + "#\(seen[key, default: 0])"] = a
                seen[key, default: 0] += 1
            }
            return out
        }
        let s = index(serial), c = index(concurrent)
        return c.keys.sorted().compactMap { k in s[k].map { ($0, c[k]!) } }
    }

    public static func run() throws -> Result {
        var perReplay: [(String, [Double])] = [], memoryOnly: [Double] = [], products: [Double] = []
        for (label, serial, concurrent) in try replays() {
            var mine: [Double] = []
            for (s, c) in matched(serial, concurrent) where role(c.name) != .other {
                let start = c.ts, end = c.ts + c.dur
                let others = concurrent.filter { (o: Activity) -> Bool in o.stream != c.stream && o.ts < end && o.ts + o.dur > start }
                guard !others.isEmpty else { continue }
                let stretch = c.dur - s.dur, besideProduct = others.contains { role($0.name) == .product }
                switch (role(c.name), besideProduct) {
                case (.memory, true): mine.append(stretch)
                case (.memory, false): memoryOnly.append(stretch)
                case (.product, true): products.append(stretch)
                default: break
                }
            }
            perReplay.append((label, mine))
        }
        return Result(replays: perReplay, besideMemoryOnly: memoryOnly, productsBesideProducts: products)
    }
}
