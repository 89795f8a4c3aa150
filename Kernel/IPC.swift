// IPC's kernel half: IPCCore (Sources/IPC) decides who meets whom and
// which capability moves; this file moves the words and bytes between the
// threads' records and their memory, writes each result into the context of
// the thread it belongs to, and tells the scheduler who blocks and who wakes.

/// The IPC rules' state (over the thread records) and its counters.
struct IPCState {
    var core: IPCCore
    var delivered = 0
    var rootEntriesSynced = 0
}

/// A checked send or call: stage the message, then meet a receiver or block.
func send(
    _ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID, endpoint e: Int, _ w0: UInt, _ w1: UInt, buffer: UInt, length n: Int,
    call: Bool, blocking: Bool, carry: Int, landing: Int
) -> SavedContext {
    let memory = userMemory(&k, of: t)
    guard k.records.withStage(t, { memory.copyIn(from: buffer, length: n, into: $0) }) else { return syscallFailed(trap, .badPointer) }
    k.records[t].message.word0 = w0; k.records[t].message.word1 = w1; k.records[t].message.length = n
    switch k.tasks.ipc.core.send(t, on: e, call: call, blocking: blocking, carry: carry, landing: landing) {
    case .delivered(let r, let capability):
        deliver(&k, from: t, to: r, context: k.records[r].context, capability: capability)
        k.threads.scheduler.wake(r)
        if !call { setSyscallResult(trap, 0); return trap }
        setSyscallResult(trap, SyscallError.partnerDied.rawValue)  // until the reply overwrites it
        return resume(&k, from: trap, previous: t, next: k.threads.scheduler.block())
    case .blocked:
        setSyscallResult(trap, SyscallError.partnerDied.rawValue)
        return resume(&k, from: trap, previous: t, next: k.threads.scheduler.block())
    case .refused(let e):
        return syscallFailed(trap, e)
    }
}

/// A checked receive: take a waiting sender's message, or block (or, non-blocking, fail).
/// Senders whose capability cannot land wake with the reason (IPCCore.receive).
@inline(__always)  // out of line it cost i386 about 30 instructions a round trip (two receives)
func receive(
    _ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID, endpoint e: Int, buffer: UInt, capacity cap: Int, blocking: Bool,
    landing: Int
) -> SavedContext {
    var turnedAway = IPCCore.TurnedAway()
    let outcome = k.tasks.ipc.core.receive(t, on: e, blocking: blocking, landing: landing, turnedAway: &turnedAway)
    if turnedAway.senders != 0 { wakeAll(&k, turnedAway.senders, with: turnedAway.error) }
    switch outcome {
    case .got(let s, let senderWakes, let capability):
        k.records[t].message.receiveAt = buffer; k.records[t].message.receiveCapacity = cap
        deliver(&k, from: s, to: t, context: trap, capability: capability)
        if senderWakes { setSyscallResult(k.records[s].context, 0); k.threads.scheduler.wake(s) }
        return trap
    case .notified(let bits):
        setSyscallResult(trap, 0, bits, 0, 0, MessageInfo.notified)
        return trap
    case .blocked:
        k.records[t].message.receiveAt = buffer; k.records[t].message.receiveCapacity = cap
        return resume(&k, from: trap, previous: t, next: k.threads.scheduler.block())
    case .refused(let e): return syscallFailed(trap, e)
    }
}

/// replyWait: the reply, then a blocking receive. Every refusal of the
/// receive half is found before the reply goes, so a refused replyWait has
/// changed nothing; no caller to reply to is fine (a server's first replyWait).
func replyWait(
    _ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID, endpoint e: Int, _ w0: UInt, _ w1: UInt, buffer: UInt,
    capacity: Int, carry: Int, landing: Int
) -> SavedContext {
    do throws(SyscallError) { try k.tasks.ipc.core.checkReceive(t, on: e) } catch { return syscallFailed(trap, error) }
    let replied = reply(&k, t, w0, w1, carry: carry)
    if replied != 0 && replied != SyscallError.noCaller.rawValue { setSyscallResult(trap, replied); return trap }
    return receive(&k, trap, t, endpoint: e, buffer: buffer, capacity: capacity, blocking: true, landing: landing)
}

/// A checked signal: the bits wake the notification's waiter (or its bound
/// thread in a receive), which runs at once if it is more urgent than the caller.
func signal(_ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID, notification n: Int, badge: UInt) -> SavedContext {
    switch deliverSignal(&k, n, badge: badge) {
    case .stored:
        setSyscallResult(trap, 0)
        return trap
    case .woke:
        setSyscallResult(trap, 0)
        return resume(&k, from: trap, previous: t, next: k.threads.scheduler.reschedule())
    case .closed: return syscallFailed(trap, .endpointClosed)
    case .badNotification: return syscallFailed(trap, .wrongType)
    }
}

/// Signal `n` (for a task's call or a timer): a thread it wakes gets the bits
/// as its result and is made ready; the caller decides whether to reschedule.
func deliverSignal(_ k: inout KernelState, _ n: Int, badge: UInt) -> SignalOutcome {
    let outcome = k.tasks.ipc.core.signal(n, badge: badge)
    wakeSignalled(&k, outcome)
    return outcome
}

/// The thread a signal woke (if it woke one) gets the bits as its result and is made ready.
func wakeSignalled(_ k: inout KernelState, _ outcome: SignalOutcome) {
    guard case .woke(let w, let bits, let throughReceive) = outcome else { return }
    setSyscallResult(k.records[w].context, 0, bits, 0, 0, throughReceive ? MessageInfo.notified : 0)
    k.threads.scheduler.wake(w)
}

/// Signal every timer that is due (Timers.swift). True if a thread woke.
func expireTimers(_ k: inout KernelState) -> Bool {
    guard let first = k.tasks.ipc.core.timers.earliest else { return false }
    let now = Platform.cycleCounter()
    if first > now { return false }
    var woke = false
    while let due = k.tasks.ipc.core.timers.expire(now: now) {
        if case .woke = deliverSignal(&k, due.notification, badge: due.badge) { woke = true }
    }
    return woke
}

/// A checked waitSignal or poll: the bits now, or block until a signal (poll: 0 bits).
func waitSignal(_ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID, notification n: Int, blocking: Bool) -> SavedContext {
    switch k.tasks.ipc.core.notifications.wait(t, on: n, blocking: blocking) {
    case .got(let bits):
        setSyscallResult(trap, 0, bits)
        return trap
    case .blocked:
        setSyscallResult(trap, 0)  // until the signal writes its bits
        return resume(&k, from: trap, previous: t, next: k.threads.scheduler.block())
    case .wouldBlock:
        setSyscallResult(trap, 0, 0)
        return trap
    case .busy: return syscallFailed(trap, .busy)
    case .badNotification: return syscallFailed(trap, .wrongType)
    }
}

/// `s`'s staged message into `r`'s receive buffer and saved registers; the
/// receiver sees the badge of the capability `s` sent through.
private func deliver(_ k: inout KernelState, from s: ThreadID, to r: ThreadID, context: SavedContext, capability: Bool) {
    let n = min(k.records[s].message.length, k.records[r].message.receiveCapacity)
    if n > 0 {
        let memory = userMemory(&k, of: r), at = k.records[r].message.receiveAt
        guard k.records.withStage(s, { memory.copyOut($0, length: n, to: at) }) else {
            setSyscallResult(context, SyscallError.badPointer.rawValue)  // checked at receive; only a change since could do this
            return
        }
    }
    let flag = capability ? MessageInfo.capabilityLanded : 0
    setSyscallResult(context, 0, k.records[s].message.badge, k.records[s].message.word0, k.records[s].message.word1, UInt(n) | flag)
    k.tasks.ipc.delivered += 1
}

/// `t` answers the call it owes; the caller wakes with the reply's words.
/// Returns the status (0, or a SyscallError's value).
func reply(_ k: inout KernelState, _ t: ThreadID, _ w0: UInt, _ w1: UInt, carry: Int) -> Int {
    switch k.tasks.ipc.core.reply(t, carry: carry) {
    case .replied(let c, let capability):
        setSyscallResult(k.records[c].context, 0, 0, w0, w1, capability ? MessageInfo.capabilityLanded : 0)
        k.threads.scheduler.wake(c)
        return 0
    case .refused(let e):
        return e.rawValue
    }
}

/// Wake each thread in `mask` (a bit each) with `error` as its call's result.
func wakeAll(_ k: inout KernelState, _ mask: UInt64, with error: SyscallError) {
    for c in 0..<ThreadTable.capacity where mask & (1 << UInt64(c)) != 0 {
        setSyscallResult(k.records[c].context, error.rawValue)
        k.threads.scheduler.wake(c)
    }
}

/// Thread `t` exited or was killed: callers waiting on its reply wake with an
/// error, its capabilities are deleted, and senders on endpoints that closed
/// with them wake with `endpointClosed`.
func threadGone(_ k: inout KernelState, _ t: ThreadID) {
    let (stranded, closedOut) = k.tasks.ipc.core.threadDied(t)
    wakeAll(&k, stranded, with: .partnerDied)
    wakeAll(&k, closedOut, with: .endpointClosed)
    drainRegions(&k)  // a region whose last capability went with it and that nobody maps
    consoleThreadGone(&k, t)
}
