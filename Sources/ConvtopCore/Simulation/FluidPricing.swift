/// Block-group pricing as a fluid model: a running batch of block groups progresses at a rate set by its SM share
/// and the chip's DRAM contention *now*, and is re-priced whenever either changes, so shared resources are
/// conserved at every instant (no group keeps a share it had when it started, and none is stuck with the share it
/// got while a short kernel was co-resident).
struct RunningBatch {
    /// Kernel, number of SMs (listed in the state's `slotSMs` at the batch's slot), the SM whose residency sets the
    /// share, and the block units each group holds.
    var kernel: Int, count: Int, sm: Int, units: Int
    /// Work of one group at a full SM share (µs): share-scaled compute, fixed overhead, share-scaled memory.
    var compute: Double, overhead: Double, memory: Double
    /// Memory time no share can shorten (per-warp bandwidth of the group's own warps).
    var memoryFloor: Double
    /// DRAM bytes one group moves.
    var bytes: Double
    /// Bytes/µs one group asks of DRAM at its current share, before contention.
    var demand = 0.0
    /// Fraction done at `since`, the duration at the current rates, and the current end time.
    var progress = 0.0, since = 0.0, duration = 0.0, end = 0.0
    /// Time of the batch's live end event: at or before `end` (an end that moved later is re-armed lazily).
    var armed = 0.0
    var alive = true
    /// Position in the state's `alive` list while running (for O(1) removal).
    var aliveSlot = -1
    /// The DRAM contention factor of the current pricing (≥ 1).
    var contention = 1.0
    /// First recorded `BlockGroup` of the batch (recordBlocks only), -1 otherwise.
    var firstGroup = -1
}

extension Simulator.State {
    /// Shortest duration of a block group (µs): the timing model's floor.
    static let minimumGroupUs = TimingModel.minimumGroupUs
    /// Relative change in a batch's duration below which it keeps its end time.
    static let repriceTolerance = 0.005
    /// Relative change in the chip's DRAM contention factor below which running batches are not re-priced for it.
    static let contentionTolerance = 0.02

    /// Duration of one group of batch `b` at the SM share of this instant, before DRAM contention.
    ///
    /// `mutating` only so that callers pass the state in place: a non-mutating call from a mutating method copied
    /// the whole state (a kilobyte) on every pricing, 17% of a ResNet-50 training iteration.
    mutating func alone(_ b: Int) -> Double {
        // Fields are read in place: copying the batch struct on every pricing cost more than the arithmetic.
        let k = batches[b].kernel
        let resident = sim.gpu.maxWarpsPerSM - sms[batches[b].sm].warps
        let share = sim.timing.share(warps: foot[k].warps, residentWarps: resident, saturation: saturation[k])
        let compute = batches[b].compute / share + batches[b].overhead
        let memory = max(batches[b].memory / share, batches[b].memoryFloor)
        return max(compute, memory, Self.minimumGroupUs)
    }

    /// Sets batch `b`'s nominal DRAM demand (bytes/µs at its share, before contention) and the chip's total.
    mutating func setDemand(_ b: Int, alone: Double) {
        let demand = batches[b].bytes / alone
        let delta = (demand - batches[b].demand) * Double(batches[b].count)
        dramDemand += delta
        if tracksReuse && misses[batches[b].kernel] { missDemand += delta }
        batches[b].demand = demand
    }

    /// The DRAM contention factor batch `b` sees now (≥ 1).
    ///
    /// DRAM is shared in proportion to demand: when the running batches ask for more bytes/µs than the chip
    /// delivers, every batch that moves bytes stretches by the same factor, so the bytes delivered never exceed
    /// the chip's bandwidth (`Trace.peakDRAMUse` records the highest ratio reached).
    /// Notes the demand it is read at, so that a later re-pricing of every batch knows how stale prices may be.
    mutating func contention(_ b: Int) -> Double {
        guard batches[b].bytes > 0 else { return 1 }
        pricedLow = min(pricedLow, dramDemand)
        pricedHigh = max(pricedHigh, dramDemand)
        let k = batches[b].kernel
        let c = max(1, dramDemand / chipBytesPerUs[k])
        guard tracksReuse && misses[k] else { return c }
        missPricedLow = min(missPricedLow, missDemand)
        missPricedHigh = max(missPricedHigh, missDemand)
        return max(c, missDemand / dramCap)
    }

    /// Kernel `k` starts (its first blocks): its traffic misses the L2 if more bytes were touched since its latest
    /// producer started (the reuse distance of what it reads, an LRU stack distance at kernel granularity) than
    /// the L2 holds; a kernel without producers reads what the iteration touched first. Then its bytes count.
    /// The latest producer, not the earliest: a residual add reads its skip connection from far back but its other
    /// input from just before, and counting the whole kernel as a miss made serial ResNets 3-4% slow at batch 8-16.
    mutating func touch(_ k: Int) {
        guard tracksReuse else { return }
        var since = 0.0
        for d in sim.kg.kernels[k].deps where d >= 0 && d < touchedAtStart.count { since = max(since, touchedAtStart[d]) }
        misses[k] = touched - since > Double(sim.gpu.l2Bytes)
        touchedAtStart[k] = touched
        touched += footprint[k]
    }

    /// Starts batch `b` (already appended) at `now`: its demand joins the chip's, the groups its SMs share are
    /// re-priced, and then it is priced and its end scheduled.
    mutating func startBatch(_ b: Int, now: Double) {
        batches[b].since = now
        let a = alone(b)
        setDemand(b, alone: a)
        batches[b].aliveSlot = alive.count
        alive.append(b)
        batches[b].duration = .infinity
        repriceAfterChange(slot: b, now: now, except: b)
        let c = contention(b)
        let duration = a * c
        let end = now + duration
        batches[b].duration = duration
        batches[b].contention = c
        batches[b].end = end
        batches[b].armed = end
        deliver(batches[b].bytes * Double(batches[b].count) / duration, kernel: batches[b].kernel)
        push(end, .batchEnd(batch: Int32(b)))
    }

    /// Re-prices one batch at `now` from its share-dependent duration `a` (its demand already set): credits the
    /// progress made at the old rate, and moves its end if the rate changed.
    mutating func reprice(_ b: Int, now: Double, alone a: Double) {
        guard batches[b].alive else { return }
        let old = batches[b].duration
        batches[b].progress = min(1, batches[b].progress + (now - batches[b].since) / max(old, 1e-9))
        account(b, until: now)
        batches[b].since = now
        let c = contention(b)
        let duration = a * c
        batches[b].contention = c
        guard abs(duration - old) > Self.repriceTolerance * old else { return }
        deliver(batches[b].bytes * Double(batches[b].count) * (1 / duration - 1 / old), kernel: batches[b].kernel)
        batches[b].duration = duration
        let end = now + (1 - batches[b].progress) * duration
        batches[b].end = end
        // An earlier end moves the event; a later one re-arms when the current event fires.
        if end < batches[b].armed {
            batches[b].armed = end
            heap.moveEarlier(slot: b, to: Simulator.Event(time: end, seq: seq, kind: .batchEnd(batch: Int32(b))))
            seq += 1
        }
    }

    /// After residency on the SMs of batch `slot` or DRAM demand changed. First every batch whose share those SMs set
    /// takes its new demand, then those batches are re-priced; if the chip's contention moved by more than the
    /// tolerance since running batches were last priced for it, every running batch is re-priced too, once, after
    /// every change of this instant is in (an event at the same time). Pricing a batch before the others' demand had
    /// settled let a start or end that changed many shares at once leave batches priced at a demand a third below
    /// the real one, and DRAM delivered 20% above the chip's; re-pricing everything at each of an instant's starts
    /// did the same work dozens of times over.
    mutating func repriceAfterChange(slot: Int, now: Double, except: Int = -1) {
        localBatches.clear()
        localAlone.clear()
        let base = slot * slotStride
        for g in base..<(base + batches[slot].count) {
            let sm = Int(slotSMs[g])
            if batchesOnSM[sm].isEmpty { continue }
            // A local reference (re-pricing does not touch these lists, so nothing is copied).
            let list = batchesOnSM[sm]
            for b in list where b != except && batches[b].alive {
                let a = alone(b)
                setDemand(b, alone: a)
                localBatches.append(b)
                localAlone.append(a)
            }
        }
        for i in localBatches.indices { reprice(localBatches[i], now: now, alone: localAlone[i]) }
        if !repricePending && contentionMoved {
            repricePending = true
            push(now, .repriceAll)
        }
    }

    /// Whether some running batch was priced at a contention more than the tolerance away from this instant's: for
    /// all traffic, or (where L2 reuse is tracked) for the traffic that misses the L2.
    var contentionMoved: Bool {
        Self.moved(dramDemand, low: pricedLow, high: pricedHigh, limit: minChipBytesPerUs)
            || (tracksReuse && Self.moved(missDemand, low: missPricedLow, high: missPricedHigh, limit: dramCap))
    }

    /// Whether the contention `demand` sets against `limit` is more than the tolerance away from that of the lowest
    /// or the highest demand batches were priced at.
    static func moved(_ demand: Double, low: Double, high: Double, limit: Double) -> Bool {
        let now = max(1, demand / limit), atLow = max(1, low / limit), atHigh = max(1, high / limit)
        return now / atLow - 1 > contentionTolerance || 1 - now / atHigh > contentionTolerance
    }

    /// Re-prices every running batch that moves bytes: shares first (their demands), then durations at the demand
    /// they add up to.
    mutating func repriceAllIfContentionMoved(_ now: Double) {
        guard contentionMoved else { return }
        let running = alive
        runningAlone.clear()
        for b in running {
            guard batches[b].bytes > 0 else { runningAlone.append(0); continue }
            let a = alone(b)
            setDemand(b, alone: a)
            runningAlone.append(a)
        }
        pricedLow = dramDemand; pricedHigh = dramDemand
        missPricedLow = missDemand; missPricedHigh = missDemand
        for (i, b) in running.enumerated() where runningAlone[i] > 0 { reprice(b, now: now, alone: runningAlone[i]) }
    }

    /// Accounts the time since the batch's last pricing: how much of it DRAM contention stretched, per kernel.
    mutating func account(_ b: Int, until now: Double) {
        let k = batches[b].kernel
        let dt = (now - batches[b].since) * Double(batches[b].count)
        stretchTime[k] += dt
        stretchDRAM[k] += dt * (1 - 1 / batches[b].contention)
    }

    /// Adds to the traffic delivered now (and to the part that misses the L2, if kernel `k`'s does).
    mutating func deliver(_ delta: Double, kernel k: Int) {
        deliveredBytesPerUs = max(0, deliveredBytesPerUs + delta)
        if tracksReuse && misses[k] { deliveredMissBytesPerUs = max(0, deliveredMissBytesPerUs + delta) }
    }

    /// Records the delivered traffic against the tightest limit of the chip for a stretch of time that passed
    /// (called as the clock advances, so an instant's intermediate states, which last no time, do not count): the
    /// largest class bandwidth or the L2's sustained rate for all traffic, DRAM's sustained rate for what misses.
    mutating func recordDRAMUse() {
        if maxChipBytesPerUs > 0 { peakDRAMUse = max(peakDRAMUse, deliveredBytesPerUs / maxChipBytesPerUs) }
        if dramCap.isFinite { peakDRAMUse = max(peakDRAMUse, deliveredMissBytesPerUs / dramCap) }
    }

    /// A batch's end event fired at `now`: finish it (its slot is free again), or re-arm it if its end moved later.
    mutating func batchEndEvent(_ b: Int, _ now: Double) {
        guard batches[b].alive else { return }
        if now >= batches[b].end {
            finishBatch(b, now)
            freeSlots.append(b)
            return
        }
        batches[b].armed = batches[b].end
        push(batches[b].end, .batchEnd(batch: Int32(b)))
    }

    /// A slot for a new batch (it has no end event queued): a free one, or a new one at the end (with room for a
    /// group on every SM).
    mutating func takeSlot() -> Int {
        if let b = freeSlots.popLast() { return b }
        slotSMs.append(contentsOf: repeatElement(0, count: slotStride))
        if corunStretch > 0 { slotArrivals.append(contentsOf: repeatElement(0, count: slotStride)) }
        batches.append(RunningBatch(kernel: 0, count: 0, sm: 0, units: 0, compute: 0, overhead: 0, memory: 0, memoryFloor: 0, bytes: 0))
        return batches.count - 1
    }

    /// Ends batch `b`: frees its SMs, re-prices what shared them, and dispatches onto them.
    mutating func finishBatch(_ b: Int, _ now: Double) {
        var batch = batches[b]
        batch.alive = false
        batches[b] = batch
        let slot = batch.aliveSlot
        if slot >= 0 && slot < alive.count && alive[slot] == b {
            let moved = alive[alive.count - 1]
            alive[slot] = moved
            batches[moved].aliveSlot = slot
            alive.removeLast()
        }
        let k = batch.kernel
        account(b, until: now)
        dramDemand = max(0, dramDemand - batch.demand * Double(batch.count))
        if tracksReuse && misses[k] { missDemand = max(0, missDemand - batch.demand * Double(batch.count)) }
        deliver(-batch.bytes * Double(batch.count) / batch.duration, kernel: k)
        if batch.firstGroup >= 0 {
            for g in batch.firstGroup..<(batch.firstGroup + batch.count) { groups[g].end = now }
        }
        let units = batch.units, f = foot[k]
        let base = b * slotStride
        if corunStretch > 0 { corunLeft(k, slots: base..<(base + batch.count)) }
        for g in base..<(base + batch.count) {
            let s = Int(slotSMs[g])
            sms[s].give(f, units)
            sms[s].resident -= units
            if sms[s].resident == 0 { sms[s].busyTime += now - sms[s].busySince }
        }
        // The freed SMs become dirty for every partition that holds them (all of them, for one of the whole GPU).
        for p in partitions.indices {
            if partitions[p].lower == 0 && partitions[p].upper >= sms.count {
                dirty[p].append(contentsOf: slotSMs[base..<(base + batch.count)])
            } else {
                for g in base..<(base + batch.count) {
                    let s = slotSMs[g]
                    if partitions[p].lower <= Int(s) && Int(s) < partitions[p].upper { dirty[p].append(s) }
                }
            }
        }
        if let i = batchesOnSM[batch.sm].firstIndex(of: b) { batchesOnSM[batch.sm].remove(at: i) }
        running[k] -= batch.count
        let done = unitsLeft[k] == 0 && running[k] == 0
        repriceAfterChange(slot: b, now: now)
        if done {
            if corunHit[k] { records[k].corunStretch = corunStretch }
            push(now + latencyHalf + records[k].corunStretch, .complete(kernel: Int32(k)))
        }
        for p in partitions.indices where !dirty[p].isEmpty && !queues[p].isEmpty { requestDispatch(p, now) }
    }
}
