import Foundation

/// A folder a training run writes profiler traces into (PyTorch's `tensorboard_trace_handler`): each poll reports the
/// newest trace that appeared since the last one and has finished being written (its size unchanged since the
/// previous poll). Files are never written, renamed or deleted.
public struct TraceFolder: Sendable {
    public let path: String
    /// Traces already reported, and the sizes seen at the last poll of those not yet reported.
    private var reported = Set<String>()
    private var sizes: [String: Int] = [:]

    /// Checks that `path` is a directory; a folder that does not exist or is a file is one clear error.
    public init(path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ConvtopError(.usage, "\(SafeText.printable(path)): no such folder; give the folder torch.profiler writes its traces to")
        }
        guard isDir.boolValue else { throw ConvtopError(.usage, "\(SafeText.printable(path)) is not a folder; give the folder the traces are written to") }
        self.path = path
    }

    static func isTrace(_ name: String) -> Bool { name.hasSuffix(".json") || name.hasSuffix(".json.gz") }

    /// The newest finished trace not reported before, or nil.
    public mutating func poll() -> String? {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter(Self.isTrace).sorted()
        var ready: [(String, Date)] = []
        var now: [String: Int] = [:]
        for n in names where !reported.contains(n) {
            let full = path + "/" + n
            guard InputFile.isRegular(full), let a = try? FileManager.default.attributesOfItem(atPath: full),
                  let size = (a[.size] as? NSNumber)?.intValue, size > 0 else { continue }
            now[n] = size
            if sizes[n] == size { ready.append((n, (a[.modificationDate] as? Date) ?? .distantPast)) }
        }
        sizes = now
        // Newest by modification time, then name; older finished ones are skipped (the dashboard shows the latest).
        guard let newest = ready.max(by: { ($0.1, $0.0) < ($1.1, $1.0) }) else { return nil }
        for (n, _) in ready { reported.insert(n) }
        return path + "/" + newest.0
    }
}
