import Foundation

/// Finds and loads GPU profiles: built-in ones from `Assets/gpus/`, or any JSON file by path.
public enum GPUCatalog {
    /// Names of the shipped profiles, sorted.
    public static func names() -> [String] {
        guard let dir = AssetLocator.directory("gpus"),
              let files = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Loads a profile by name (`h100`), by path (`path/to/gpu.json`), or from a folder `convtop calibrate` wrote
    /// (its `gpu.json`, with the kernel catalog beside it).
    public static func load(_ nameOrPath: String) throws -> GPUSpec {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDir), isDir.boolValue {
            let profile = nameOrPath + "/gpu.json"
            guard FileManager.default.fileExists(atPath: profile) else {
                throw ConvtopError(.model, "\(nameOrPath) has no gpu.json; pass a folder convtop calibrate wrote, a .json profile or a GPU name")
            }
            var spec = try decode(try InputFile.read(profile, what: "GPU profile"), file: "gpu.json")
            spec.catalogDirectory = nameOrPath
            return spec
        }
        let isPath = nameOrPath.hasSuffix(".json") || nameOrPath.contains("/")
        let path: String
        if isPath {
            path = nameOrPath
        } else {
            guard let dir = AssetLocator.directory("gpus") else {
                throw ConvtopError(.model, "cannot find convtop's Assets/gpus folder; set CONVTOP_ASSETS to the Assets directory")
            }
            path = dir + "/" + nameOrPath.lowercased() + ".json"
            guard FileManager.default.fileExists(atPath: path) else {
                throw ConvtopError(.model, "unknown GPU '\(nameOrPath)'; valid GPUs: \(names().joined(separator: ", ")) (or a .json profile)")
            }
        }
        let data = try InputFile.read(path, what: "GPU profile")
        return try decode(data, file: (path as NSString).lastPathComponent)
    }

    /// Decodes and validates a profile; errors name the missing or nonsensical field.
    public static func decode(_ data: Data, file: String) throws -> GPUSpec {
        let spec: GPUSpec
        do {
            spec = try JSONDecoder().decode(GPUSpec.self, from: data)
        } catch let DecodingError.keyNotFound(key, ctx) {
            let path = (ctx.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".")
            throw ConvtopError(.model, "\(file): GPU profile is missing field '\(path)'")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw ConvtopError(.model, "\(file): GPU profile field '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw ConvtopError(.model, "\(file): GPU profile field '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))' is null")
        } catch {
            throw ConvtopError(.model, "\(file): not a valid GPU profile (invalid JSON)")
        }
        do { try spec.validate() } catch let e as ConvtopError { throw ConvtopError(.model, "\(file): \(e.message)") }
        return spec
    }
}

/// Locates convtop's `Assets/` folder: `$CONVTOP_ASSETS`, then upwards from the executable and the working
/// directory, then the source checkout this binary was built from.
public enum AssetLocator {
    public static func directory(_ sub: String) -> String? {
        let fm = FileManager.default
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["CONVTOP_ASSETS"] { candidates.append(env) }
        for start in [URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent().path,
                      fm.currentDirectoryPath] {
            var url = URL(fileURLWithPath: start)
            for _ in 0..<6 {
                candidates.append(url.appendingPathComponent("Assets").path)
                url.deleteLastPathComponent()
            }
        }
        // Sources/ConvtopCore/GPU/GPUCatalog.swift → repository root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent("Assets").path)
        for c in candidates {
            var isDir: ObjCBool = false
            let p = c + "/" + sub
            if fm.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue { return p }
        }
        return nil
    }
}
