// The one system-call table, for both arches: the backends' trap handlers
// hand over the saved context, the six words are read through ThreadCPU and
// checked by SyscallRequest.decode (Sources/IPC) against the caller's
// capabilities, IPCCore decides who meets whom, and results are written back
// into the context of whichever thread they belong to (a blocked partner's
// saved context, for IPC). A bad call is an error code, never a kernel fault.

/// Per-thread IPC state: the rules (IPCCore: endpoints and capabilities) plus
/// the message each thread has staged (sent, not yet delivered) and where it
/// wants to receive.
struct IPCState {
    var core: IPCCore
    let staging: UnsafeMutableRawPointer
    let words: UnsafeMutablePointer<UInt>
    let length: UnsafeMutablePointer<Int>
    let receiveAt: UnsafeMutablePointer<UInt>
    let receiveCapacity: UnsafeMutablePointer<Int>
    /// Per thread: the badge of the capability its staged message was sent through.
    let badge: UnsafeMutablePointer<UInt>
    var delivered = 0
    var rootEntriesSynced = 0

    /// The state, its arrays (the capability tables among them) from `allocate`.
    static func make(_ allocate: (Int, Int) -> UnsafeMutableRawPointer) -> IPCState {
        let n = Scheduler.capacity
        let caps = tableArray(allocate, n * CapabilitySpace.slots, Capability.empty)
        return IPCState(core: IPCCore(caps: CapabilitySpace(threads: n, storage: caps)),
                        staging: allocate(n * MessageLimits.bufferBytes, 16), words: tableArray(allocate, 2 * n, 0),
                        length: tableArray(allocate, n, 0), receiveAt: tableArray(allocate, n, 0),
                        receiveCapacity: tableArray(allocate, n, 0), badge: tableArray(allocate, n, 0))
    }

    func stage(_ t: ThreadID) -> UnsafeMutableRawPointer { staging + t * MessageLimits.bufferBytes }
    func threadStarted(_ t: ThreadID) {
        words[2 * t] = 0; words[2 * t + 1] = 0; length[t] = 0; badge[t] = 0; receiveAt[t] = 0; receiveCapacity[t] = 0
    }
}

func setSyscallResult(_ context: SavedContext, _ status: Int, _ r1: UInt = 0, _ r2: UInt = 0, _ r3: UInt = 0, _ r4: UInt = 0) {
    Platform.setSyscallWord(context, 0, UInt(bitPattern: status))
    Platform.setSyscallWord(context, 1, r1); Platform.setSyscallWord(context, 2, r2)
    Platform.setSyscallWord(context, 3, r3); Platform.setSyscallWord(context, 4, r4)
}

func syscallFailed(_ context: SavedContext, _ e: SyscallError) -> SavedContext { setSyscallResult(context, e.rawValue); return context }

/// Every system call adds one here, when set (the test image puts it in late-grown heap).
var syscallCounts: UnsafeMutablePointer<UInt64>? = nil
/// The test image's check after each call of the thread it watches (-1: none).
var watchedThread: ThreadID = -1
/// A C function pointer (a Swift closure would bring swift_release onto the trap path); its
/// first argument is the kernel state.
var afterWatchedCall: (@convention(c) (UnsafeMutableRawPointer, ThreadID) -> Void)? = nil

/// A system call from the running task (interrupts off). Returns the context to resume.
func systemCallTrap(_ k: inout KernelState, _ trap: SavedContext) -> SavedContext {
    let t = k.threads.scheduler.current
    let resumed = handleSystemCall(&k, trap, t)
    if t == watchedThread && k.threads.scheduler.state(of: t) != .dead { if let hook = afterWatchedCall { withUnsafeMutablePointer(to: &k) { hook(UnsafeMutableRawPointer($0), t) } } }
    return resumed
}

private func handleSystemCall(_ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID) -> SavedContext {
    if let count = syscallCounts { count.pointee &+= 1 }
    let request: SyscallRequest
    let memory = userMemory(&k, of: t)
    let decoded = withUnsafeMutablePointer(to: &k.tasks.ipc.core.caps) {
        SyscallRequest.decode({ Platform.syscallWord(trap, $0) }, thread: t, caps: UnsafePointer($0), memory: memory)
    }
    switch decoded {
    case .success(let r): request = r
    case .failure(let e): return syscallFailed(trap, e)
    }
    switch request {
    case .debugWrite(let address, let length):
        var text = InlineArray<256, UInt8>(repeating: 0)
        guard withUnsafeMutablePointer(to: &text, { userMemory(&k, of: t).copyIn(from: address, length: length, into: $0) }) else {
            return syscallFailed(trap, .badPointer)
        }
        // Tagged with the task's name, control bytes made visible (Sources/IPC/TaskOutput.swift).
        var midLine = k.tasks.midLine[t] != 0
        withUnsafePointer(to: &text) {
            TaskOutput.write(UnsafeRawPointer($0), count: length, name: k.threads.name(t), midLine: &midLine) {
                Platform().putByte($0)
            }
        }
        k.tasks.midLine[t] = midLine ? 1 : 0
        setSyscallResult(trap, 0, UInt(length))
        return trap
    case .yield:
        setSyscallResult(trap, 0)
        return resume(&k, from: trap, previous: t, next: k.threads.scheduler.yield())
    case .exit(let status):
        kputs("tasks: "); k.threads.putName(t); kputs(" exited with status "); kputDecimal(UInt64(status)); kputs("\n")
        let next = k.threads.scheduler.exit()
        taskEnded(&k, t, .exited, status)
        return resume(&k, from: trap, previous: t, next: next)
    case .sbrk(let increment): return sbrk(&k, trap, t, increment)
    case .send(let e, let badge, let w0, let w1, let buffer, let length, let call, let blocking, let carry, let landing):
        k.tasks.ipc.badge[t] = badge
        return send(&k, trap, t, endpoint: e, w0, w1, buffer: buffer, length: length, call: call, blocking: blocking,
                    carry: carry, landing: landing)
    case .receive(let e, let buffer, let capacity, let blocking, let landing):
        return receive(&k, trap, t, endpoint: e, buffer: buffer, capacity: capacity, blocking: blocking, landing: landing)
    case .reply(let w0, let w1, let carry):
        setSyscallResult(trap, reply(&k, t, w0, w1, carry: carry))
        return trap
    case .replyWait(let e, let w0, let w1, let buffer, let capacity, let carry, let landing):
        // No caller is fine here (the first replyWait of a server has none); any other refusal fails the call.
        let replied = reply(&k, t, w0, w1, carry: carry)
        if replied != 0 && replied != SyscallError.noCaller.rawValue { setSyscallResult(trap, replied); return trap }
        return receive(&k, trap, t, endpoint: e, buffer: buffer, capacity: capacity, blocking: true, landing: landing)
    case .clock:
        let c = Platform.cycleCounter()
        let wide = MemoryLayout<UInt>.size == 8
        setSyscallResult(trap, 0, UInt(truncatingIfNeeded: c), wide ? 0 : UInt(truncatingIfNeeded: c >> 32), Platform.cycleCounterKHz)
        return trap
    case .derive(let from, let to, let rights, let badge):
        if let e = k.tasks.ipc.core.caps.derive(t, from: from, to: to, rights: rights, badge: badge) { return syscallFailed(trap, e) }
        setSyscallResult(trap, 0)
        return trap
    case .delete(let slot):
        switch k.tasks.ipc.core.delete(t, slot) {
        case .failure(let e): return syscallFailed(trap, e)
        case .success(let closedOut): wakeAll(&k, closedOut, with: .endpointClosed)
        }
        setSyscallResult(trap, 0)
        return trap
    case .createEndpoint(let slot):
        if let e = k.tasks.ipc.core.createEndpoint(t, into: slot) { return syscallFailed(trap, e) }
        setSyscallResult(trap, 0)
        return trap
    case .spawn(let address): return spawnRequested(&k, trap, t, address)
    case .kill(let task): return killRequested(&k, trap, t, task)
    case .wait(let blocking): return waitRequested(&k, trap, t, blocking: blocking)
    }
}

private func sbrk(_ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID, _ increment: UInt) -> SavedContext {
    let pageSize = UInt(Platform.Format.pageSize)
    let old = k.tasks.brk[t]
    if Int(bitPattern: increment) < 0 {
        // Give the top back: each page unmapped (and invalidated) before its frame is freed.
        guard let end = userLayout.shrink(brk: old, by: 0 &- increment, base: k.tasks.heapBase[t]) else {
            return syscallFailed(trap, .badRequest)
        }
        let task = space(&k, of: t)
        var page = old
        while page > end {
            page -= pageSize
            if let f = task.unmap(Page(VirtualAddress(page))) { _ = k.frames.free(f); k.tasks.framesHeld[t] -= 1 }
        }
        k.tasks.brk[t] = end
        setSyscallResult(trap, 0, old)
        return trap
    }
    guard let end = userLayout.grow(brk: old, by: increment) else { return syscallFailed(trap, .outOfMemory) }
    let task = space(&k, of: t)
    let before = k.frames.freeFrames
    // Tables made on the way stay the task's, even when the call fails.
    defer { k.tasks.framesHeld[t] += before - k.frames.freeFrames }
    var page = old
    while page < end {
        // Every frame counts against the limit: the page and any table it needed.
        let mapped = mapFresh(&k, Page(VirtualAddress(page)), [.user, .writable], task) != nil
        let overLimit = k.tasks.framesHeld[t] + (before - k.frames.freeFrames) > k.tasks.frameLimit[t]
        if !mapped || overLimit {
            if mapped, let f = task.unmap(Page(VirtualAddress(page))) { _ = k.frames.free(f) }
            while page > old { page -= pageSize; if let f = task.unmap(Page(VirtualAddress(page))) { _ = k.frames.free(f) } }
            return syscallFailed(trap, mapped ? .overLimit : .outOfMemory)
        }
        page += pageSize
    }
    k.tasks.brk[t] = end
    setSyscallResult(trap, 0, old)
    return trap
}

/// A checked send or call: stage the message, then meet a receiver or block.
private func send(_ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID, endpoint e: Int, _ w0: UInt, _ w1: UInt, buffer: UInt, length n: Int,
                  call: Bool, blocking: Bool, carry: Int, landing: Int) -> SavedContext {
    guard userMemory(&k, of: t).copyIn(from: buffer, length: n, into: k.tasks.ipc.stage(t)) else { return syscallFailed(trap, .badPointer) }
    k.tasks.ipc.words[2 * t] = w0; k.tasks.ipc.words[2 * t + 1] = w1; k.tasks.ipc.length[t] = n
    switch k.tasks.ipc.core.send(t, on: e, call: call, blocking: blocking, carry: carry, landing: landing) {
    case .delivered(let r, let capability):
        deliver(&k, from: t, to: r, context: k.threads.context[r], capability: capability)
        k.threads.scheduler.wake(r)
        if !call { setSyscallResult(trap, 0); return trap }
        setSyscallResult(trap, SyscallError.partnerDied.rawValue)   // until the reply overwrites it
        return resume(&k, from: trap, previous: t, next: k.threads.scheduler.block())
    case .blocked:
        setSyscallResult(trap, SyscallError.partnerDied.rawValue)
        return resume(&k, from: trap, previous: t, next: k.threads.scheduler.block())
    case .refused(let e):
        return syscallFailed(trap, e)
    }
}

/// A checked receive: take a waiting sender's message, or block (or, non-blocking, fail).
private func receive(_ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID, endpoint e: Int, buffer: UInt, capacity cap: Int, blocking: Bool,
                     landing: Int) -> SavedContext {
    switch k.tasks.ipc.core.receive(t, on: e, blocking: blocking, landing: landing) {
    case .got(let s, let senderWakes, let capability):
        k.tasks.ipc.receiveAt[t] = buffer; k.tasks.ipc.receiveCapacity[t] = cap
        deliver(&k, from: s, to: t, context: trap, capability: capability)
        if senderWakes { setSyscallResult(k.threads.context[s], 0); k.threads.scheduler.wake(s) }
        return trap
    case .blocked:
        k.tasks.ipc.receiveAt[t] = buffer; k.tasks.ipc.receiveCapacity[t] = cap
        return resume(&k, from: trap, previous: t, next: k.threads.scheduler.block())
    case .refused(let e): return syscallFailed(trap, e)
    }
}

/// `s`'s staged message into `r`'s receive buffer and saved registers; the
/// receiver sees the badge of the capability `s` sent through.
private func deliver(_ k: inout KernelState, from s: ThreadID, to r: ThreadID, context: SavedContext, capability: Bool) {
    let n = min(k.tasks.ipc.length[s], k.tasks.ipc.receiveCapacity[r])
    if n > 0, !userMemory(&k, of: r).copyOut(k.tasks.ipc.stage(s), length: n, to: k.tasks.ipc.receiveAt[r]) {
        setSyscallResult(context, SyscallError.badPointer.rawValue)   // checked at receive; only a change since could do this
        return
    }
    let flag = capability ? MessageInfo.capabilityLanded : 0
    setSyscallResult(context, 0, k.tasks.ipc.badge[s], k.tasks.ipc.words[2 * s], k.tasks.ipc.words[2 * s + 1], UInt(n) | flag)
    k.tasks.ipc.delivered += 1
}

/// `t` answers the call it owes; the caller wakes with the reply's words.
private func reply(_ k: inout KernelState, _ t: ThreadID, _ w0: UInt, _ w1: UInt, carry: Int) -> Int {
    switch k.tasks.ipc.core.reply(t, carry: carry) {
    case .replied(let c, let capability):
        setSyscallResult(k.threads.context[c], 0, 0, w0, w1, capability ? MessageInfo.capabilityLanded : 0)
        k.threads.scheduler.wake(c)
        return 0
    case .refused(let e):
        return e.rawValue
    }
}

/// Wake each thread in `mask` (a bit each) with `error` as its call's result.
func wakeAll(_ k: inout KernelState, _ mask: UInt64, with error: SyscallError) {
    for c in 0..<Scheduler.capacity where mask & (1 << UInt64(c)) != 0 {
        setSyscallResult(k.threads.context[c], error.rawValue)
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
}
