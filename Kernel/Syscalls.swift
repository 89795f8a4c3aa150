// The one system-call table, for both arches: the backends' trap handlers
// hand over the saved context, the six words are read through ThreadCPU and
// checked by SyscallRequest.decode (Sources/IPC), and results are written back
// into the context of whichever thread they belong to (a blocked partner's
// saved context, for IPC). A bad call is an error code, never a kernel fault.

/// Per-thread IPC state: the endpoints' state machine plus the message each
/// thread has staged (sent, not yet delivered) and where it wants to receive.
struct IPCState {
    var endpoints = Endpoints()
    let staging = UnsafeMutableRawPointer.allocate(byteCount: Scheduler.capacity * MessageLimits.bufferBytes, alignment: 16)
    let words = UnsafeMutablePointer<UInt>.allocate(capacity: 2 * Scheduler.capacity)
    let length = UnsafeMutablePointer<Int>.allocate(capacity: Scheduler.capacity)
    let receiveAt = UnsafeMutablePointer<UInt>.allocate(capacity: Scheduler.capacity)
    let receiveCapacity = UnsafeMutablePointer<Int>.allocate(capacity: Scheduler.capacity)
    var delivered = 0
    var rootEntriesSynced = 0

    func stage(_ t: ThreadID) -> UnsafeMutableRawPointer { staging + t * MessageLimits.bufferBytes }
    func threadStarted(_ t: ThreadID) {
        words[2 * t] = 0; words[2 * t + 1] = 0; length[t] = 0; receiveAt[t] = 0; receiveCapacity[t] = 0
    }
}

private func setResult(_ context: UInt, _ status: Int, _ r1: UInt = 0, _ r2: UInt = 0, _ r3: UInt = 0, _ r4: UInt = 0) {
    Platform.setSyscallWord(context, 0, UInt(bitPattern: status))
    Platform.setSyscallWord(context, 1, r1); Platform.setSyscallWord(context, 2, r2)
    Platform.setSyscallWord(context, 3, r3); Platform.setSyscallWord(context, 4, r4)
}

private func fail(_ context: UInt, _ e: SyscallError) -> UInt { setResult(context, e.rawValue); return context }

/// Every system call adds one here, when set (TaskDemo puts it in late-grown heap).
var syscallCounts: UnsafeMutablePointer<UInt64>? = nil

/// A system call from the running task (interrupts off). Returns the context to resume.
func systemCallTrap(_ trap: UInt) -> UInt {
    let t = kernelThreads!.pointee.scheduler.current
    let resumed = handleSystemCall(trap, t)
    if t == fuzzedThread && kernelThreads!.pointee.scheduler.state(of: t) != .dead { checkAfterFuzzedCall(t) }
    return resumed
}

private func handleSystemCall(_ trap: UInt, _ t: ThreadID) -> UInt {
    if let count = syscallCounts { count.pointee &+= 1 }
    guard tasks != nil else { return fail(trap, .badSyscall) }
    let request: SyscallRequest
    let decoded = withUnsafeMutablePointer(to: &tasks!.pointee.ipc.endpoints) {
        SyscallRequest.decode({ Platform.syscallWord(trap, $0) }, endpoints: UnsafePointer($0), memory: userMemory(of: t))
    }
    switch decoded {
    case .success(let r): request = r
    case .failure(let e): return fail(trap, e)
    }
    switch request {
    case .debugWrite(let address, let length):
        var text = InlineArray<256, UInt8>(repeating: 0)
        guard withUnsafeMutablePointer(to: &text, { userMemory(of: t).copyIn(from: address, length: length, into: $0) }) else {
            return fail(trap, .badPointer)
        }
        // Tagged with the task's name, control bytes made visible (Sources/IPC/TaskOutput.swift).
        var midLine = tasks!.pointee.midLine[t] != 0
        withUnsafePointer(to: &text) {
            TaskOutput.write(UnsafeRawPointer($0), count: length, name: kernelThreads!.pointee.name[t], midLine: &midLine) {
                Platform().putByte($0)
            }
        }
        tasks!.pointee.midLine[t] = midLine ? 1 : 0
        setResult(trap, 0, UInt(length))
        return trap
    case .yield:
        setResult(trap, 0)
        return resume(from: trap, previous: t, next: kernelThreads!.pointee.scheduler.yield())
    case .exit(let status):
        kputs("tasks: "); kputs(kernelThreads!.pointee.name[t]); kputs(" exited with status "); kputDecimal(UInt64(status)); kputs("\n")
        let next = kernelThreads!.pointee.scheduler.exit()
        threadGone(t)
        return resume(from: trap, previous: t, next: next)
    case .sbrk(let increment): return sbrk(trap, t, increment)
    case .send(let e, let w0, let w1, let buffer, let length, let call, let blocking):
        return send(trap, t, endpoint: e, w0, w1, buffer: buffer, length: length, call: call, blocking: blocking)
    case .receive(let e, let buffer, let capacity, let blocking):
        return receive(trap, t, endpoint: e, buffer: buffer, capacity: capacity, blocking: blocking)
    case .reply(let w0, let w1):
        setResult(trap, reply(t, w0, w1))
        return trap
    case .replyWait(let e, let w0, let w1, let buffer, let capacity):
        _ = reply(t, w0, w1)   // no caller is fine here: the first replyWait of a server has none
        return receive(trap, t, endpoint: e, buffer: buffer, capacity: capacity)
    case .clock:
        let c = Platform.cycleCounter()
        let wide = MemoryLayout<UInt>.size == 8
        setResult(trap, 0, UInt(truncatingIfNeeded: c), wide ? 0 : UInt(truncatingIfNeeded: c >> 32), Platform.cycleCounterKHz)
        return trap
    }
}

private func sbrk(_ trap: UInt, _ t: ThreadID, _ increment: UInt) -> UInt {
    let pageSize = UInt(Platform.Format.pageSize)
    let old = tasks!.pointee.brk[t]
    guard let end = userLayout.grow(brk: old, by: increment) else { return fail(trap, .outOfMemory) }
    let task = space(of: t)
    let before = kernelGrowth.region!.frames.freeFrames
    // Tables made on the way stay the task's, even when the call fails.
    defer { tasks!.pointee.framesHeld[t] += before - kernelGrowth.region!.frames.freeFrames }
    var page = old
    while page < end {
        // Every frame counts against the limit: the page and any table it needed.
        let mapped = mapFresh(Page(VirtualAddress(page)), [.user, .writable], task) != nil
        let overLimit = tasks!.pointee.framesHeld[t] + (before - kernelGrowth.region!.frames.freeFrames) > tasks!.pointee.frameLimit[t]
        if !mapped || overLimit {
            if mapped, let f = task.unmap(Page(VirtualAddress(page))) { _ = kernelGrowth.region!.frames.free(f) }
            while page > old { page -= pageSize; if let f = task.unmap(Page(VirtualAddress(page))) { _ = kernelGrowth.region!.frames.free(f) } }
            return fail(trap, mapped ? .overLimit : .outOfMemory)
        }
        page += pageSize
    }
    tasks!.pointee.brk[t] = end
    setResult(trap, 0, old)
    return trap
}

/// A checked send or call: stage the message, then meet a receiver or block.
private func send(_ trap: UInt, _ t: ThreadID, endpoint e: Int, _ w0: UInt, _ w1: UInt, buffer: UInt, length n: Int,
                  call: Bool, blocking: Bool = true) -> UInt {
    guard userMemory(of: t).copyIn(from: buffer, length: n, into: tasks!.pointee.ipc.stage(t)) else { return fail(trap, .badPointer) }
    tasks!.pointee.ipc.words[2 * t] = w0; tasks!.pointee.ipc.words[2 * t + 1] = w1; tasks!.pointee.ipc.length[t] = n
    switch tasks!.pointee.ipc.endpoints.send(t, on: e, call: call, blocking: blocking) {
    case .delivered(let r):
        deliver(from: t, to: r, context: kernelThreads!.pointee.context[r])
        kernelThreads!.pointee.scheduler.wake(r)
        if !call { setResult(trap, 0); return trap }
        setResult(trap, SyscallError.partnerDied.rawValue)   // until the reply overwrites it
        return resume(from: trap, previous: t, next: kernelThreads!.pointee.scheduler.block())
    case .blocked:
        setResult(trap, SyscallError.partnerDied.rawValue)
        return resume(from: trap, previous: t, next: kernelThreads!.pointee.scheduler.block())
    case .wouldBlock:
        return fail(trap, .wouldBlock)
    case .badEndpoint:
        return fail(trap, .badEndpoint)
    }
}

/// A checked receive: take a waiting sender's message, or block (or, non-blocking, fail).
private func receive(_ trap: UInt, _ t: ThreadID, endpoint e: Int, buffer: UInt, capacity cap: Int, blocking: Bool = true) -> UInt {
    switch tasks!.pointee.ipc.endpoints.receive(t, on: e, blocking: blocking) {
    case .got(let s, let senderWakes):
        tasks!.pointee.ipc.receiveAt[t] = buffer; tasks!.pointee.ipc.receiveCapacity[t] = cap
        deliver(from: s, to: t, context: trap)
        if senderWakes { setResult(kernelThreads!.pointee.context[s], 0); kernelThreads!.pointee.scheduler.wake(s) }
        return trap
    case .blocked:
        tasks!.pointee.ipc.receiveAt[t] = buffer; tasks!.pointee.ipc.receiveCapacity[t] = cap
        return resume(from: trap, previous: t, next: kernelThreads!.pointee.scheduler.block())
    case .wouldBlock: return fail(trap, .wouldBlock)
    case .replyOwed: return fail(trap, .replyOwed)
    case .badEndpoint:
        return fail(trap, .badEndpoint)
    }
}

/// `s`'s staged message into `r`'s receive buffer and saved registers.
private func deliver(from s: ThreadID, to r: ThreadID, context: UInt) {
    let n = min(tasks!.pointee.ipc.length[s], tasks!.pointee.ipc.receiveCapacity[r])
    if n > 0, !userMemory(of: r).copyOut(tasks!.pointee.ipc.stage(s), length: n, to: tasks!.pointee.ipc.receiveAt[r]) {
        setResult(context, SyscallError.badPointer.rawValue)   // checked at receive; only a change since could do this
        return
    }
    setResult(context, 0, UInt(s), tasks!.pointee.ipc.words[2 * s], tasks!.pointee.ipc.words[2 * s + 1], UInt(n))
    tasks!.pointee.ipc.delivered += 1
}

/// `t` answers the call it owes; the caller wakes with the reply's words.
private func reply(_ t: ThreadID, _ w0: UInt, _ w1: UInt) -> Int {
    switch tasks!.pointee.ipc.endpoints.reply(t) {
    case .replied(let c):
        setResult(kernelThreads!.pointee.context[c], 0, UInt(t), w0, w1)
        kernelThreads!.pointee.scheduler.wake(c)
        return 0
    case .noCaller:
        return SyscallError.noCaller.rawValue
    }
}

/// Thread `t` exited or was killed: callers waiting on its reply wake with an error.
func threadGone(_ t: ThreadID) {
    guard tasks != nil else { return }
    let stranded = tasks!.pointee.ipc.endpoints.threadDied(t)
    for c in 0..<Scheduler.capacity where stranded & (1 << UInt64(c)) != 0 {
        setResult(kernelThreads!.pointee.context[c], SyscallError.partnerDied.rawValue)
        kernelThreads!.pointee.scheduler.wake(c)
    }
}
