import ConvtopCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the bundled measuring script on this machine's GPU, draws its progress, and turns what it measured into a
/// GPU profile beside the catalog.
struct CalibrationRun {
    let python: String
    let folder: String
    let budget: Double
    let name: String?
    let networkBatches: [Int]

    /// One-line refusals when Python, PyTorch or a CUDA GPU is missing.
    static func checkPython(_ python: String) throws {
        let probe = "import sys\ntry:\n import torch\nexcept ImportError:\n sys.exit(2)\nsys.exit(0 if torch.cuda.is_available() else 3)"
        let code = try runQuietly(python, ["-c", probe])
        switch code {
        case 0: return
        case 2: throw ConvtopError(.usage, "PyTorch is not installed for \(python); install it (pip install torch) or pass --python with one that has it")
        case 3: throw ConvtopError(.usage, "PyTorch sees no CUDA GPU here; convtop calibrate measures the GPU it runs on, so run it on a machine with an NVIDIA GPU")
        default: throw ConvtopError(.usage, "\(python) was not found or failed (exit \(code)); convtop calibrate needs Python 3 with PyTorch and CUDA (pass --python PATH)")
        }
    }

    static func runQuietly(_ exe: String, _ args: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [exe] + args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return 127 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// Creates the output folder; an existing one must be an empty folder (never a link, device or file).
    static func makeFolder(_ path: String) throws {
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw ConvtopError(.output, "'\(SafeText.printable(path))' exists and is not a folder; name a new folder with -o")
            }
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? ["?"]
            guard contents.isEmpty else {
                throw ConvtopError(.output, "'\(SafeText.printable(path))' is not empty; name a new folder with -o")
            }
            return
        }
        guard mkdir(path, 0o755) == 0 else {
            throw ConvtopError(.output, "cannot create '\(SafeText.printable(path))' (\(String(cString: strerror(errno)))); check the parent folder exists and is writable")
        }
    }

    static let tty = isatty(2) == 1

    /// A progress line on a terminal (redrawn in place); nothing when stderr is not a terminal.
    static func progress(_ what: String, _ done: Int, _ total: Int, _ seconds: Double? = nil) {
        guard tty, total > 0 else { return }
        let width = 30, filled = min(width, width * done / total)
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let time = seconds.map { String(format: ", %.0f s", $0) } ?? ""
        FileHandle.standardError.write(Data("\r\(bar) \(done)/\(total) \(what)\(time)\u{1B}[K".utf8))
    }

    static func progressDone() {
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    func run() throws {
        guard let script = AssetLocator.directory("catalog").map({ $0 + "/measure_catalog.py" }),
              FileManager.default.fileExists(atPath: script) else {
            throw ConvtopError(.model, "cannot find Assets/catalog/measure_catalog.py; set CONVTOP_ASSETS to convtop's Assets directory")
        }
        var args = [script, folder + "/manifest.jsonl", folder, "--budget", String(Int(budget))]
        if let name { args += ["--gpu-name", name] }
        if !networkBatches.isEmpty {
            args += ["--graphs", folder + "/graphs", "--batches", networkBatches.map(String.init).joined(separator: ",")]
        }
        let started = Date()
        let (code, errors) = try stream(args) { what, done, total in
            Self.progress(what, done, total, Date().timeIntervalSince(started))
        }
        Self.progressDone()
        guard code == 0 else {
            throw ConvtopError(.simulation, "the measuring script failed (exit \(code))\(errors.last.map { ": " + $0 } ?? ""); its output so far is in \(folder)")
        }
        let catalogPath = folder + "/" + CatalogFile.fileName
        let (catalog, skipped) = try CatalogFile.load(path: catalogPath)
        let profile = try CalibratedProfile.write(folder: folder, catalogGPU: catalog.gpuName)
        print("measured \(catalog.count) ops (\(errors.count) skipped by the script, \(skipped) unreadable lines) on "
              + "\(profile.fullName) in \(Int(Date().timeIntervalSince(started))) s")
        print("use it with: convtop simulate resnet50 --gpu \(folder)")
    }

    /// Runs the script, calling `onProgress` for its `progress` lines; returns its exit code and its `error:` lines.
    private func stream(_ args: [String], onProgress: (String, Int, Int) -> Void) throws -> (Int32, [String]) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, "-u"] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch {
            throw ConvtopError(.usage, "cannot start \(python); convtop calibrate needs Python 3 with PyTorch and CUDA (pass --python PATH)")
        }
        var buffer = Data(), errors: [String] = []
        let handle = pipe.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let nl = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...nl)
                let f = line.split(separator: " ", maxSplits: 3).map(String.init)
                if f.count >= 4, f[0] == "progress", let d = Int(f[1]), let t = Int(f[2]) {
                    onProgress(String(f[3].prefix(40)), d, t)
                } else if line.hasPrefix("error:") {
                    errors.append(SafeText.printable(String(line.dropFirst(7).prefix(200))))
                }
            }
        }
        p.waitUntilExit()
        return (p.terminationStatus, errors)
    }
}
