/// The simulator's pending events: a binary min-heap on (time, sequence number), in which each running batch has at
/// most one end event. When a re-pricing moves a batch's end earlier its event is moved in place rather than a new
/// one pushed, so the heap holds no stale copies (they were over half of all events, and popping them a sixth of a
/// ResNet-50 training iteration).
struct EventQueue {
    private var items: [Simulator.Event] = []
    /// Heap index of each batch slot's end event, -1 when it has none.
    private var position: [Int32] = []

    init(capacity: Int) { items.reserveCapacity(capacity) }

    var min: Simulator.Event? { items.first }
    var count: Int { items.count }

    /// Whether batch `b` has an end event in the queue.
    func hasEnd(_ b: Int) -> Bool { b < position.count && position[b] >= 0 }

    mutating func push(_ e: Simulator.Event) {
        if case .batchEnd(let b) = e.kind {
            while position.count <= Int(b) { position.append(-1) }
        }
        items.append(e)
        siftUp(e, from: items.count - 1)
    }

    /// Moves batch `b`'s end event to `e`, which must not come later than it.
    mutating func moveEarlier(batch b: Int, to e: Simulator.Event) {
        let i = Int(position[b])
        siftUp(e, from: i)
    }

    mutating func pop() -> Simulator.Event? {
        guard let top = items.first else { return nil }
        if case .batchEnd(let b) = top.kind { position[Int(b)] = -1 }
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        let n = items.count
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

    /// Sift up with a hole: parents move down, `e` is written once.
    @inline(__always) private mutating func siftUp(_ e: Simulator.Event, from start: Int) {
        var i = start
        while i > 0 {
            let p = (i - 1) / 2
            guard e < items[p] else { break }
            set(items[p], at: i)
            i = p
        }
        set(e, at: i)
    }

    @inline(__always) private mutating func set(_ e: Simulator.Event, at i: Int) {
        items[i] = e
        if case .batchEnd(let b) = e.kind { position[Int(b)] = Int32(i) }
    }
}
