import ConvtopCore

extension FidelityOutput {
    /// Round 28: whether blocks of a kernel that asks for another split of on-chip memory join an SM's blocks, measured
    /// and simulated.
    static func printSharedMemorySplits(_ rows: [SharedMemorySplits.Row], all: [SharedMemorySplits.Point]) {
        guard !rows.isEmpty else { return }
        Swift.print("\nWhich blocks share an SM (Assets/calibration/round28/smem_config.jsonl, measure_smem_config.py: grid A of one 128-thread block an SM asking for A KB of shared memory spins 20 µs; grid B, the same asking for B KB, follows 2 µs later on another branch of one CUDA Graph; B joins A's SMs or waits for them to drain; the split of on-chip memory left to the driver; convtop's split: the smallest of the GPU's that holds as many of the kernel's blocks as fit an SM; simulated as two branches)")
        printTable(["A KB", "B KB", "A's split KB", "B's split KB", "B's first block meas µs", "sim µs", "joined meas", "sim"],
                   rows.map { r in
                       [String(r.point.smemA / 1024), String(r.point.smemB / 1024), String(r.splitA / 1024), String(r.splitB / 1024),
                        fmt(r.point.bFirstStartUs, 1), fmt(r.simulatedBStartUs, 1), r.point.joined ? "yes" : "no", r.simulatedJoined ? "yes" : "no"]
                   })
        let agree = rows.filter { $0.point.joined == $0.simulatedJoined }.count
        let oneFunction = all.filter { !$0.maxCarveout && !$0.twoFunctions }
        let sameAsTwo = oneFunction.filter { p in rows.contains { $0.point.smemA == p.smemA && $0.point.smemB == p.smemB && $0.point.joined == p.joined } }.count
        let largest = all.filter(\.maxCarveout)
        Swift.print("Split summary: convtop joins B's blocks to A's as measured in \(agree) of \(rows.count) pairs; one kernel function launched twice joins as two functions do in \(sameAsTwo) of \(oneFunction.count); asked for the largest split, B joined A in \(largest.filter(\.joined).count) of \(largest.count) pairs (convtop does not model that request)")
    }
}
