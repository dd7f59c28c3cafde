/// An element of a `MinHeap`. An element that names a tracking slot has its heap index recorded there, so that it
/// can be moved in place (`moveEarlier`); at most one element per slot may be in the heap at a time. Plain elements
/// name none.
public protocol HeapElement: Comparable, Sendable {
    var trackingSlot: Int? { get }
}

extension HeapElement {
    public var trackingSlot: Int? { nil }
}

extension Int: HeapElement {}

/// A binary min-heap; ties pop in the order of `<`, which keeps every user deterministic.
public struct MinHeap<Element: HeapElement>: Sendable {
    public private(set) var items: [Element] = []
    /// Heap index of the element in each tracking slot, -1 when the slot has none.
    private var position: [Int32] = []

    public init(capacity: Int = 0) { items.reserveCapacity(capacity) }
    public var isEmpty: Bool { items.isEmpty }
    public var count: Int { items.count }
    public var min: Element? { items.first }

    public mutating func push(_ e: Element) {
        if let s = e.trackingSlot { while position.count <= s { position.append(-1) } }
        items.append(e)
        siftUp(e, from: items.count - 1)
    }

    /// Replaces the element in tracking slot `slot` by `e`, which must not order after it.
    public mutating func moveEarlier(slot: Int, to e: Element) {
        siftUp(e, from: Int(position[slot]))
    }

    public mutating func pop() -> Element? {
        guard let top = items.first else { return nil }
        if let s = top.trackingSlot { position[s] = -1 }
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
            set(items[c], at: i)
            i = c
        }
        set(last, at: i)
        return top
    }

    /// Sift up with a hole: move parents down, write `e` once.
    @inline(__always) private mutating func siftUp(_ e: Element, from start: Int) {
        var i = start
        while i > 0 {
            let p = (i - 1) / 2
            guard e < items[p] else { break }
            set(items[p], at: i)
            i = p
        }
        set(e, at: i)
    }

    @inline(__always) private mutating func set(_ e: Element, at i: Int) {
        items[i] = e
        if let s = e.trackingSlot { position[s] = Int32(i) }
    }
}
