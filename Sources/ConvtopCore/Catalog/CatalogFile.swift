import Foundation

/// Reads kernel catalogs (`catalog.tsv.gz`, plain or gzip) and finds the one for a GPU.
///
/// Format, one record per line, tab-separated (written by `Assets/catalog/measure_catalog.py`):
/// ```
/// convtop-catalog	1	<gpu profile name>	<compute capability>
/// N	<index>	<kernel name>                          (a kernel name, before its first use)
/// E	<key>	<flops>	<bytes>	<kernel>;<kernel>;…      (kernel = name index,gx,gy,gz,bx,by,bz,registers,shared memory,µs)
/// ```
/// Lines that do not parse are skipped and counted; a catalog with a bad header is refused.
public enum CatalogFile {
    /// The file name inside a catalog folder.
    public static let fileName = "catalog.tsv.gz"

    public static func load(path: String) throws -> (catalog: KernelCatalog, skipped: Int) {
        let raw = try InputFile.read(path, what: "kernel catalog")
        let bytes: [UInt8]
        if raw.starts(with: [0x1f, 0x8b]) {
            do { bytes = try Inflate.gunzip([UInt8](raw)) } catch {
                throw ConvtopError(.model, "\((path as NSString).lastPathComponent): the kernel catalog is not valid gzip; measure it again with convtop calibrate")
            }
        } else {
            bytes = [UInt8](raw)
        }
        return try parse(bytes: bytes, file: (path as NSString).lastPathComponent)
    }

    public static func parse(_ text: String, file: String) throws -> (catalog: KernelCatalog, skipped: Int) {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// Reads the header, the kernel names and where each entry's line lies; entries are decoded when first asked for.
    static func parse(bytes: [UInt8], file: String) throws -> (catalog: KernelCatalog, skipped: Int) {
        let tab = UInt8(ascii: "\t"), nl = UInt8(ascii: "\n")
        var lineStarts: [Range<Int>] = []
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != nl { end += 1 }
            if end > start { lineStarts.append(start..<end) }
            start = end + 1
        }
        guard let first = lineStarts.first else { throw badHeader(file) }
        let header = bytes[first].split(separator: tab, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard header.count >= 4, header[0] == "convtop-catalog", header[1] == "1" else { throw badHeader(file) }
        let cc = Int(header[3].split(separator: ".").first ?? "0") ?? 0
        var names: [Int: String] = [:]
        var lines: [String: Range<Int>] = [:]
        var skipped = 0
        for r in lineStarts.dropFirst() {
            guard r.count > 2, bytes[r.lowerBound + 1] == tab else { skipped += 1; continue }
            var keyEnd = r.lowerBound + 2
            while keyEnd < r.upperBound && bytes[keyEnd] != tab { keyEnd += 1 }
            let field = String(decoding: bytes[(r.lowerBound + 2)..<keyEnd], as: UTF8.self)
            switch bytes[r.lowerBound] {
            case UInt8(ascii: "N"):
                guard let i = Int(field), i >= 0, keyEnd < r.upperBound else { skipped += 1; continue }
                names[i] = SafeText.printable(String(String(decoding: bytes[(keyEnd + 1)..<r.upperBound], as: UTF8.self).prefix(300)))
            case UInt8(ascii: "E") where keyEnd < r.upperBound && field.count <= 4096:
                lines[field] = (keyEnd + 1)..<r.upperBound
            default:
                skipped += 1
            }
        }
        return (KernelCatalog(gpuName: header[2], ccMajor: cc, text: bytes, names: names, lines: lines), skipped)
    }

    static func badHeader(_ file: String) -> ConvtopError {
        ConvtopError(.model, "\(file): not a convtop kernel catalog (the first line must be 'convtop-catalog<TAB>1<TAB>gpu<TAB>cc')")
    }

    /// One entry from its line's fields after the key (FLOPs, bytes, kernels); nil when they do not parse.
    static func decodeEntry(key: String, fields: ArraySlice<UInt8>, names: [Int: String],
                            classify: (Int, String) -> KernelClass) -> CatalogEntry? {
        let f = String(decoding: fields, as: UTF8.self).split(separator: "\t", omittingEmptySubsequences: false)
        guard f.count == 3, let sig = OpSignature(key: key), let flops = Double(f[0]), let bytes = Double(f[1]),
              flops.isFinite, bytes.isFinite, flops >= 0, bytes >= 0 else { return nil }
        var kernels: [CatalogKernel] = []
        for k in f[2].split(separator: ";") {
            let v = k.split(separator: ",")
            guard v.count == 10, let ni = Int(v[0]), let name = names[ni] else { return nil }
            let n = v[1...8].compactMap { Int($0) }
            guard n.count == 8, n.allSatisfy({ $0 >= 0 && $0 <= 1 << 31 }), let us = Double(v[9]), us.isFinite, us >= 0, us < 1e7 else { return nil }
            kernels.append(CatalogKernel(name: name, grid: Dim3(n[0], n[1], n[2]), block: Dim3(n[3], n[4], n[5]),
                                         registersPerThread: min(max(n[6], 1), 255), sharedMemory: n[7], durationUs: us,
                                         kernelClass: classify(ni, name)))
        }
        guard !kernels.isEmpty, kernels.count <= 1024 else { return nil }   // cuDNN runs some grouped convolutions one group at a time
        let shape = sig.logShape
        return CatalogEntry(key: key, layerKey: sig.layerKey, family: sig.family, pass: sig.pass, flops: flops, bytes: bytes,
                            kernels: kernels, shapeClass: sig.shapeClass(byGroup: GroupPaths.shape(sig).map { _ in GroupPaths.ranByGroup(kernels) }),
                            logChannels: shape.channels, logPositions: shape.positions)
    }

    /// Catalogs already read, by path (start-up reads each once per process).
    nonisolated(unsafe) private static var cache: [String: KernelCatalog?] = [:]
    private static let lock = NSLock()

    /// The catalog at `path`, read once; nil when the file is missing or unreadable.
    public static func cached(_ path: String) -> KernelCatalog? {
        lock.lock(); defer { lock.unlock() }
        if let c = cache[path] { return c }
        let c = FileManager.default.fileExists(atPath: path) ? (try? load(path: path))?.catalog : nil
        // A GPU's catalog carries the ops beside it that price only themselves.
        if let c, (path as NSString).lastPathComponent == fileName {
            let exact = (path as NSString).deletingLastPathComponent + "/" + exactFileName
            if FileManager.default.fileExists(atPath: exact), let e = try? load(path: exact).catalog { c.attachExactOnly(e) }
        }
        cache[path] = c
        return c
    }

    /// Measured ops beside a GPU's catalog that price only their own keys: never neighbours of other ops, because
    /// their nearest unmeasured ops run other kernels (the H200's: grouped convolutions of one image whose groups are
    /// not a power of two channels wide, `Assets/catalog/h200/groupbatch1/`, which as neighbours priced the
    /// power-of-two widths' FFMA kernels at the odd widths' NHWC ones).
    public static let exactFileName = "exact.tsv.gz"
}
