/// The largest values convtop accepts from files and flags, so that no product of them can overflow or exhaust
/// memory: every tensor, FLOP and byte count stays far below 2⁶³ and every graph fits in a few GB.
public enum InputLimits {
    /// One tensor dimension (batch, channels, height, width, features).
    public static let dimension = 1 << 20
    /// Elements of one tensor (2³⁶ ≈ 69 G: 275 GB in fp32, more than any GPU holds).
    public static let elements = 1 << 36
    /// Convolution and pooling windows, strides and dilations per axis.
    public static let window = 256
    /// Padding per side.
    public static let padding = 1024
    /// Multiply-accumulates of one op (2⁵³, exact in a Double).
    public static let macs = Double(1 << 53)

    /// Elements of `dims`, or nil when a dimension or the product is out of range.
    public static func checkedElements(_ dims: [Int]) -> Int? {
        var n = 1
        for d in dims {
            guard d >= 1 && d <= dimension else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= elements else { return nil }
            n = p
        }
        return n
    }
}
