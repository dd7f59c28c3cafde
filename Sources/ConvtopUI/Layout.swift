/// Where each panel goes for a terminal size: a pure function, tested over many sizes.
public struct Layout: Sendable, Equatable {
    public static let minWidth = 80
    public static let minHeight = 24

    public var tooSmall: Bool
    public var header = Rect(x: 0, y: 0, width: 0, height: 0)
    public var policyBar = Rect(x: 0, y: 0, width: 0, height: 0)
    public var timelines = Rect(x: 0, y: 0, width: 0, height: 0)
    public var sms = Rect(x: 0, y: 0, width: 0, height: 0)
    public var branches = Rect(x: 0, y: 0, width: 0, height: 0)
    public var stats = Rect(x: 0, y: 0, width: 0, height: 0)
    public var footer = Rect(x: 0, y: 0, width: 0, height: 0)

    /// Every panel, for overlap checks.
    public var panels: [Rect] { [header, policyBar, timelines, sms, branches, stats, footer] }

    public static func compute(width w: Int, height h: Int, lanes: Int) -> Layout {
        guard w >= minWidth && h >= minHeight else { return Layout(tooSmall: true) }
        var l = Layout(tooSmall: false)
        l.header = Rect(x: 0, y: 0, width: w, height: 1)
        l.policyBar = Rect(x: 0, y: 1, width: w, height: 1)
        l.footer = Rect(x: 0, y: h - 1, width: w, height: 1)
        let body = h - 3
        let timelineH = max(6, min(lanes + 4, body * 45 / 100))
        let smH = max(5, min(10, body * 22 / 100))
        let bottomH = body - timelineH - smH
        l.timelines = Rect(x: 0, y: 2, width: w, height: timelineH)
        l.sms = Rect(x: 0, y: 2 + timelineH, width: w, height: smH)
        let statsW = max(34, w * 36 / 100)
        l.branches = Rect(x: 0, y: 2 + timelineH + smH, width: w - statsW, height: bottomH)
        l.stats = Rect(x: w - statsW, y: 2 + timelineH + smH, width: statsW, height: bottomH)
        return l
    }
}
