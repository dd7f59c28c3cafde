/// A binary min-heap; ties pop in the order of `<`, which keeps every user deterministic.
public struct MinHeap<Element: Comparable>: Sendable where Element: Sendable {
    public private(set) var items: [Element] = []
    public init() {}
    public var isEmpty: Bool { items.isEmpty }
    public var count: Int { items.count }
    public var min: Element? { items.first }

    public mutating func push(_ e: Element) {
        // Sift up with a hole: move parents down, write the new element once.
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard e < items[p] else { break }
            items[i] = items[p]
            i = p
        }
        items[i] = e
    }

    public mutating func pop() -> Element? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        let n = items.count
        guard n > 0 else { return top }
        // Sift down with a hole: move the smaller child up, write the last element once.
        var i = 0
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            let r = l + 1
            let c = r < n && items[r] < items[l] ? r : l
            guard items[c] < last else { break }
            items[i] = items[c]
            i = c
        }
        items[i] = last
        return top
    }
}
