import Foundation

/// A value worked out once, on first use, and shared by copies of the struct holding it (workloads are values; what
/// they derive is a pure function of them, so caching cannot change a result). Safe across threads.
public final class Memo<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Key: Value] = [:]

    public init() {}

    public func get(_ key: Key, _ make: () throws -> Value) rethrows -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let v = values[key] { return v }
        let v = try make()
        values[key] = v
        return v
    }
}
