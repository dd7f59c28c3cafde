extension Simulator.State {
    /// Time the GPU sat idle waiting for the host to launch the next kernel.
    func hostBound(_ end: Double) -> Double {
        let byIssue = records.sorted { $0.issued < $1.issued }
        var busyUntil = 0.0, idle = 0.0
        for r in byIssue {
            if r.issued > busyUntil && r.launched > busyUntil { idle += min(r.issued, r.launched) - busyUntil }
            busyUntil = max(busyUntil, r.end)
        }
        return idle
    }
}
