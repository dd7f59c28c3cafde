import Foundation

/// The dashboard's defaults from a small TOML file: `$XDG_CONFIG_HOME/convtop/config.toml` (by default
/// `~/.config/convtop/config.toml`). Lines are `key = value` (strings in double quotes, integers, true/false) or
/// `# comments`; flags on the command line win over the file.
///
/// ```toml
/// model = "googlenet"
/// gpu = "h200"
/// policy = "ios"
/// batch = 8
/// mode = "training"
/// streams = 8
/// launch = "graph"
/// precision = "tf32"
/// fps = 30
/// theme = "light"
/// mouse = false
/// color = true
/// ascii = false
/// ```
public struct ConfigFile: Sendable, Equatable {
    /// A value as written: a string, an integer or a boolean.
    public enum Value: Sendable, Equatable {
        case string(String), int(Int), bool(Bool)
    }

    /// Settings in file order.
    public var entries: [(key: String, value: Value)] = []

    public init() {}

    public static func == (a: ConfigFile, b: ConfigFile) -> Bool {
        a.entries.map(\.key) == b.entries.map(\.key) && a.entries.map(\.value) == b.entries.map(\.value)
    }

    /// The keys a config file may set, and the kind of value each takes.
    static let keys: [String: String] = ["model": "string", "gpu": "string", "policy": "string", "batch": "int",
                                          "mode": "string", "streams": "int", "launch": "string", "precision": "string",
                                          "fps": "int", "theme": "string", "mouse": "bool", "color": "bool", "ascii": "bool"]

    /// Where the file is looked for, from the environment; nil when neither XDG_CONFIG_HOME nor HOME is set.
    public static func defaultPath(environment env: [String: String]) -> String? {
        if let x = env["XDG_CONFIG_HOME"], x.hasPrefix("/") { return x + "/convtop/config.toml" }
        if let h = env["HOME"], !h.isEmpty { return h + "/.config/convtop/config.toml" }
        return nil
    }

    /// Reads `path`; a missing file is an empty configuration, anything else wrong is one clear error.
    public static func load(path: String) throws -> ConfigFile {
        guard FileManager.default.fileExists(atPath: path) else { return ConfigFile() }
        let data = try InputFile.read(path, what: "config file")
        guard data.count <= 64 * 1024 else { throw ConvtopError(.usage, "\(path): a config file is at most 64 KB") }
        guard let text = String(data: data, encoding: .utf8) else { throw ConvtopError(.usage, "\(path): not UTF-8 text") }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws -> ConfigFile {
        var c = ConfigFile()
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            func fail(_ why: String) -> ConvtopError {
                ConvtopError(.usage, SafeText.printable("\(file):\(i + 1): \(why); fix or remove the line (keys: \(keys.keys.sorted().joined(separator: ", ")))"))
            }
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else { throw fail("expected key = value") }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var rest = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard let kind = keys[key] else { throw fail("unknown key '\(key)'") }
            guard !c.entries.contains(where: { $0.key == key }) else { throw fail("'\(key)' is set twice") }
            let value: Value
            if rest.hasPrefix("\"") {
                rest.removeFirst()
                guard let close = rest.firstIndex(of: "\"") else { throw fail("unterminated string") }
                let tail = rest[rest.index(after: close)...].trimmingCharacters(in: .whitespaces)
                guard tail.isEmpty || tail.hasPrefix("#") else { throw fail("unexpected text after the string") }
                value = .string(String(rest[..<close]))
            } else {
                let word = rest.split(separator: "#", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                if word == "true" || word == "false" { value = .bool(word == "true") }
                else if let n = Int(word), abs(n) < 1_000_000 { value = .int(n) }
                else { throw fail("'\(word)' is not a quoted string, an integer or true/false") }
            }
            switch (kind, value) {
            case ("string", .string), ("int", .int), ("bool", .bool): c.entries.append((key, value))
            default: throw fail("'\(key)' takes \(kind == "int" ? "a whole number" : kind == "bool" ? "true or false" : "a quoted string")")
            }
        }
        return c
    }

    /// The settings as dashboard arguments, placed before the user's own (which therefore win); the model is
    /// returned apart, as it is a positional argument.
    public func arguments() -> (model: String?, flags: [String]) {
        var model: String?, flags: [String] = []
        for (k, v) in entries {
            switch (k, v) {
            case ("model", .string(let s)): model = s
            case ("mouse", .bool(let b)): if !b { flags.append("--no-mouse") }
            case ("color", .bool(let b)): if !b { flags.append("--no-color") }
            case ("ascii", .bool(let b)): if b { flags.append("--ascii") }
            case (_, .string(let s)): flags += ["--\(k)", s]
            case (_, .int(let n)): flags += ["--\(k)", String(n)]
            default: break
            }
        }
        return (model, flags)
    }
}
