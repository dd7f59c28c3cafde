/// What a kernel is to its SM neighbours for the co-running stretch (`GPUSpec.corunStretchUs`).
enum CorunRole: Sendable {
    /// A matrix product (tensor-core, CUDA-core or cuBLAS SIMT): it streams its tiles through the SM.
    case product
    /// Element-wise, reduction or layout: a few memory round trips per block, which queue behind a product's.
    case memory
}

/// A kernel is stretched if one of its block groups shared an SM with a group of another kernel's product at any
/// time. For a memory-bound kernel: a product group was on the SM when its group started, or one arrived before it
/// ended (the SM's count of product arrivals moved) — counters, since memory-bound groups are many. For a product: a
/// group of another product was there when its group started, or arrived while it ran (each SM keeps the kernels of
/// the few product groups it holds). A product beside memory-bound kernels only is not stretched: it already shares
/// the SM's issue slots by warp counts, and the profiles show it barely slower than that. The counts live in
/// `SMState` and the tenants in one flat array, and nothing is written that is already set: per-SM arrays of their
/// own, and a nested array per SM, cost 45% more instructions per ResNet-50 training iteration in copy-on-write checks.
extension Simulator.State {
    /// Kernel `k`'s new groups started on the SMs of batch-slot entries `slots`: a product's groups arrive
    /// (`productArrived`); a memory-bound kernel's, the many, record their SMs' product arrivals so far, read through
    /// buffer pointers with one write of its flag at the end. Kept out of the placement loop: a call there cost
    /// every placement copy-on-write checks, on or off.
    mutating func corunArrived(_ k: Int, slots: Range<Int>) {
        guard corunRole[k] == .memory else {
            for g in slots { productArrived(k, onSM: Int(slotSMs[g])) }
            return
        }
        var hit = false
        slotSMs.withUnsafeBufferPointer { smOf in
            sms.withUnsafeBufferPointer { state in
                slotArrivals.withUnsafeMutableBufferPointer { arrivals in
                    for g in slots {
                        let s = Int(smOf[g])
                        arrivals[g] = state[s].productArrivals
                        if state[s].productGroups > 0 { hit = true }
                    }
                }
            }
        }
        if hit && !corunHit[k] { corunHit[k] = true }
    }

    /// Kernel `k`'s groups in batch-slot entries `slots` ended.
    mutating func corunLeft(_ k: Int, slots: Range<Int>) {
        guard corunRole[k] == .memory else {
            for g in slots { productLeft(k, sm: Int(slotSMs[g])) }
            return
        }
        guard !corunHit[k] else { return }
        var hit = false
        slotSMs.withUnsafeBufferPointer { smOf in
            sms.withUnsafeBufferPointer { state in
                slotArrivals.withUnsafeBufferPointer { arrivals in
                    for g in slots where state[Int(smOf[g])].productArrivals != arrivals[g] { hit = true; break }
                }
            }
        }
        if hit { corunHit[k] = true }
    }

    /// Each kernel's role, and SMs without products.
    mutating func setUpCorun() {
        corunRole = sim.kg.kernels.map { $0.kernelClass.isMatrixProduct ? .product : .memory }
        corunHit = Array(repeating: false, count: n)
        if corunStretch > 0 {
            tenantStride = max(sim.gpu.maxBlocksPerSM, 1)
            productTenants = Array(repeating: -1, count: sim.gpu.smCount * tenantStride)
        }
    }

    /// A block group of product `k` starts on SM `s`: it and the other products' groups there stretch each other.
    mutating func productArrived(_ k: Int, onSM s: Int) {
        let base = s * tenantStride, count = min(Int(sms[s].productGroups), tenantStride)
        var other = false
        for i in base..<(base + count) {
            let t = Int(productTenants[i])
            guard t != k else { continue }
            other = true
            if !corunHit[t] { corunHit[t] = true }
        }
        if other && !corunHit[k] { corunHit[k] = true }
        // Every group holds a block, so an SM never holds more product groups than block slots.
        if count < tenantStride { productTenants[base + count] = Int32(k) }
        sms[s].productGroups += 1
        sms[s].productArrivals &+= 1
    }

    /// The group of product `k` on SM `s` ended.
    mutating func productLeft(_ k: Int, sm s: Int) {
        let base = s * tenantStride, count = min(Int(sms[s].productGroups), tenantStride)
        var i = base
        while i < base + count && productTenants[i] != Int32(k) { i += 1 }
        if i < base + count {
            productTenants[i] = productTenants[base + count - 1]
            productTenants[base + count - 1] = -1
        }
        sms[s].productGroups -= 1
    }
}
