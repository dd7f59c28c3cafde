import Foundation

/// Result slots filled from several threads under a lock.
private final class ResultSlots<T>: @unchecked Sendable {
    let lock = NSLock()
    var results: [Result<T, Error>?]
    init(_ n: Int) { results = Array(repeating: nil, count: n) }
}

/// Runs `body` for 0..<count on every core and returns the results in index order, so the output is the same
/// whatever the thread count. The first error thrown (by index) is rethrown.
public func parallelMap<T: Sendable>(_ count: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    let slots = ResultSlots<T>(count)
    DispatchQueue.concurrentPerform(iterations: count) { i in
        let r = Result { try body(i) }
        slots.lock.withLock { slots.results[i] = r }
    }
    return try slots.results.map { try $0!.get() }
}
