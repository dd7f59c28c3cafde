/// What a kernel is to its SM neighbours for the co-running stretch (`GPUSpec.corunStretchUs`).
enum CorunRole: Sendable {
    /// A matrix product (tensor-core, CUDA-core or cuBLAS SIMT): it streams its tiles through the SM.
    case product
    /// Element-wise, reduction or layout: a few memory round trips per block, which queue behind a product's.
    case memory
}

/// A memory-bound kernel is stretched if one of its block groups shared an SM with a product's group at any time:
/// a product group was on the SM when the group started, or one arrived before it ended (the SM's count of product
/// arrivals moved). Counters, not lists of tenants: a list scanned at every placement doubled a ResNet-50 training
/// iteration's simulation time.
extension Simulator.State {
    /// Each kernel's role, and SMs without products.
    mutating func setUpCorun() {
        corunRole = sim.kg.kernels.map { k in
            switch k.kernelClass {
            case .tensorGemm, .cudaCore, .simtGemm: return .product
            case .elementwise, .reduction, .layout: return .memory
            }
        }
        corunHit = Array(repeating: false, count: n)
        if corunStretch > 0 {
            productGroups = Array(repeating: 0, count: sim.gpu.smCount)
            productArrivals = productGroups
        }
    }

    /// A block group of kernel `k` starts on SM `s` (the batch's slot records the SM's arrival count separately).
    mutating func arrive(_ k: Int, onSM s: Int) {
        switch corunRole[k] {
        case .product:
            productGroups[s] += 1
            productArrivals[s] &+= 1
        case .memory:
            if productGroups[s] > 0 { corunHit[k] = true }
        }
    }

    /// The group of kernel `k` on SM `s`, in batch-slot entry `slot`, ended.
    mutating func leave(_ k: Int, sm s: Int, slot: Int) {
        switch corunRole[k] {
        case .product:
            productGroups[s] -= 1
        case .memory:
            if productArrivals[s] != slotArrivals[slot] { corunHit[k] = true }
        }
    }
}
