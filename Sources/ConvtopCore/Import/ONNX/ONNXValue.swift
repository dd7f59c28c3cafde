/// A tensor known at import time: a weight or buffer (shape only), or a constant whose values matter for shapes
/// (Reshape targets, Slice bounds, Resize scales). Values are kept for small tensors only.
struct ONNXConstant {
    var dims: [Int]
    /// Integer values (shape arithmetic), row-major; nil when unknown or too large to keep.
    var ints: [Int64]?
    /// Float values (scales, clip bounds); nil when unknown.
    var floats: [Float]?
    /// Learned tensors (graph inputs and initializers of a float type) this constant was computed from: they become
    /// parameters of the op that consumes it.
    var sources: Set<String> = []
    /// False when an import-time computation could not work out the shape (a target the file does not hold): a
    /// mask or table added to computed tensors is then taken to broadcast.
    var shapeKnown = true

    /// The most values folded; larger constants keep their shape only.
    static let maxValues = 1 << 16

    var count: Int { dims.reduce(1) { $0.multipliedReportingOverflow(by: max($1, 0)).overflow ? Int.max : $0 * max($1, 0) } }

    init(dims: [Int], ints: [Int64]? = nil, floats: [Float]? = nil, sources: Set<String> = []) {
        self.dims = dims
        let n = dims.reduce(1) { $0.multipliedReportingOverflow(by: max($1, 0)).overflow ? Int.max : $0 * max($1, 0) }
        self.ints = ints.flatMap { $0.count == n && n <= Self.maxValues ? $0 : nil }
        self.floats = floats.flatMap { $0.count == n && n <= Self.maxValues ? $0 : nil }
        self.sources = sources
    }

    static func vector(_ v: [Int]) -> ONNXConstant { ONNXConstant(dims: [v.count], ints: v.map(Int64.init)) }

    /// Values as integers (floats truncated), if known.
    var intValues: [Int]? {
        if let ints { return ints.map { Int(clamping: $0) } }
        if let floats { return floats.map { $0.isFinite ? Int(clamping: Int64(max(min($0, 1e15), -1e15))) : 0 } }
        return nil
    }
    /// Values as doubles, if known.
    var doubleValues: [Double]? {
        if let floats { return floats.map(Double.init) }
        if let ints { return ints.map(Double.init) }
        return nil
    }
}

/// What an ONNX value name stands for during import.
enum ONNXValue {
    /// A tensor computed on the GPU: a node of the graph being built.
    case tensor(Int)
    /// A tensor known at import time.
    case constant(ONNXConstant)
    /// A sequence of values (SplitToSequence).
    case sequence([ONNXValue])
}

/// Shape and integer arithmetic on constants, as ONNX defines it (NumPy broadcasting).
enum ONNXFold {
    /// The broadcast of two shapes, or nil when they are incompatible.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let n = max(a.count, b.count)
        var out: [Int] = []
        for i in 0..<n {
            let x = i < n - a.count ? 1 : a[i - (n - a.count)]
            let y = i < n - b.count ? 1 : b[i - (n - b.count)]
            guard x == y || x == 1 || y == 1 else { return nil }
            out.append(x == 1 ? y : x)
        }
        return out
    }

    /// Element-wise integer arithmetic of two constants; values only where both are known (scalar or same size).
    static func arithmetic(_ op: String, _ a: ONNXConstant, _ b: ONNXConstant) -> ONNXConstant? {
        guard let dims = broadcast(a.dims, b.dims) else { return nil }
        var out = ONNXConstant(dims: dims, sources: a.sources.union(b.sources))
        guard let x = a.ints ?? a.floats.map({ $0.map { Int64(clamping: Int(exactly: $0.rounded(.towardZero)) ?? 0) } }),
              let y = b.ints ?? b.floats.map({ $0.map { Int64(clamping: Int(exactly: $0.rounded(.towardZero)) ?? 0) } }) else { return out }
        let n = out.count
        guard n <= ONNXConstant.maxValues, x.count == n || x.count == 1, y.count == n || y.count == 1 else { return out }
        var v: [Int64] = []
        for i in 0..<n {
            let p = x[x.count == 1 ? 0 : i], q = y[y.count == 1 ? 0 : i]
            switch op {
            case "Add": v.append(p &+ q)
            case "Sub": v.append(p &- q)
            case "Mul": v.append(p &* q)
            case "Div": v.append(q == 0 || (q == -1 && p == .min) ? 0 : p / q)
            case "Mod": v.append(q == 0 || q == -1 ? 0 : p % q)
            case "Min": v.append(min(p, q))
            case "Max": v.append(max(p, q))
            case "Equal": v.append(p == q ? 1 : 0)
            case "Less": v.append(p < q ? 1 : 0)
            case "Greater": v.append(p > q ? 1 : 0)
            default: return out
            }
        }
        out.ints = v
        return out
    }

    /// Normalises a possibly negative axis for a tensor of `rank`, or nil when out of range.
    static func axis(_ a: Int, rank: Int) -> Int? {
        let x = a < 0 ? a + rank : a
        return x >= 0 && x < max(rank, 1) ? x : nil
    }

    /// The target shape of Reshape: 0 copies the input's dimension, -1 takes what is left.
    static func reshape(_ input: [Int], target: [Int]) -> [Int]? {
        guard target.count <= 8, let total = product(input) else { return nil }
        var dims = target.enumerated().map { i, d in d == 0 && i < input.count ? input[i] : d }
        let unknown = dims.filter { $0 == -1 }.count
        guard unknown <= 1, dims.allSatisfy({ ($0 >= 1 && $0 <= InputLimits.elements) || $0 == -1 }),
              let known = product(dims.filter { $0 != -1 }), known > 0 else { return nil }
        if unknown == 1 {
            guard total % known == 0 else { return nil }
            dims = dims.map { $0 == -1 ? total / known : $0 }
        }
        return dims.reduce(1, *) == total ? dims : nil
    }

    /// The product of non-negative sizes, or nil when one is negative or it passes InputLimits.elements.
    static func product(_ dims: [Int]) -> Int? {
        var p = 1
        for d in dims {
            guard d >= 0 else { return nil }
            let (x, o) = p.multipliedReportingOverflow(by: d)
            guard !o, x <= InputLimits.elements else { return nil }
            p = x
        }
        return p
    }

    /// Output length along one axis of Slice (ONNX clamping rules), positive or negative steps.
    static func sliceLength(_ n: Int, start: Int, end: Int, step rawStep: Int) -> Int {
        guard rawStep != 0 else { return 0 }
        let step = min(max(rawStep, -(n + 1)), n + 1)
        func clampIndex(_ i: Int, _ lo: Int, _ hi: Int) -> Int { min(max(i < 0 ? max(i, -n - 1) + n : i, lo), hi) }
        if step > 0 {
            let s = clampIndex(start, 0, n), e = clampIndex(end, 0, n)
            return e > s ? (e - s + step - 1) / step : 0
        }
        let s = clampIndex(start, -1, n - 1), e = clampIndex(end, -1, n - 1)
        return s > e ? (s - e - step - 1) / -step : 0
    }
}
