/// A square boolean matrix stored as bit rows, for reachability (transitive closure) of DAGs.
public struct BitMatrix: Sendable {
    public let size: Int
    let words: Int
    var bits: [UInt64]

    public init(size: Int) {
        self.size = size
        words = (size + 63) / 64
        bits = Array(repeating: 0, count: words * size)
    }

    @inline(__always) public func get(_ r: Int, _ c: Int) -> Bool {
        bits[r * words + c >> 6] & (1 << UInt64(c & 63)) != 0
    }
    @inline(__always) public mutating func set(_ r: Int, _ c: Int) {
        bits[r * words + c >> 6] |= 1 << UInt64(c & 63)
    }
    /// row[dst] |= row[src]
    public mutating func orRow(_ dst: Int, from src: Int) {
        let d = dst * words, s = src * words
        for w in 0..<words { bits[d + w] |= bits[s + w] }
    }

    /// Reachability of a DAG given successor lists and a topological order: `get(u, v)` iff a path u→v exists (u ≠ v).
    public static func reachability(successors: [[Int]], order: [Int]) -> BitMatrix {
        var m = BitMatrix(size: successors.count)
        for u in order.reversed() {
            for v in successors[u] {
                m.set(u, v)
                m.orRow(u, from: v)
            }
        }
        return m
    }
}
