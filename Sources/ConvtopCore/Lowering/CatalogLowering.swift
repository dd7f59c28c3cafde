/// Puts the kernel catalog's measurements into a lowering: an op the catalog holds launches its measured kernels
/// (names, grids, blocks, registers, shared memory) and each takes its measured time; an op it lacks keeps convtop's
/// modelled kernels, their time scaled to the nearest measured ops of its family and pass.
///
/// A measured kernel is priced by the same timing model as any other, its rates divided by `timeScale` so that its
/// standalone time is the measured one: under concurrency it still shares SMs, issue slots and DRAM bandwidth by
/// what it does (FLOPs to the op's GEMM kernels, bytes to all, both in proportion to measured time).
/// On a GPU the catalog was not measured on (same architecture), times are carried over op by op by the ratio of
/// the two GPUs' modelled times.
struct CatalogLowering {
    let catalog: KernelCatalog
    let gpu: GPUSpec
    let precision: Precision
    let timing: TimingModel
    /// The GPU the catalog was measured on, when it is not `gpu`.
    let measuredOn: GPUSpec?
    /// Set where the network's weights are cold in the L2 (`ColdWeights.weightsCold`): the catalog's GPU's table of
    /// what linear layers take then.
    var cold: ColdWeights?
    /// In a training step: the catalog's GPU's table of what backward ops take with their saved tensors in DRAM, and
    /// which nodes run so (`ColdSaved.coldNodes`).
    var coldSaved: ColdSaved?
    var coldNodes: [Bool] = []
    /// Neighbours farther than this (per feature of the distance, `KernelCatalog.nearEstimateUs`) leave the model's
    /// time alone.
    static let nearestDistance = 1.5

    init?(source: CatalogSource, gpu: GPUSpec, precision: Precision) {
        switch source {
        case .none: return nil
        case .measured(let c): catalog = c; measuredOn = nil
        case .derived(let c, let on): catalog = c; measuredOn = on
        }
        self.gpu = gpu
        self.precision = precision
        timing = TimingModel(gpu: gpu)
    }

    /// Replaces or rescales the kernels `l` emitted for `node` (from index `start`).
    func apply(to l: inout Lowering, node: Node, graph: Graph, from start: Int) {
        let keep = Self.biasKernels(node)
        guard l.kernels.count > start + keep, let sig = OpSignature.of(node, in: graph, precision: precision) else { return }
        // (kernels the entry does not cover stay as modelled, after it)
        let tail = Array(l.kernels.suffix(keep))
        l.kernels.removeLast(keep)
        defer { l.kernels.append(contentsOf: tail) }
        let modelled = Array(l.kernels[start...])
        let flops = modelled.reduce(0) { $0 + $1.flops }, bytes = modelled.reduce(0) { $0 + $1.bytes }
        let ratio = transferRatio(node, graph: graph, modelled: modelled, dropping: keep)
        let extra = coldExtraUs(sig)
        let saved = coldSavedRatio(sig, node: node, flops: flops, bytes: bytes)
        if let entry = catalog.entry(sig.key) {
            l.kernels.removeSubrange(start...)
            let gemmUs = entry.kernels.filter { $0.kernelClass.isMatrixProduct }.reduce(0) { $0 + $1.durationUs }
            let allUs = max(entry.totalUs, 1e-9)
            // (the cold weights' extra time goes to the op's longest matrix product, which streams them)
            let streaming = entry.kernels.indices.filter { entry.kernels[$0].kernelClass.isMatrixProduct }
                .max { entry.kernels[$0].durationUs < entry.kernels[$1].durationUs }
            let touched = modelled.allSatisfy({ $0.touchedBytes != nil }) ? modelled.reduce(0) { $0 + ($1.touchedBytes ?? 0) } : nil
            for (j, m) in entry.kernels.enumerated() {
                let flopShare = gemmUs > 0 ? (m.kernelClass.isMatrixProduct ? m.durationUs / gemmUs : 0) : m.durationUs / allUs
                l.kernels.append(measuredKernel(m, gemm: l.gemm, flops: flops * flopShare, bytes: bytes * m.durationUs / allUs,
                                                touchedBytes: touched.map { $0 * m.durationUs / allUs }, toUs: (m.durationUs + (j == streaming ? extra : 0)) * saved * ratio,
                                                origin: .catalog))
            }
            return
        }
        // A depthwise weight gradient keeps the model's time: fitted to the catalog's launches of its kernel, it
        // predicts a left-out layer better than the layer's neighbours do (`Lowering.depthwiseWeightGradUs`).
        // (Both keep it times the saved-tensor factor where a training step evicted what they read.)
        let keepsModel: Bool
        if case .convWeightGrad(let a) = node.kind, Lowering.runsNativeDepthwise(a) { keepsModel = true } else { keepsModel = false }
        // So does a dense forward convolution of a 7×7 or larger window the large-window rule lowered: on round 7's
        // ten such layers it is within a median 8% where the large-window sweep's neighbours (`h200/largewindow/`) give
        // 22%, and round 9's forty held-out layers check it (median 7.9%).
        if keepsModel || modelled.contains(where: { $0.name.hasPrefix(Lowering.largeWindowKernelPrefix) }) {
            for i in start..<l.kernels.count { l.kernels[i].timeScale *= saved }
            return
        }
        let reference = measuredOn ?? gpu
        guard let estimate = catalog.nearEstimateUs(sig, flops: flops, bytes: bytes, gpu: reference,
                                                    maxDistance: Self.nearestDistance) else { return }
        // (the estimate is on the measured GPU; `ratio` carries it over)
        let modelledUs = modelled.reduce(0) { $0 + timing.standaloneDuration($1) }
        let latency = gpu.kernelLatencyUs * Double(modelled.count)
        let helpers = splitKHelpers(sig, modelled: modelled, gemm: l.gemm, flops: flops, bytes: bytes, estimateUs: estimate, ratio: ratio)
        let s = max((estimate * saved - helpers.us + extra) * ratio - latency, TimingModel.minimumGroupUs) / max(modelledUs - latency, TimingModel.minimumGroupUs)
        // (a factor on each kernel's own scale: some modelled kernels carry one already, e.g. cuDNN's slow transposes)
        for i in start..<l.kernels.count {
            l.kernels[i].timeScale *= min(max(s, 0.1), 10)
            l.kernels[i].origin = .near
        }
        l.kernels.insert(contentsOf: helpers.before, at: start)
        l.kernels.append(contentsOf: helpers.after)
    }

    /// cuBLAS's split-K products launch helpers beside the product (a memset and a scaling before it, an epilogue or
    /// a reduction after it): a linear layer the catalog lacks launches those of its nearest measured neighbour, each
    /// at its measured time (which the estimate already holds: the product takes the rest). Only where the model
    /// emitted one product kernel and the helpers take under half the estimate.
    func splitKHelpers(_ sig: OpSignature, modelled: [Kernel], gemm: GemmShapes, flops: Double, bytes: Double, estimateUs: Double,
                       ratio: Double) -> (before: [Kernel], after: [Kernel], us: Double) {
        guard sig.family == .linear, modelled.count == 1, modelled[0].kernelClass.isMatrixProduct,
              let n = catalog.nearestEntry(sig, flops: flops, bytes: bytes, maxDistance: Self.nearestDistance),
              let product = n.kernels.firstIndex(where: { $0.kernelClass.isMatrixProduct }) else { return ([], [], 0) }
        let helpersUs = n.kernels.enumerated().filter { $0.offset != product }.reduce(0) { $0 + $1.element.durationUs }
        guard helpersUs > 0, helpersUs < estimateUs / 2 else { return ([], [], 0) }
        func kernel(_ m: CatalogKernel) -> Kernel {
            measuredKernel(m, gemm: gemm, flops: 0, bytes: bytes * m.durationUs / max(n.totalUs, 1e-9), touchedBytes: nil,
                           toUs: m.durationUs * ratio, origin: .near)
        }
        return (n.kernels[..<product].map(kernel), n.kernels[(product + 1)...].map(kernel), helpersUs)
    }

    /// A measured kernel as the simulator runs it: its launch (registers and shared memory fitted to this GPU), the
    /// op's work it carries, and its rates scaled so that alone it takes `toUs`.
    func measuredKernel(_ m: CatalogKernel, gemm: GemmShapes, flops: Double, bytes: Double, touchedBytes: Double?,
                        toUs: Double, origin: KernelOrigin) -> Kernel {
        var k = Kernel(id: 0, op: 0, name: m.name, kernelClass: m.kernelClass, grid: m.grid, block: m.block,
                       registersPerThread: gemm.fitRegisters(m.registersPerThread, threads: m.block.count),
                       sharedMemoryPerBlock: gemm.fitShared(m.sharedMemory), flops: flops, bytes: bytes,
                       precision: m.kernelClass == .tensorGemm ? precision : .fp32, deps: [])
        k.touchedBytes = touchedBytes
        k.timeScale = timing.timeScale(k, toUs: toUs)
        k.origin = origin
        return k
    }

    /// The extra µs of a forward linear layer whose weights come from DRAM (0 where they stay in the L2, and for other
    /// ops; half precision, whose tensor-core kernels the table did not measure, has no signature and never asks).
    func coldExtraUs(_ sig: OpSignature) -> Double {
        guard let cold, sig.family == .linear, sig.pass == .forward, let x = sig.value("x"), x.count == 2, let out = sig.value("out")?.first else { return 0 }
        return max(0, cold.extraUs(rows: x[0], inputs: x[1], outputs: out))
    }

    /// Cold time over warm for a backward op whose saved tensors are out of the L2 in this training step (1 elsewhere).
    func coldSavedRatio(_ sig: OpSignature, node: Node, flops: Double, bytes: Double) -> Double {
        guard let coldSaved, coldNodes.indices.contains(node.id), coldNodes[node.id] else { return 1 }
        return coldSaved.ratio(sig, shapeClass: GroupPaths.shapeClass(sig, catalog: catalog), flops: flops, bytes: bytes)
    }

    /// Trailing kernels of the op that its catalog entry does not hold: a transposed convolution's bias (added by a
    /// kernel of its own, forward, and reduced by one, weight gradient), where its entry is the bias-free convolution's.
    static func biasKernels(_ node: Node) -> Int {
        switch node.kind {
        case .convTranspose(let a), .convTransposeWeightGrad(let a): return a.bias ? 1 : 0
        default: return 0
        }
    }

    /// This GPU's modelled time for the op over the measured GPU's (1 on the measured GPU itself).
    func transferRatio(_ node: Node, graph: Graph, modelled: [Kernel], dropping keep: Int = 0) -> Double {
        guard let other = measuredOn else { return 1 }
        var l = Lowering(gpu: other, precision: precision)
        l.emit(node, graph: graph)
        l.kernels.removeLast(min(keep, l.kernels.count))
        let there = TimingModel(gpu: other)
        let a = modelled.reduce(0) { $0 + timing.standaloneDuration($1) }
        let b = l.kernels.reduce(0) { $0 + there.standaloneDuration($1) }
        return b > 0 && a > 0 ? a / b : 1
    }
}
