/// A list the simulator refills at every event: clearing keeps the storage and costs nothing (`Array`'s
/// `removeAll(keepingCapacity:)` is a generic call that showed up in profiles at two calls per batch start and end).
struct ScratchList<Element> {
    private var storage: [Element] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    var indices: Range<Int> { 0..<count }

    mutating func clear() { count = 0 }

    mutating func append(_ e: Element) {
        if count < storage.count { storage[count] = e } else { storage.append(e) }
        count += 1
    }

    subscript(i: Int) -> Element {
        get { storage[i] }
        set { storage[i] = newValue }
    }
}
