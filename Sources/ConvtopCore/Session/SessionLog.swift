import Foundation

/// convtop's session log: JSON Lines, a header line, then action and iteration lines (format "convtop-session").
public enum SessionLog {
    public static let format = "convtop-session"
    public static let version = 1

    public struct Header: Codable, Sendable {
        public var type = "header"
        public var format = SessionLog.format
        public var version = SessionLog.version
        public var convtop: String
        public var model: String
        public var gpu: String
        public var options: Scenario
        public var seed: UInt64
        public var terminal: [String: Int]
        public var startTime: String
        public var traces: Bool
        enum CodingKeys: String, CodingKey {
            case type, format, version, convtop, model, gpu, options, seed, terminal, startTime = "start_time", traces
        }
        public init(convtop: String, scenario: Scenario, terminal: (Int, Int), startTime: Date, traces: Bool) {
            self.convtop = convtop; model = scenario.model; gpu = scenario.gpu; options = scenario; seed = scenario.seed
            self.terminal = ["width": terminal.0, "height": terminal.1]
            self.startTime = ISO8601DateFormatter().string(from: startTime)
            self.traces = traces
        }
    }

    public struct Action: Codable, Sendable {
        public var type = "action"
        public var t: Double
        public var key: String
        public var changed: [String: String]
        public init(t: Double, key: String, changed: [String: String]) { self.t = t; self.key = key; self.changed = changed }
    }

    /// One kernel of a recorded trace: stream, SMs used, start and end (µs), blocks.
    public struct KernelRow: Codable, Sendable, Equatable {
        public var kernel: Int, stream: Int, sms: Int, start: Double, end: Double, blocks: Int
        public init(kernel: Int, stream: Int, sms: Int, start: Double, end: Double, blocks: Int) {
            self.kernel = kernel; self.stream = stream; self.sms = sms; self.start = start; self.end = end; self.blocks = blocks
        }
    }

    public struct Iteration: Codable, Sendable {
        public var type = "iteration"
        public var t: Double
        public var iteration: Int
        public var config: Scenario
        public var metrics: IterationMetrics
        public var kernels: [KernelRow]?
        public init(t: Double, iteration: Int, config: Scenario, metrics: IterationMetrics, kernels: [KernelRow]?) {
            self.t = t; self.iteration = iteration; self.config = config; self.metrics = metrics; self.kernels = kernels
        }
    }

    /// The scenario fields that differ between two configurations, as strings.
    public static func changes(_ a: Scenario, _ b: Scenario) -> [String: String] {
        var c: [String: String] = [:]
        if a.model != b.model { c["model"] = b.model }
        if a.gpu != b.gpu { c["gpu"] = b.gpu }
        if a.batch != b.batch { c["batch"] = String(b.batch) }
        if a.mode != b.mode { c["mode"] = b.mode.rawValue }
        if a.policy != b.policy { c["policy"] = b.policy.rawValue }
        if a.streams != b.streams { c["streams"] = String(b.streams) }
        if a.launch != b.launch { c["launch"] = b.launch.rawValue }
        if a.precision != b.precision { c["precision"] = b.precision.rawValue }
        return c
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// One line of JSON (no newline).
    public static func line<T: Encodable>(_ v: T) throws -> String { String(decoding: try encoder.encode(v), as: UTF8.self) }
}

/// Appends session lines to a file, flushing each as it is written.
public final class SessionWriter {
    let file: OutputFile
    public var path: String { file.path }

    /// Creates (or, with `overwrite`, truncates in place) a regular file; fails before anything else happens.
    public init(path: String, overwrite: Bool) throws {
        file = try OutputFile(path: path, overwrite: overwrite)
    }

    public func write<T: Encodable>(_ v: T) {
        guard let s = try? SessionLog.line(v) else { return }
        try? file.write(s + "\n")
    }
}
