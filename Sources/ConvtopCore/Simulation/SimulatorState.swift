extension Simulator {
    /// The mutable state of one simulation run; arrays indexed by kernel id, SM or connection.
    struct State {
        let sim: Simulator
        let n: Int
        let latencyHalf: Double
        /// Of the latency before a grid's first block: the launch work the front end shares, and the fixed rest.
        let launchWork: Double, launchDelay: Double
        let gap: Double
        /// Gaps into and out of a memset node (graph replay), and which kernels are memsets.
        let memsetGapIn: Double, memsetGapOut: Double
        let isMemset: [Bool]
        // Per kernel.
        var stream: [Int] = [], conn: [Int] = [], prio: [Int] = [], part: [Int] = []
        var foot: [BlockFootprint] = []
        /// Per kernel: the split of on-chip memory its blocks run with (bytes of shared memory).
        var split: [Int] = []
        var unitBlocks: [Int] = [], unitsLeft: [Int] = [], blocksLeft: [Int] = [], running: [Int] = []
        var depsLeft: [Int] = [], eligibleAt: [Double] = [], arrived: [Bool] = [], consumers: [[Int]] = []
        /// Cross-stream event waits per kernel (each costs the host an event record in eager mode), and those not yet met.
        var crossStreamWaits: [Int] = [], crossLeft: [Int] = []
        var jitter: [Double] = []
        var saturation: [Int] = []
        // Flat per-kernel pricing inputs (µs per block at a full SM share; bytes per block; chip bytes per µs).
        var computeUsPerBlock: [Double] = [], memoryUsPerBlock: [Double] = [], overheadUs: [Double] = []
        var memoryFloorUs: [Double] = [], bytesPerBlock: [Double] = [], chipBytesPerUs: [Double] = []
        var records: [KernelRecord] = []
        var started: [Bool] = []
        var smSeen: [Int] = []
        /// The batch being formed (a counter) and, per SM, the last batch that took it.
        var batchStamp = 0
        var smBatchStamp: [Int] = []
        // Connections (hardware queues).
        var fifo: [[Int]] = [], head: [Int] = [], tryPending: [Double] = []
        var residentGrids = 0
        var lastGridStart = -Double.infinity
        /// The front end, processor-shared: grids in launch (arrival order, which is also finishing order since each
        /// needs the same work), the virtual work each has received, when it was last advanced, and the live event.
        var frontQueue: [Int] = [], frontHead = 0
        var frontFinish: [Double] = []
        var frontWork = 0.0, frontSince = 0.0
        /// Per connection: grids of it in launch; whether it polls (its next grid has arrived and waits on its own
        /// stream's previous kernel, not on another stream's event, none of its grids is in launch, and its last grid
        /// left the front end less than `pollWindow` ago) and until when it may; the polling connections' count. A
        /// polling connection takes a share of the front end like a grid in launch.
        var inLaunch: [Int] = [], polling: [Bool] = [], pollUntil: [Double] = []
        /// How long a queue polls after its last grid's launch (`GPUSpec.queuePollUs`).
        let pollWindow: Double
        var pollingCount = 0
        var frontStamp: Int32 = 0
        var waitingForGridSlot = false
        // Partitions of SMs and their dispatch queues.
        var partitions: [SMRange] = []
        var queues: [[Int]] = []
        var dispatchPending: [Bool] = []
        var readySeq: [Int] = []
        var nextReady = 0
        // SMs.
        var sms: [SMState] = []
        var groups: [BlockGroup] = []
        /// Groups that start together, priced and ended as one (see FluidPricing), in slots reused once a batch has
        /// ended; the SMs of the batch in slot `b` are `slotSMs[b * slotStride ..< + count]`.
        /// (Appending every batch and its groups for the whole run made array growth a third of the run time.)
        var batches: [RunningBatch] = []
        var freeSlots: [Int] = []
        var slotSMs: [Int32] = []
        let slotStride: Int
        /// Running batches, and those whose share is set by each SM.
        var alive: [Int] = []
        var batchesOnSM: [[Int]] = []
        /// The lowest and highest DRAM demand any running batch that moves bytes was priced at since every batch was
        /// last re-priced for contention, and whether such a re-pricing is queued for the current instant.
        var pricedLow = 0.0, pricedHigh = 0.0
        var repricePending = false
        /// The smallest chip bandwidth any kernel class gets (bytes/µs): below it there is no contention.
        var minChipBytesPerUs = Double.infinity
        /// L2 reuse: bytes each kernel touches, all bytes touched so far (kernels in start order), the count when each
        /// kernel started, and whether its inputs were evicted before it read them (more bytes touched since its
        /// latest producer started than the L2 holds).
        var footprint: [Double] = []
        var touched = 0.0
        var touchedAtStart: [Double] = []
        var misses: [Bool] = []
        /// DRAM's sustained traffic (bytes/µs) for what misses the L2 (the L2's own rate is folded into
        /// `chipBytesPerUs`).
        var dramCap = Double.infinity
        /// Whether the profile gives DRAM's sustained rate, so that L2 reuse is tracked at all.
        var tracksReuse = false
        /// Bytes/µs the running batches of kernels that miss ask of DRAM, and its range since the last full re-pricing.
        var missDemand = 0.0
        var missPricedLow = 0.0, missPricedHigh = 0.0
        var maxChipBytesPerUs = 0.0
        /// DRAM bytes/µs the running batches move at their current durations, and the peak ratio to the chip's.
        var deliveredBytesPerUs = 0.0, deliveredMissBytesPerUs = 0.0
        var peakDRAMUse = 0.0
        /// Co-running stretch (`GPUSpec.corunStretchUs`, 0: off): each kernel's role, and whether it shared an SM
        /// with another kernel's matrix product; the kernels of the product groups on each SM (`tenantStride` slots
        /// per SM, as many as its block slots; the counts live in `SMState`); per batch slot and SM, the SM's product
        /// arrivals when the batch's group started there.
        let corunStretch: Double
        var corunRole: [CorunRole] = [], corunHit: [Bool] = []
        var productTenants: [Int32] = [], slotArrivals: [Int32] = []
        var tenantStride = 0
        /// Per kernel: group-time run, and group-time stretched by DRAM contention (for `KernelRecord.dramStretch`).
        var stretchTime: [Double] = [], stretchDRAM: [Double] = []
        /// Scratch: batches re-priced after a change and their share-dependent durations; the same for every running batch.
        var localBatches = ScratchList<Int>(), localAlone = ScratchList<Double>(), runningAlone = ScratchList<Double>()
        /// Scratch: the SMs of one batch of a dispatch pass, and a one-SM list for single placements.
        var batchSMs: [Int] = []
        var singleSM: [Int] = [0]
        /// DRAM bytes per µs drawn by the running block groups.
        var dramDemand = 0.0
        /// SMs that gained free resources since the partition's last dispatch, and the grid that pass served.
        var dirty: [[Int32]] = []
        var lastHead: [Int] = []
        /// Every SM of each partition, for full dispatch passes.
        var partitionSMs: [[Int32]] = []
        /// Scratch of a dispatch pass (`planPass`): the SMs with room for the head grid.
        var cands = ScratchList<Candidate>()
        /// An SM a dispatch pass may serve: its room for the head grid's units, the units dealt to it, and whether it
        /// held no block when the pass began.
        struct Candidate { var sm: Int, room: Int, units: Int, idle: Bool }
        // Events.
        /// Pending events; a running batch's one end event is tracked by its slot, so a re-pricing that brings the end
        /// earlier moves it in place (stale copies left in the heap were over half of all events).
        var heap = MinHeap<Event>(capacity: 1024)
        var seq = 0
        var eventsProcessed = 0
        // Metrics.
        var lastT = 0.0, runningNow = 0, runningIntegral = 0.0, activeTime = 0.0, peak = 0
        var hostLaunches: [HostLaunch] = []
        var completed = 0

        init(_ s: Simulator) throws {
            sim = s
            n = s.kg.kernels.count
            latencyHalf = s.gpu.kernelLatencyUs / 2
            launchWork = min(s.gpu.launchWorkUs ?? latencyHalf, latencyHalf)
            launchDelay = latencyHalf - launchWork
            pollWindow = s.gpu.queuePollUs ?? 0
            corunStretch = s.gpu.corunStretchUs ?? 0
            gap = s.options.launch == .graph ? s.gpu.kernelGapGraphUs : s.gpu.kernelGapEagerUs
            memsetGapIn = s.options.launch == .graph ? s.gpu.memsetGapInGraphUs ?? gap : gap
            memsetGapOut = s.options.launch == .graph ? s.gpu.memsetGapOutGraphUs ?? gap : gap
            isMemset = s.kg.kernels.map(\.isMemset)
            slotStride = max(s.gpu.smCount, 1)
            try Simulator.checkFits(s.kg, gpu: s.gpu)
            setUpPartitions()
            setUpPricing()
            setUpCorun()
            setUpBlockUnits()
            let order = try setUpQueues()
            startHostTimeline(order)
        }

        mutating func push(_ time: Double, _ kind: EventKind) {
            heap.push(Event(time: time, seq: seq, kind: kind))
            seq += 1
        }

        mutating func advance(to t: Double) {
            if t > lastT {
                recordDRAMUse()
                let dt = t - lastT
                runningIntegral += Double(runningNow) * dt
                if runningNow > 0 { activeTime += dt }
                lastT = t
            }
        }

        mutating func run() throws -> Trace {
            while let e = heap.pop() {
                eventsProcessed += 1
                advance(to: e.time)
                switch e.kind {
                case .arrive(let k):
                    arrived[Int(k)] = true
                    tryIssue(conn[Int(k)], e.time)
                case .tryIssue(let c):
                    tryPending[Int(c)] = -1
                    tryIssue(Int(c), e.time)
                case .gridReady(let k):
                    enqueue(Int(k))
                case .frontEnd(let stamp):
                    if stamp == frontStamp { frontEndProgress(e.time) }
                case .dispatch(let p):
                    dispatchPending[Int(p)] = false
                    dispatch(partition: Int(p), now: e.time)
                case .batchEnd(let b):
                    batchEndEvent(Int(b), e.time)
                case .complete(let k):
                    complete(Int(k), e.time)
                case .repriceAll:
                    repricePending = false
                    repriceAllIfContentionMoved(e.time)
                case .pollEnd(let c):
                    if updatePolling(Int(c), e.time) { scheduleFrontEnd(e.time) }
                }
            }
            guard completed == n else { throw ConvtopError(.simulation, "the simulation stalled with \(n - completed) kernels unfinished (a scheduling deadlock); please report this model and policy") }
            for k in 0..<n where stretchTime[k] > 0 { records[k].dramStretch = stretchDRAM[k] / stretchTime[k] }
            // A replay takes no less than the profile's shortest replay, however few its kernels (the host's replay
            // interval, `startHostTimeline`).
            let hostEnd = sim.options.launch == .graph ? hostLaunches.first?.end ?? 0 : 0
            let end = max(records.map(\.end).max() ?? 0, hostEnd)
            let busy = sms.map { $0.busyTime / max(end, 1e-9) }
            return Trace(kernels: records, groups: groups, hostLaunches: hostLaunches, smBusy: busy, iterationTime: end,
                         totalBlocks: sim.kg.totalBlocks, runningIntegral: runningIntegral, activeTime: activeTime,
                         peakConcurrentKernels: peak, hostBoundTime: hostBound(end), events: eventsProcessed,
                         peakDRAMUse: peakDRAMUse)
        }

        /// Issues what connection `c` can, then re-reads whether it polls.
        mutating func tryIssue(_ c: Int, _ now: Double) {
            issueReady(c, now)
            if updatePolling(c, now) { scheduleFrontEnd(now) }
        }

        /// Hands connection `c`'s queue head to the front end while it is ready (arrived, dependencies met, past its
        /// gap, a resident-grid slot free), in FIFO order.
        mutating func issueReady(_ c: Int, _ now: Double) {
            while head[c] < fifo[c].count {
                let k = fifo[c][head[c]]
                guard arrived[k], depsLeft[k] == 0 else { return }
                if eligibleAt[k] > now {
                    if tryPending[c] < 0 || tryPending[c] > eligibleAt[k] {
                        tryPending[c] = eligibleAt[k]
                        push(eligibleAt[k], .tryIssue(connection: Int32(c)))
                    }
                    return
                }
                guard residentGrids < sim.gpu.maxResidentGrids else { waitingForGridSlot = true; return }
                residentGrids += 1
                records[k].issued = now
                head[c] += 1
                startFrontEnd(k, now)
            }
        }

        /// Re-reads whether connection `c` polls; on a change, credits the front end at the old share first.
        /// Returns whether the share changed (the caller re-arms the front end's event).
        mutating func updatePolling(_ c: Int, _ now: Double) -> Bool {
            guard launchWork > 0 && pollWindow > 0 else { return false }
            let p = inLaunch[c] == 0 && now < pollUntil[c] - 1e-12 && head[c] < fifo[c].count && arrived[fifo[c][head[c]]] && crossLeft[fifo[c][head[c]]] == 0
            guard p != polling[c] else { return false }
            advanceFrontEnd(now)
            polling[c] = p
            pollingCount += p ? 1 : -1
            // A queue that starts polling stops when its window ends (unless it issues first).
            if p { push(pollUntil[c], .pollEnd(connection: Int32(c))) }
            return true
        }

        /// A grid enters the front end. Its launch work (`GPUSpec.launchWorkUs`) is processor-shared with every
        /// grid in launch at the same time and every connection polling for its own stream's previous kernel in the
        /// window after that kernel's launch (`GPUSpec.queuePollUs`): a dependent step of tiny kernels costs about
        /// 1.0 µs plus the launch work once per chain in flight, in step or not, which is what the front-end benchmark
        /// shows (a first-come-first-served front end would have kept it flat up to saturation; sharing among the
        /// grids in launch alone let the chains drift into taking turns). A queue behind a long kernel stops polling
        /// when the window ends (round 10's spinning streams), and one waiting on another stream's event takes no
        /// share (the networks' branch runs say so).
        mutating func startFrontEnd(_ k: Int, _ now: Double) {
            guard launchWork > 0 else { leaveFrontEnd(k, now); return }
            advanceFrontEnd(now)
            frontFinish[k] = frontWork + launchWork
            frontQueue.append(k)
            inLaunch[conn[k]] += 1
            scheduleFrontEnd(now)
        }

        /// Credits each grid in launch with its share of the front end since the last change.
        mutating func advanceFrontEnd(_ now: Double) {
            let n = frontQueue.count - frontHead
            if n > 0 { frontWork += (now - frontSince) / Double(n + pollingCount) }
            frontSince = now
        }

        /// Arms one event for the oldest grid's end of launch at the current share.
        mutating func scheduleFrontEnd(_ now: Double) {
            let n = frontQueue.count - frontHead
            guard n > 0 else { frontQueue.removeAll(keepingCapacity: true); frontHead = 0; return }
            frontStamp &+= 1
            let t = now + max(0, frontFinish[frontQueue[frontHead]] - frontWork) * Double(n + pollingCount)
            push(t, .frontEnd(stamp: frontStamp))
        }

        /// The oldest grid leaves the front end (its live event was armed for its end), and with it every grid whose
        /// launch work is done too. Leaving unconditionally keeps rounding from re-arming the same instant forever.
        mutating func frontEndProgress(_ now: Double) {
            advanceFrontEnd(now)
            var first = true
            while frontHead < frontQueue.count && (first || frontFinish[frontQueue[frontHead]] <= frontWork + 1e-9) {
                first = false
                let k = frontQueue[frontHead]
                frontHead += 1
                inLaunch[conn[k]] -= 1
                pollUntil[conn[k]] = now + pollWindow
                leaveFrontEnd(k, now)
                _ = updatePolling(conn[k], now)
            }
            scheduleFrontEnd(now)
        }

        /// A launched grid joins its partition's dispatch queue after the fixed rest of its launch latency, no sooner
        /// than the grid-launch interval after the previous grid (a first-come-first-served floor; 0 where the shared
        /// front end is the whole limit).
        mutating func leaveFrontEnd(_ k: Int, _ now: Double) {
            let ready = max(now + launchDelay, lastGridStart + sim.gpu.gridLaunchIntervalUs)
            lastGridStart = ready
            records[k].ready = ready
            push(ready, .gridReady(kernel: Int32(k)))
        }

        mutating func enqueue(_ k: Int) {
            let p = part[k]
            readySeq[k] = nextReady
            nextReady += 1
            // In place: a local copy of the queue, inserted into, would have copied its buffer every time.
            var i = queues[p].count
            while i > 0 && prio[queues[p][i - 1]] < prio[k] { i -= 1 }
            queues[p].insert(k, at: i)
            dispatch(partition: p, now: lastT)
        }

        mutating func requestDispatch(_ p: Int, _ now: Double) {
            // Dispatch at once unless more groups end at this same instant (they must free their SMs first).
            if !dispatchPending[p] && (heap.min.map { $0.time > now } ?? true) {
                dispatch(partition: p, now: now)
                return
            }
            if !dispatchPending[p] {
                dispatchPending[p] = true
                push(now, .dispatch(partition: Int32(p)))
            }
        }

        /// Serves the partition's queue head. Its blocks are dealt round robin over the SMs with room, as the hardware's
        /// dispatcher deals them: every such SM gets one before any gets a second, so a grid of 400 blocks that fit
        /// four an SM takes three on most of the 132 SMs and four on a few, not four on 100 and none on 32 (round 27,
        /// `Assets/calibration/round27/block_release.jsonl`: such a grid released 128 SMs at four fifths of its
        /// time). With fewer blocks than SMs, idle SMs come first. SMs given the same count, idle or with the same
        /// free room, start as one batch; a later grid is served only once the head has dispatched all its blocks. A
        /// head that was already served only looks at SMs freed since.
        mutating func dispatch(partition p: Int, now: Double) {
            defer { dirty[p].removeAll(keepingCapacity: true) }
            while let k = queues[p].first {
                let sms = lastHead[p] == k ? dirty[p] : partitionSMs[p]
                lastHead[p] = k
                var placedAny = true
                while unitsLeft[k] > 0 && placedAny {
                    placedAny = false
                    let planned = planPass(k, sms: sms)
                    if cands.isEmpty { break }
                    // The SM that takes the kernel's last units is placed on its own (its group may hold fewer blocks).
                    var last = -1
                    if planned == unitsLeft[k] {
                        for i in stride(from: cands.count - 1, through: 0, by: -1) where cands[i].units > 0 { last = i; break }
                    }
                    for i in cands.indices where cands[i].units > 0 && i != last {
                        let s = cands[i].sm, u = cands[i].units, idle = cands[i].idle
                        batchSMs.removeAll(keepingCapacity: true)
                        batchSMs.append(s)
                        cands[i].units = 0
                        for j in (i + 1)..<cands.count where cands[j].units == u && cands[j].idle == idle && j != last {
                            let t = cands[j].sm
                            if idle || self.sms[t].sameRoom(as: self.sms[s]) { batchSMs.append(t); cands[j].units = 0 }
                        }
                        place(k, sms: batchSMs, units: u, now: now)
                        placedAny = true
                    }
                    if last >= 0 {
                        singleSM[0] = cands[last].sm
                        place(k, sms: singleSM, units: cands[last].units, now: now)
                        placedAny = true
                    }
                }
                if unitsLeft[k] > 0 { return }
                queues[p].removeFirst()
            }
        }

        /// Plans one dispatch pass of kernel `k` over `sms` (a freed SM may be named twice; it counts once): the SMs
        /// with room (`cands`), and how many of the kernel's units each takes, dealt round robin up to each SM's room;
        /// returns the units dealt in all. With no more units than idle SMs, the scan stops at the last idle SM it needs.
        mutating func planPass(_ k: Int, sms: [Int32]) -> Int {
            cands.clear()
            batchStamp += 1
            let units = unitsLeft[k]
            var idle = 0
            for s32 in sms {
                let s = Int(s32)
                guard smBatchStamp[s] != batchStamp else { continue }
                smBatchStamp[s] = batchStamp
                let f = self.sms[s].fits(foot[k], split: split[k])
                guard f > 0 else { continue }
                let isIdle = self.sms[s].resident == 0
                cands.append(Candidate(sm: s, room: f, units: 0, idle: isIdle))
                if isIdle { idle += 1; if idle == units { break } }
            }
            var remaining = units, open = cands.count
            while remaining > 0 && open > 0 {
                let step = remaining / open
                guard step > 0 else {
                    // One more each for some: idle SMs first, then busy ones, in SM order.
                    for pass in 0..<2 {
                        let wantIdle = pass == 0
                        for i in cands.indices where remaining > 0 && cands[i].idle == wantIdle && cands[i].units < cands[i].room {
                            cands[i].units += 1; remaining -= 1
                        }
                    }
                    break
                }
                var inc = step
                for i in cands.indices where cands[i].units < cands[i].room { inc = min(inc, cands[i].room - cands[i].units) }
                for i in cands.indices where cands[i].units < cands[i].room {
                    cands[i].units += inc; remaining -= inc
                    if cands[i].units == cands[i].room { open -= 1 }
                }
            }
            return units - remaining
        }

        /// Starts one group of `units` of kernel `k` on each SM of `smList` (SMs in the same state): priced once, with
        /// the batch's DRAM traffic added before pricing, and ended by one event.
        mutating func place(_ k: Int, sms smList: [Int], units: Int, now: Double) {
            let n = smList.count
            let blocks = min(units * unitBlocks[k], blocksLeft[k] / n)
            unitsLeft[k] -= units * n
            blocksLeft[k] -= blocks * n
            for s in smList {
                sms[s].take(foot[k], units, split: split[k])
                if sms[s].resident == 0 { sms[s].busySince = now }
                sms[s].resident += units
                if smSeen[s] != k { smSeen[s] = k; records[k].smsUsed += 1 }
            }
            if !started[k] {
                started[k] = true
                records[k].start = now
                runningNow += 1
                peak = max(peak, runningNow)
                touch(k)
            }
            running[k] += n
            let perUnit = Double(blocks) / Double(units)
            let b = takeSlot()
            var batch = RunningBatch(kernel: k, count: n, sm: smList[0], units: units,
                                     compute: computeUsPerBlock[k] * perUnit * jitter[k], overhead: overheadUs[k] * perUnit * jitter[k],
                                     memory: memoryUsPerBlock[k] * perUnit * jitter[k], memoryFloor: memoryFloorUs[k] * perUnit * jitter[k],
                                     bytes: bytesPerBlock[k] * Double(blocks))
            if sim.options.recordBlocks { batch.firstGroup = groups.count }
            let base = b * slotStride
            for (j, s) in smList.enumerated() {
                if sim.options.recordBlocks {
                    groups.append(BlockGroup(sm: Int32(s), kernel: Int32(k), blocks: Int32(blocks), warps: Int32(foot[k].warps * units),
                                             start: now, end: now))
                }
                slotSMs[base + j] = Int32(s)
            }
            if corunStretch > 0 { corunArrived(k, slots: base..<(base + n)) }
            batches[b] = batch
            batchesOnSM[smList[0]].append(b)
            startBatch(b, now: now)
        }

        mutating func complete(_ k: Int, _ now: Double) {
            records[k].end = now
            completed += 1
            runningNow -= 1
            residentGrids -= 1
            for c in consumers[k] {
                depsLeft[c] -= 1
                let cross = stream[c] != stream[k]
                if cross { crossLeft[c] -= 1 }
                let g = isMemset[k] ? memsetGapOut : (isMemset[c] ? memsetGapIn : gap)
                eligibleAt[c] = max(eligibleAt[c], now + g)
                // Its last cross-stream wait met, a queue's head that still waits on its own stream starts polling.
                if depsLeft[c] == 0 || (cross && crossLeft[c] == 0) { tryIssue(conn[c], now) }
            }
            if waitingForGridSlot {
                waitingForGridSlot = false
                for c in fifo.indices { tryIssue(c, now) }
            }
        }
    }
}
