import Foundation

/// One kernel a measured op launched: launch configuration and median standalone duration.
public struct CatalogKernel: Sendable, Hashable {
    public var name: String
    public var grid: Dim3
    public var block: Dim3
    public var registersPerThread: Int
    public var sharedMemory: Int
    public var durationUs: Double
    /// convtop's class for the kernel, from its name (`KernelClassifier`).
    public var kernelClass: KernelClass
}

/// One measured op instance: its signature key, the work convtop counts for it, and the kernels it launched in order.
public struct CatalogEntry: Sendable {
    public var key: String
    public var layerKey: String
    public var family: OpFamily
    public var pass: OpPass
    /// FLOPs and bytes of convtop's kernels for the op when the manifest was written: the neighbour distance.
    public var flops: Double
    public var bytes: Double
    public var kernels: [CatalogKernel]
    public var totalUs: Double { kernels.reduce(0) { $0 + $1.durationUs } }
    /// Kernel size, stride, grouping: what must match for neighbours (`OpSignature.shapeClass`).
    public var shapeClass: String
    var logFlops: Double { log(max(flops, 1)) }
    var logBytes: Double { log(max(bytes, 1)) }
    /// log channels and log positions from the key (`OpSignature.logShape`).
    var logChannels: Double
    var logPositions: Double
}

/// Real kernels per op instance, measured with PyTorch's profiler on one GPU (`Assets/catalog/<gpu>/catalog.tsv.gz`,
/// written by `Assets/catalog/measure_catalog.py`, or a folder `convtop calibrate` made).
///
/// The lowering asks it per op: an exact key gives the measured kernels; a miss gets convtop's modelled kernels with
/// their time estimated from the nearest measured ops of the same family and pass (`nearEstimateUs`).
public final class KernelCatalog: @unchecked Sendable {  // mutable state: the decode caches, under `lock`
    /// The GPU the catalog was measured on (profile name) and its compute capability major.
    public let gpuName: String
    public let ccMajor: Int
    /// Entries given whole (tests, merged catalogs).
    private let given: [String: CatalogEntry]
    /// Entries read from a file: the file's bytes, its kernel names, and each key's line (decoded on first use, so
    /// that start-up reads only the keys).
    private let text: [UInt8]
    private let names: [Int: String]
    private let lines: [String: Range<Int>]
    let lock = NSLock()
    private var decoded: [String: CatalogEntry?] = [:]
    /// Kernel classes by name index: classifying a long library name is slow, and a catalog has few distinct names.
    private var classes: [Int: KernelClass] = [:]
    /// Pools by "family.pass", each built on the first miss of that family and pass.
    private var pools: [String: [String: [CatalogEntry]]] = [:]
    /// The measured grouped convolutions' paths (`GroupPaths`), built on the first grouped convolution lowered.
    var groupPathCache: [GroupPaths.Measured]?
    /// The model's time for an op by GPU profile and key (`modelledUs`), worked out the first time the op is a
    /// neighbour. Keyed by the whole profile, not its name: a what-if (`convtop explain`) or a clean process changes
    /// fields under the same name, and a value from another profile would make the result depend on which ran first.
    private var modelled: [GPUSpec: [String: Double]] = [:]
    /// Measured ops that price only themselves (`CatalogFile.exactFileName`): found by `entry` for their own keys,
    /// never a neighbour, a group-path voter or a left-out check's subject.
    private var exactOnly: KernelCatalog?

    public init(gpuName: String, ccMajor: Int, entries: [CatalogEntry]) {
        self.gpuName = gpuName
        self.ccMajor = ccMajor
        var map: [String: CatalogEntry] = [:]
        for e in entries { map[e.key] = e }
        given = map
        text = []; names = [:]; lines = [:]
    }

    init(gpuName: String, ccMajor: Int, text: [UInt8], names: [Int: String], lines: [String: Range<Int>]) {
        self.gpuName = gpuName; self.ccMajor = ccMajor
        given = [:]
        self.text = text; self.names = names; self.lines = lines
    }

    /// How many op instances the catalog holds.
    public var count: Int { given.count + lines.count }

    /// Attaches the ops that price only themselves (loaded beside the catalog by `CatalogFile.cached`).
    func attachExactOnly(_ c: KernelCatalog) { lock.withLock { exactOnly = c } }

    /// How many ops price only themselves.
    public var exactOnlyCount: Int { lock.withLock { exactOnly?.count ?? 0 } }

    /// The measured op with this signature key, if any (nil too for a line that does not decode); an op that prices
    /// only itself is found here too.
    public func entry(_ key: String) -> CatalogEntry? {
        if let e = given[key] { return e }
        guard let range = lines[key] else { return lock.withLock({ exactOnly })?.entry(key) }
        lock.lock(); defer { lock.unlock() }
        if let e = decoded[key] { return e }
        let e = CatalogFile.decodeEntry(key: key, fields: text[range], names: names) { i, name in
            if let c = classes[i] { return c }
            let c = KernelClassifier.classify(name)
            classes[i] = c
            return c
        }
        decoded[key] = e
        return e
    }

    /// The names of the kernels the op `key` launched, in order, read off its line without decoding the rest (nil for a
    /// key the catalog lacks): a grouped convolution's path needs no more, and decoding thousands of long entries did
    /// (`GroupPaths`).
    func kernelNames(_ key: String) -> [String]? {
        if let e = given[key] { return e.kernels.map(\.name) }
        guard let range = lines[key] else { return nil }
        // The line after the key: FLOPs, bytes, then kernels separated by ';', each "name index,…".
        var tabs = 0, i = range.lowerBound
        while i < range.upperBound && tabs < 2 { if text[i] == UInt8(ascii: "\t") { tabs += 1 }; i += 1 }
        var out: [String] = [], index = 0, digits = 0, atStart = true
        while i <= range.upperBound {
            let b = i < range.upperBound ? text[i] : UInt8(ascii: ";")
            if atStart {
                if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") && digits < 9 {
                    index = index * 10 + Int(b - UInt8(ascii: "0")); digits += 1
                } else {
                    guard digits > 0, let name = names[index] else { return nil }
                    out.append(name)
                    atStart = false
                }
            }
            if b == UInt8(ascii: ";") { atStart = true; index = 0; digits = 0 }
            i += 1
        }
        return out
    }

    /// Every key, unsorted (entries are not decoded).
    var allKeys: [String] { Array(given.keys) + Array(lines.keys) }

    /// Every entry that decodes, sorted by key.
    public var allEntries: [CatalogEntry] { allKeys.sorted().compactMap { entry($0) } }

    /// Entries by family, pass and shape class (`shapeClass`), for neighbour searches. The pools of a family and pass
    /// are built on its first miss, from its entries alone: building every pool at once decoded all 37,000 entries on
    /// any network's first miss (0.8 s), where a convolution's forward pass needs a fifth of them.
    func pool(_ cls: String) -> [CatalogEntry] {
        let familyPass = String(cls.prefix { $0 != "|" })
        if let p = lock.withLock({ pools[familyPass] }) { return p[cls] ?? [] }
        let prefix = familyPass + "|"
        var groups: [String: [CatalogEntry]] = [:]
        for key in allKeys.filter({ $0.hasPrefix(prefix) }).sorted() {
            guard let e = entry(key) else { continue }
            groups["\(e.family.rawValue).\(e.pass.rawValue)|\(e.shapeClass)", default: []].append(e)
        }
        lock.withLock { pools[familyPass] = groups }
        return groups[cls] ?? []
    }

    /// The time (µs) of an op the catalog lacks, estimated from its nearest measured neighbours (below).
    public func nearEstimateUs(_ sig: OpSignature, flops: Double, bytes: Double, gpu: GPUSpec,
                               excludingLayer: String? = nil, maxDistance: Double = 1.5, k: Int = 6) -> Double? {
        let f = sig.logShape
        return nearEstimateUs(family: sig.family, pass: sig.pass, shapeClass: GroupPaths.shapeClass(sig, catalog: self), flops: flops, bytes: bytes,
                              logChannels: f.channels, logPositions: f.positions, modelKey: sig.key, gpu: gpu,
                              excludingLayer: excludingLayer, maxDistance: maxDistance, k: k)
    }

    /// The model's time (µs) for the op a key names, alone on `gpu` (`OpSignature.modelledUs`), or nil where the model
    /// cannot rebuild it. Remembered: the same neighbours serve many ops.
    func modelledUs(key: String, gpu: GPUSpec) -> Double? {
        if let v = lock.withLock({ modelled[gpu]?[key] }) { return v > 0 ? v : nil }
        // (worked out outside the lock: the lowering may read the catalog, e.g. for a grouped convolution's path)
        let v = OpSignature(key: key)?.modelledUs(gpu: gpu) ?? 0
        lock.withLock { modelled[gpu, default: [:]][key] = v }
        return v > 0 ? v : nil
    }

    /// The measured op nearest to one the catalog lacks, by `nearEstimateUs`'s distance (nil with none within it).
    public func nearestEntry(_ sig: OpSignature, flops: Double, bytes: Double, maxDistance: Double = 1.5) -> CatalogEntry? {
        let f = sig.logShape
        return nearest(family: sig.family, pass: sig.pass, shapeClass: GroupPaths.shapeClass(sig, catalog: self), flops: flops, bytes: bytes, logChannels: f.channels,
                       logPositions: f.positions, excludingLayer: nil, maxDistance: maxDistance, k: 1).first?.e
    }

    /// The `k` nearest measured ops of the family and pass (same shape class), nearest first.
    private func nearest(family: OpFamily, pass: OpPass, shapeClass: String, flops: Double, bytes: Double, logChannels: Double,
                         logPositions: Double, excludingLayer: String?, maxDistance: Double, k: Int) -> [(d: Double, e: CatalogEntry)] {
        let pool = self.pool("\(family.rawValue).\(pass.rawValue)|\(shapeClass)")
        let lf = log(max(flops, 1)), lb = log(max(bytes, 1))
        let limit = Self.distanceLimit(family, maxDistance: maxDistance)
        var best: [(d: Double, e: CatalogEntry)] = []
        for e in pool where e.layerKey != excludingLayer {
            let d = Self.distance(family, (lf, lb, logChannels, logPositions), (e.logFlops, e.logBytes, e.logChannels, e.logPositions))
            guard d <= limit else { continue }
            if best.count < k || d < best[best.count - 1].d || (d == best[best.count - 1].d && e.key < best[best.count - 1].e.key) {
                best.append((d, e))
                best.sort { $0.d != $1.d ? $0.d < $1.d : $0.e.key < $1.e.key }
                if best.count > k { best.removeLast() }
            }
        }
        return best
    }

    /// The estimate for an op measured elsewhere (a left-out layer, a held-out check), from its entry's signature and work.
    func nearEstimateUs(like e: CatalogEntry, gpu: GPUSpec, excludingLayer: String? = nil, maxDistance: Double = 1.5) -> Double? {
        nearEstimateUs(family: e.family, pass: e.pass, shapeClass: e.shapeClass, flops: e.flops, bytes: e.bytes,
                       logChannels: e.logChannels, logPositions: e.logPositions, modelKey: e.key, gpu: gpu,
                       excludingLayer: excludingLayer, maxDistance: maxDistance)
    }

    /// The estimate: the `k` nearest measured ops of the family and pass (same `shapeClass`), by the sum of |log ratio|
    /// of FLOPs and bytes — plus, where kernel choice and grid follow them (convolutions, batch norm, concatenation,
    /// linear layers, adaptive pooling), of channels and of positions (N·H·W) — within `maxDistance` per feature used.
    /// Their log time is regressed on the log of the model's time for each (`modelKey`: the op's key, its time from
    /// `modelledUs`; the model holds tiles, waves, layouts, separate bias kernels and fixed latencies), weighted by
    /// closeness, the slope kept within 0 (fixed costs) and 1.2; the estimate is the fit at the op's own model time.
    /// Element-wise ops, and any op the model cannot price, are carried over by a roofline time instead (FLOPs at the
    /// matrix-product peak or bytes at DRAM bandwidth, whichever is longer). Session 19 (the catalog's left-out check,
    /// each layer out in turn, median error): the model's scale, with the alignment classes, is as good or better than
    /// the roofline's for every family and pass it serves but linear data gradients (5.5% → 5.6%): conv forward
    /// 6.6% → 5.4%, weight gradients 17.5% → 14.7%, linear forward 9.0% → 7.4%, adaptive pooling 5.7% → 1.6%. Round 7's
    /// held-out layers went 17.8% → 15.0%, its networks 3.9% → 3.0%. Returns µs, or nil with no neighbour.
    public func nearEstimateUs(family: OpFamily, pass: OpPass, shapeClass: String, flops: Double, bytes: Double,
                               logChannels: Double, logPositions: Double, modelKey: String? = nil, gpu: GPUSpec,
                               excludingLayer: String? = nil, maxDistance: Double = 1.5, k: Int = 6) -> Double? {
        let best = nearest(family: family, pass: pass, shapeClass: shapeClass, flops: flops, bytes: bytes, logChannels: logChannels,
                           logPositions: logPositions, excludingLayer: excludingLayer, maxDistance: maxDistance, k: k)
        guard !best.isEmpty else {
            // An unaligned convolution with no unaligned neighbour near it takes aligned ones: they price it short
            // (round 19: a median −7% to −12% by pass), the model alone far shorter (−47% to −71%).
            guard let aligned = OpSignature.alignedClass(of: shapeClass) else { return nil }
            return nearEstimateUs(family: family, pass: pass, shapeClass: aligned, flops: flops, bytes: bytes, logChannels: logChannels,
                                  logPositions: logPositions, modelKey: modelKey, gpu: gpu, excludingLayer: excludingLayer,
                                  maxDistance: maxDistance, k: k)
        }
        var target = log(Self.roofline(family, flops: flops, bytes: bytes, gpu: gpu))
        var xs = best.map { log(Self.roofline(family, flops: $0.e.flops, bytes: $0.e.bytes, gpu: gpu)) }
        if let modelKey, Self.carriedByModel(family), let own = modelledUs(key: modelKey, gpu: gpu) {
            let theirs = best.compactMap { modelledUs(key: $0.e.key, gpu: gpu) }
            if theirs.count == best.count { target = log(own); xs = theirs.map(log) }
        }
        var sw = 0.0, sx = 0.0, sy = 0.0
        let pts = zip(best, xs).map { n, x -> (x: Double, y: Double, w: Double) in (x, log(max(n.e.totalUs, 0.01)), 1 / (n.d + 0.05)) }
        for p in pts { sw += p.w; sx += p.w * p.x; sy += p.w * p.y }
        let xm = sx / sw, ym = sy / sw
        var sxx = 0.0, sxy = 0.0
        for p in pts { sxx += p.w * (p.x - xm) * (p.x - xm); sxy += p.w * (p.x - xm) * (p.y - ym) }
        let slope = sxx > 1e-3 * sw ? sxy / sxx : (target > log(5) ? 1 : 0.5)
        return exp(ym + min(max(slope, 0), 1.2) * (target - xm))
    }

    /// The neighbour distance between two ops of `family`, each as (log FLOPs, log bytes, log channels, log positions):
    /// the |log ratio| of FLOPs and bytes, plus those of channels and positions weighted by `shapeWeight`.
    static func distance(_ family: OpFamily, _ a: (Double, Double, Double, Double), _ b: (Double, Double, Double, Double)) -> Double {
        abs(b.0 - a.0) + abs(b.1 - a.1) + shapeWeight(family) * (abs(b.2 - a.2) + abs(b.3 - a.3))
    }

    /// The farthest neighbour that counts: `maxDistance` per feature the distance uses.
    static func distanceLimit(_ family: OpFamily, maxDistance: Double) -> Double { maxDistance * (1 + 2 * shapeWeight(family)) }

    /// Whether neighbours' times are carried over by the model's time (`nearEstimateUs`): not for element-wise ops, whose
    /// model time is their roofline time plus a constant (on the left-out check it was no better, and the front end's
    /// fields were read with adds carried over by their bytes).
    static func carriedByModel(_ f: OpFamily) -> Bool {
        switch f {
        case .conv, .batchnorm, .concat, .linear, .adaptivePool, .pool: return true
        case .relu, .add, .dropout, .loss: return false
        }
    }

    /// How much channels and positions count in the neighbour distance: for ops whose kernel choice and grid follow
    /// them; element-wise ops depend on their size alone.
    static func shapeWeight(_ f: OpFamily) -> Double {
        switch f {
        case .conv, .batchnorm, .concat, .linear, .adaptivePool: return 1
        case .relu, .add, .dropout, .pool, .loss: return 0
        }
    }

    /// µs of an op's FLOPs at its matrix-product peak and its bytes at DRAM bandwidth, whichever is longer: the scale
    /// the neighbours' times are carried over by. The peak is TF32's for convolutions (cuDNN's TF32 tensor cores,
    /// PyTorch's default) and FP32's for linear layers: PyTorch leaves `allow_tf32` off for matrix products, so cuBLAS
    /// runs them on FFMA tiles (the catalog's `sm80_xmma_gemm_f32f32` kernels). At TF32's rate a long, narrow product
    /// (ConvNeXt-T's 100,352 × 96 → 384 at batch 32) would look bandwidth-bound and be carried over by its bytes.
    static func roofline(_ family: OpFamily, flops: Double, bytes: Double, gpu: GPUSpec) -> Double {
        let peak = family == .linear ? gpu.fp32TFLOPS : gpu.tf32TFLOPS
        return max(flops / (peak * 1e6), bytes / (gpu.dramBandwidthGBs * 1e3), 0.01)
    }
}
