// IPC with capabilities: the rendezvous of Endpoints.swift plus the
// capability a message may carry. The kernel (Kernel/IPC.swift) calls these
// once a request is decoded, then moves the words and bytes and tells the
// scheduler who blocks and who wakes; every decision is made here.
//
// Carrying a capability is all or nothing: the receiver must have named an
// empty slot for it, and no message is delivered without its capability. The
// check is made before anything moves, and the side that carries the
// capability is the one refused, whoever arrives second:
// - a sender (or caller) meeting a waiting receiver that cannot take it: the
//   send fails with the reason, the receiver stays waiting;
// - a receiver meeting queued senders whose capability it cannot take: each
//   such sender is turned away (it leaves the queue and its send fails with the
//   reason) and the receiver takes the next sender, or waits. So one client
//   can never stop a server from serving the others: a server that names no
//   landing slot is never refused because of what a client carries;
// - a replier answering a caller that named no slot for it: the reply fails,
//   the caller still waits for a reply.
// Notifications (Notifications.swift) meet the rendezvous in one place: a
// receive by a thread bound to a notification ends with its bits when they
// are set, and a signal takes such a thread out of its endpoint's queue.
// Pure and allocation-free once made, so the host tests drive every rule.

struct IPCCore {
    var endpoints: Endpoints
    var notifications: Notifications
    var timers: Timers
    var interrupts = Interrupts()
    var regions = Regions()
    var caps: CapabilitySpace
    /// The records (carry, landing) shared with the endpoints and capabilities.
    let threads: ThreadTable

    init(threads: ThreadTable = .allocate()) {
        self.threads = threads
        endpoints = Endpoints(threads: threads)
        notifications = Notifications(threads: threads)
        timers = Timers(threads: threads)
        caps = CapabilitySpace(threads: threads)
    }

    enum Send: Equatable {
        /// A receiver was waiting and has the message (and the capability, if any).
        case delivered(to: ThreadID, capability: Bool)
        /// Queued until a receiver comes.
        case blocked
        case refused(SyscallError)
    }

    enum Receive: Equatable {
        /// A sender was waiting; `senderWakes` is false for a caller, which now awaits the reply.
        case got(from: ThreadID, senderWakes: Bool, capability: Bool)
        /// The receiver's bound notification had these bits set: no message.
        case notified(bits: UInt)
        case blocked
        case refused(SyscallError)
    }

    /// Senders a receive turned away (a bit each): their capability could not
    /// land, so each leaves the queue and its send fails with `error`.
    struct TurnedAway: Equatable {
        var senders: UInt64 = 0
        var error = SyscallError.noSlotNamed
    }

    enum Reply: Equatable {
        case replied(to: ThreadID, capability: Bool)
        case refused(SyscallError)
    }

    /// `t` sends on endpoint `e` (already checked: `t` holds send on it).
    /// `carrySlot`: a capability to pass (checked: held with grant), or -1;
    /// `landingSlot`: for a call, where a capability in the reply may land.
    mutating func send(_ t: ThreadID, on e: Int, call: Bool, blocking: Bool, carry carrySlot: Int, landing landingSlot: Int) -> Send {
        if endpoints.isClosed(e) { return .refused(.endpointClosed) }
        if carrySlot >= 0, let r = endpoints.waitingReceiver(e) {
            do throws(SyscallError) { try caps.checkLanding(r, Int(threads[r].landing)) } catch { return .refused(error) }
        }
        threads[t].carry = Int8(carrySlot)
        threads[t].landing = Int8(call ? landingSlot : -1)
        switch endpoints.send(t, on: e, call: call, blocking: blocking) {
        case .delivered(let r):
            let moved = carryTo(r, from: t)
            return .delivered(to: r, capability: moved)
        case .blocked: return .blocked
        case .wouldBlock: threads[t].carry = -1; return .refused(.wouldBlock)
        case .closed: threads[t].carry = -1; return .refused(.endpointClosed)
        case .badEndpoint: threads[t].carry = -1; return .refused(.endpointClosed)
        }
    }

    /// `t` receives on `e` (already checked: `t` holds receive on it), a
    /// carried capability landing in `landingSlot` (-1: none accepted).
    /// Queued senders whose capability cannot land there are turned away
    /// first (`turnedAway` gains them; the kernel wakes them with its error).
    mutating func receive(
        _ t: ThreadID, on e: Int, blocking: Bool, landing landingSlot: Int,
        turnedAway: inout TurnedAway
    ) -> Receive {
        if endpoints.owesReply(t) != nil { return .refused(.replyOwed) }
        if threads[t].boundNotification >= 0 {  // one load and compare for an unbound thread
            let bits = notifications.takeBound(t)
            if bits != 0 { return .notified(bits: bits) }
        }
        while let s = endpoints.waitingSender(e), threads[s].carry >= 0 {
            do throws(SyscallError) {
                try caps.checkLanding(t, landingSlot)
                break  // the front sender's capability can land: serve it
            } catch {
                endpoints.turnAwayFront(e)
                threads[s].carry = -1
                threads[s].landing = -1
                turnedAway.senders |= 1 << UInt64(s)
                turnedAway.error = error
            }
        }
        threads[t].landing = Int8(landingSlot)
        switch endpoints.receive(t, on: e, blocking: blocking) {
        case .got(let s, let senderWakes):
            let moved = carryTo(t, from: s)
            return .got(from: s, senderWakes: senderWakes, capability: moved)
        case .blocked: return .blocked
        case .wouldBlock: return .refused(.wouldBlock)
        case .replyOwed: return .refused(.replyOwed)
        case .badEndpoint: return .refused(.endpointClosed)
        }
    }

    /// Throws why a blocking receive by `t` on `e` would be refused (it may
    /// block): replyWait asks before it replies, so that a refused replyWait
    /// has changed nothing.
    func checkReceive(_ t: ThreadID, on e: Int) throws(SyscallError) {
        if !endpoints.exists(e) { throw .endpointClosed }
    }

    /// `t` answers the call it owes, passing the capability in `carrySlot` (or -1).
    mutating func reply(_ t: ThreadID, carry carrySlot: Int) -> Reply {
        guard let c = endpoints.owesReply(t) else { return .refused(.noCaller) }
        if carrySlot >= 0 {
            do throws(SyscallError) { try caps.checkLanding(c, Int(threads[c].landing)) } catch { return .refused(error) }
        }
        switch endpoints.reply(t) {
        case .replied(let c):
            threads[t].carry = Int8(carrySlot)
            let moved = carryTo(c, from: t)
            threads[c].landing = -1
            return .replied(to: c, capability: moved)
        case .noCaller: return .refused(.noCaller)
        }
    }

    /// Signal notification `n` with `badge`. A thread it wakes through a
    /// receive (the notification's bound thread) leaves its endpoint's queue here.
    mutating func signal(_ n: Int, badge: UInt) -> SignalOutcome {
        let outcome = notifications.signal(n, badge: badge)
        if case .woke(let w, _, true) = outcome {
            endpoints.cancelReceive(w)
            threads[w].landing = -1
        }
        return outcome
    }

    /// `line` fired (the kernel has masked it): signal the notification its
    /// object is bound to, unless it is pending already or nobody owns it.
    mutating func interruptArrived(line: UInt32) -> (InterruptArrival, SignalOutcome?) {
        let arrival = interrupts.arrived(line: line)
        guard case .signal(_, let n, let badge) = arrival else { return (arrival, nil) }
        return (arrival, signal(n, badge: badge))
    }

    /// A new interrupt object for `line` in `t`'s empty `slot` (every right),
    /// signalling notification `n` with `badge`. busy: another object has the line.
    mutating func createInterrupt(_ t: ThreadID, into slot: Int, line: UInt32, notification n: Int, badge: UInt) throws(SyscallError) {
        try create(t, into: slot, .interrupt(line: line, notification: n, badge: badge))
    }

    /// A new region of `space` over [base, base + size) in `t`'s empty `slot`
    /// (every right). busy: a device or port region that overlaps another.
    mutating func createRegion(_ t: ThreadID, into slot: Int, _ space: RegionSpace, base: UInt64, size: UInt64) throws(SyscallError) {
        try create(t, into: slot, .region(space, base: base, size: size))
    }

    /// Make a new endpoint into `t`'s empty `slot`, with every right and no badge.
    mutating func createEndpoint(_ t: ThreadID, into slot: Int) throws(SyscallError) { try create(t, into: slot, .endpoint) }

    /// Make a new notification into `t`'s empty `slot`, with every right and no badge.
    mutating func createNotification(_ t: ThreadID, into slot: Int) throws(SyscallError) { try create(t, into: slot, .notification) }

    /// What `create` makes.
    private enum Making {
        case endpoint, notification
        case interrupt(line: UInt32, notification: Int, badge: UInt)
        case region(RegionSpace, base: UInt64, size: UInt64)
    }

    /// Make an object of the kind asked for and install a capability to it in
    /// `t`'s `slot`. The slot is checked before the object is made, so a refusal
    /// leaves nothing behind; an object that could not be installed is freed again.
    private mutating func create(_ t: ThreadID, into slot: Int, _ making: Making) throws(SyscallError) {
        try caps.checkEmpty(t, slot)
        let o: KernelObject
        switch making {
        case .endpoint:
            guard let e = endpoints.create() else { throw .noResources }
            o = .endpoint(e)
        case .notification:
            guard let n = notifications.create() else { throw .noResources }
            o = .notification(n)
        case .interrupt(let line, let n, let badge):
            guard notifications.exists(n) else { throw .wrongType }
            let i = try interrupts.create(line: line)
            interrupts.bind(i, notification: n, badge: badge)
            o = .interrupt(i)
        case .region(let space, let base, let size):
            o = .region(try regions.create(space, base: base, size: size))
        }
        do throws(SyscallError) { try caps.install(Capability(object: o, rights: .all, badge: 0), in: t, at: slot) } catch {
            _ = apply(CapabilitySpace.Released(closed: o, freed: o))
            throw error
        }
    }

    /// `t` deletes its `slot`. Returns the senders (a bit each) to wake with
    /// `endpointClosed` because the endpoint's last receive capability went.
    mutating func delete(_ t: ThreadID, _ slot: Int) throws(SyscallError) -> UInt64 {
        apply(try caps.delete(t, slot))
    }

    /// `t` is gone: out of every queue and debt, its capabilities deleted.
    /// Returns the callers that waited for its reply (wake with `partnerDied`)
    /// and the senders queued on endpoints that closed (wake with `endpointClosed`).
    mutating func threadDied(_ t: ThreadID) -> (stranded: UInt64, closedOut: UInt64) {
        notifications.threadDied(t)
        timers.cancel(t)
        let stranded = endpoints.threadDied(t)
        threads[t].carry = -1; threads[t].landing = -1
        var closedOut: UInt64 = 0
        var released = InlineArray<16, CapabilitySpace.Released>(repeating: .nothing)
        var n = 0
        caps.clearAll(t) { r in
            released[n] = r; n += 1
        }
        for i in 0..<n { closedOut |= apply(released[i]) }
        return (stranded, closedOut)
    }

    private mutating func apply(_ r: CapabilitySpace.Released) -> UInt64 {
        var woken: UInt64 = 0
        switch r.closed {
        case .endpoint(let e): woken = endpoints.close(e)
        case .notification(let n): notifications.close(n)
        default: break
        }
        switch r.freed {
        case .endpoint(let e): endpoints.free(e)
        case .notification(let n): notifications.free(n); timers.cancelAll(notification: n); interrupts.notificationFreed(n)
        case .interrupt(let i): _ = interrupts.free(i)  // its line stays masked (the kernel's controller code)
        case .region(let r): regions.capabilitiesGone(r)  // freed once no task maps it (the kernel drains it)
        default: break
        }
        for i in 0..<ThreadTable.capacity where woken & (1 << UInt64(i)) != 0 { threads[i].carry = -1; threads[i].landing = -1 }
        return woken
    }

    /// Move the capability `s`'s message carries (if any) to `r`'s landing slot.
    /// The landing was checked before the rendezvous, so this cannot fail.
    private mutating func carryTo(_ r: ThreadID, from s: ThreadID) -> Bool {
        let slot = Int(threads[s].carry)
        threads[s].carry = -1
        guard slot >= 0 else { return false }
        defer { threads[r].landing = -1 }
        do throws(SyscallError) {
            try caps.transfer(from: s, slot, to: r, Int(threads[r].landing))
            return true
        } catch {
            return false
        }
    }
}
