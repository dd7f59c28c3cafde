import Foundation

/// PyTorch's `multi_tensor_apply` (ATen/native/cuda/MultiTensorApply.cuh), which runs the foreach optimizers: each
/// tensor of the lists is cut into 65,536-element chunks and every chunk is one block of 512 threads; a launch closes
/// when it holds 320 blocks, or as many tensors as the number of lists allows (110 for one list, 64 for two, …), or
/// at the last chunk. A tensor cut by a full launch continues at the start of the next.
enum MultiTensorApply {
    static let chunkElements = 65_536
    static let threadsPerBlock = 512
    static let maxBlocks = 320
    /// Elements each thread handles per trip through a block's chunk loop (the kernels' ILP).
    static let elementsPerThreadPerTrip = 4

    /// One launch: its blocks (chunks), the elements it touches per list, and its largest chunk.
    struct Launch: Equatable, Sendable {
        var blocks = 0, elements = 0, largestChunk = 0
    }

    static func maxTensors(lists: Int) -> Int { [110, 64, 48, 36, 30][min(max(lists, 1), 5) - 1] }

    /// The launches for tensors of `sizes` elements (in the optimizer's parameter order) over `lists` tensor lists.
    static func launches(_ sizes: [Int], lists: Int) -> [Launch] {
        let tensorsPerLaunch = maxTensors(lists: lists)
        let nonEmpty = sizes.filter { $0 > 0 }
        var out: [Launch] = [], current = Launch(), tensors = 0
        for (t, n) in nonEmpty.enumerated() {
            tensors += 1
            let chunks = (n + chunkElements - 1) / chunkElements
            for c in 0..<chunks {
                let size = min(chunkElements, n - c * chunkElements)
                current.blocks += 1
                current.elements += size
                current.largestChunk = max(current.largestChunk, size)
                let lastChunk = c == chunks - 1
                if (tensors == tensorsPerLaunch && lastChunk) || current.blocks == maxBlocks || (t == nonEmpty.count - 1 && lastChunk) {
                    out.append(current)
                    current = Launch()
                    tensors = lastChunk ? 0 : 1
                }
            }
        }
        return out
    }

    /// A launch's time alone (µs, as a profiler reports it), from two bounds: its largest chunk's loop, one DRAM round
    /// trip per trip (each thread's loads wait for the previous trip's), and its bytes at streaming bandwidth. Launches
    /// that need both take longer than either: the two combine as a 1.5-norm.
    ///
    /// Measured on the H200 (`Assets/calibration/round2/kernels.jsonl.gz`: the 60 optimizer launches of seven networks'
    /// training steps; `Assets/calibration/multi_tensor_rates.py` derives the numbers): a launch of a few full chunks
    /// takes about 16 µs for its 32 trips (0.493 µs a trip, median of 4), and the norm and the streaming fraction
    /// (0.88 of the DRAM bandwidth) are fitted on the launches' times with their bytes as convtop lowers them —
    /// median error 3.4%, worst 14% (fitted on either part of the networks, the other part comes out at 4.0–4.7%
    /// median error, 15% worst). Applied to every GPU, as measured on the H200.
    static func standaloneUs(_ launch: Launch, bytes: Double, gpu: GPUSpec) -> Double {
        let perTrip = threadsPerBlock * elementsPerThreadPerTrip
        let loop = Double((launch.largestChunk + perTrip - 1) / perTrip) * tripUs
        let stream = bytes / (gpu.dramBandwidthGBs * 1e3 * streamingFraction)
        return pow(pow(loop, boundsNorm) + pow(stream, boundsNorm), 1 / boundsNorm)
    }

    /// One chunk-loop trip (µs): a DRAM round trip.
    static let tripUs = 0.493
    /// Fraction of the DRAM bandwidth the launches stream at.
    static let streamingFraction = 0.88
    /// How the loop and streaming bounds combine (1 would add them, infinity take the longer).
    static let boundsNorm = 1.5
}
