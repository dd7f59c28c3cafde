#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A file convtop writes its output to: a regular file, opened in place, never renamed over.
///
/// convtop writes nothing but the file a user named. It refuses symbolic links, devices, FIFOs, sockets and
/// folders (with or without `overwrite`), never follows a link, never blocks on a FIFO, and writes through the
/// opened descriptor, so `--force` on `/dev/null` or on a link leaves them as they were. `-` means standard output.
public final class OutputFile: @unchecked Sendable {  // one writer at a time: callers serialise writes (the sweep writes from one actor)
    /// How the output file is reached.
    enum Target { case standardOutput, descriptor(Int32) }
    let target: Target
    /// The path as the user gave it (`-` for standard output).
    public let path: String

    /// Opens `path` for writing: a new file, or (with `overwrite`) an existing regular file truncated in place, or
    /// (with `append`) an existing regular file written at its end. Throws `ConvtopError` with a one-line message
    /// before anything is written.
    public init(path: String, overwrite: Bool, append: Bool = false) throws {
        self.path = path
        if path == "-" { target = .standardOutput; return }
        guard !path.isEmpty else { throw ConvtopError(.output, "the output path is empty; name a file") }
        var st = stat()
        if lstat(path, &st) == 0 {
            let kind = Self.kindName(st.st_mode)
            guard kind == nil else {
                throw ConvtopError(.output, "\(Self.quoted(path)) is \(kind!); convtop writes only regular files, so name a new file")
            }
            guard overwrite || append else { throw ConvtopError(.output, "\(Self.quoted(path)) already exists; pass --force to overwrite it") }
        }
        // O_NOFOLLOW: a link swapped in after the check is refused; O_NONBLOCK: a FIFO swapped in cannot block us.
        var flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
        if append { flags |= O_APPEND } else if !overwrite { flags |= O_EXCL }
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw ConvtopError(.output, "\(Self.quoted(path)): cannot create the file (\(reason)); check the folder exists and is writable")
        }
        var opened = stat()
        guard fstat(fd, &opened) == 0, Self.kindName(opened.st_mode) == nil else {
            Glibc.close(fd)
            throw ConvtopError(.output, "\(Self.quoted(path)) is not a regular file; convtop writes only regular files")
        }
        // Truncate only now that we know it is a regular file we hold open.
        if overwrite && !append && opened.st_size > 0 && ftruncate(fd, 0) != 0 {
            Glibc.close(fd)
            throw ConvtopError(.output, "\(Self.quoted(path)): cannot truncate the file (\(String(cString: strerror(errno))))")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        target = .descriptor(fd)
    }

    /// Checks, without creating anything, that `init(path:overwrite:)` would succeed as far as can be told now.
    public static func check(path: String, overwrite: Bool) throws {
        if path == "-" { return }
        guard !path.isEmpty else { throw ConvtopError(.output, "the output path is empty; name a file") }
        var st = stat()
        if lstat(path, &st) == 0 {
            if let kind = kindName(st.st_mode) {
                throw ConvtopError(.output, "\(quoted(path)) is \(kind); convtop writes only regular files, so name a new file")
            }
            guard overwrite else { throw ConvtopError(.output, "\(quoted(path)) already exists; pass --force to overwrite it") }
            guard access(path, W_OK) == 0 else { throw ConvtopError(.output, "\(quoted(path)) cannot be written (permission denied)") }
            return
        }
        let dir = (path as NSString).deletingLastPathComponent
        let folder = dir.isEmpty ? "." : dir
        var ds = stat()
        guard stat(folder, &ds) == 0, (ds.st_mode & S_IFMT) == S_IFDIR, access(folder, W_OK | X_OK) == 0 else {
            throw ConvtopError(.output, "\(quoted(path)): the folder '\(quoted(folder))' does not exist or cannot be written")
        }
    }

    /// Writes all of `data`; throws on a write error (a full disk, a closed pipe).
    public func write(_ data: Data) throws {
        let fd: Int32
        switch target {
        case .standardOutput: fd = STDOUT_FILENO
        case .descriptor(let d): fd = d
        }
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard var p = raw.baseAddress else { return }
            var left = raw.count
            while left > 0 {
                let n = Glibc.write(fd, p, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ConvtopError(.output, "\(Self.quoted(path)): write failed (\(String(cString: strerror(errno))))")
                }
                left -= n
                p += n
            }
        }
    }

    /// Writes `text` as UTF-8.
    public func write(_ text: String) throws { try write(Data(text.utf8)) }

    /// Closes the file (standard output stays open). Safe to call twice.
    public func close() {
        if case .descriptor(let fd) = target, fd >= 0 { Glibc.close(fd) }
        closed = true
    }
    private var closed = false

    deinit { if !closed { close() } }

    /// Writes `text` to a new (or, with `overwrite`, existing regular) file in one go.
    public static func write(_ text: String, to path: String, overwrite: Bool) throws {
        let f = try OutputFile(path: path, overwrite: overwrite)
        defer { f.close() }
        try f.write(text)
    }

    /// nil for a regular file, else what the file is, for messages.
    static func kindName(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFLNK: return "a symbolic link"
        case S_IFDIR: return "a folder"
        case S_IFCHR, S_IFBLK: return "a device"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    /// The path with control characters escaped, so a hostile name cannot drive the terminal.
    static func quoted(_ path: String) -> String { SafeText.printable(path) }
}

