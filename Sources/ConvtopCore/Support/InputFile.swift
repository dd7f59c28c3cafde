#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Reads the files users name: regular files only (a FIFO or device would block or never end), within a size limit.
public enum InputFile {
    /// Largest input file convtop reads (graph files, ONNX models, traces, sessions, GPU profiles): 1 GiB.
    public static let maximumBytes = 1 << 30

    /// What is wrong with `path` as an input file, or nil if it is a readable regular file within the limit.
    public static func problem(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return errno == ENOENT ? "no such file" : "cannot read it (\(String(cString: strerror(errno))))" }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return "is a folder, not a file"
        default: return "is not a regular file (a FIFO, device or socket); convtop reads regular files only"
        }
        if Int(st.st_size) > maximumBytes { return "is larger than the 1 GiB convtop reads" }
        return access(path, R_OK) == 0 ? nil : "cannot be read (permission denied)"
    }

    /// The file's bytes; throws a one-line `ConvtopError` naming the file when it is missing, not regular or too large.
    public static func read(_ path: String, what: String) throws -> Data {
        if let p = problem(path) { throw ConvtopError(.model, "\(path): \(p)") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConvtopError(.model, "\(path): cannot read the \(what)")
        }
        return data
    }

    /// Whether `path` names a regular file (checked before sniffing its content).
    public static func isRegular(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }
}
