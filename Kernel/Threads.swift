// Kernel threads: the scheduler's decisions (Sources/Sched) plus, per thread,
// a stack above a guard page, a saved context and an entry point. The table
// is part of the kernel state (KernelState.swift): the trap handlers below get
// it from kernelTrap, everything else goes through withKernel.

struct KernelThreads {
    static let stackPages = 4
    var scheduler: Scheduler
    var stacks: KernelStacks<Platform>
    var tables = DirectFromFrames()
    var killed = 0

    /// The scheduler over `records`; the running boot flow is thread 0 (idle).
    static func make(_ records: ThreadTable) -> KernelThreads {
        records.setName(Scheduler.idle, Kernel.nameBytes("idle"))
        return KernelThreads(
            scheduler: Scheduler(quantum: quantumTicks, threads: records),
            stacks: KernelStacks(window: Platform.stackWindow, stackPages: KernelThreads.stackPages))
    }
}

/// Print thread `t`'s name.
func putName(_ k: inout KernelState, _ t: ThreadID) { kputRaw(k.records.name(t)) }

/// A static string's bytes, as thread names are passed.
func nameBytes(_ s: StaticString) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)
}

var timerHz: UInt32 = 0

/// Run `body` with interrupts off, restoring the previous state after (for
/// console lines that must not interleave; the state has withKernel).
func withInterruptsOff<T>(_ body: () -> T) -> T {
    let wereOn = Platform.disableInterrupts()
    let result = body()
    if wereOn { Platform.enableInterrupts() }
    return result
}

/// Start the timer at `hz` and turn interrupts on. False, with the reason printed, if it cannot.
func startTimer(hz: UInt32) -> Bool {
    guard let rate = Platform.startTimer(hz: hz) else { return false }
    timerHz = rate
    Platform.enableInterrupts()
    return true
}

/// A new kernel thread running `body(argument)` on its own stack, or nil (reason printed).
func spawnThread(_ name: StaticString, priority: Int, _ body: ThreadBody, _ argument: UInt = 0) -> ThreadID? {
    withKernel { k in
        try? spawn(&k, nameBytes(name), priority: priority, body: body, argument: argument) { k, t, top in
            Platform.initialContext(area: k.records[t].area, stackTop: top)
        }
    }
}

/// Why a new thread could not be made.
enum SpawnFailure: Error {
    /// Every slot of the thread table holds a live thread or an uncollected end.
    case tableFull
    /// Every kernel stack slot is taken.
    case noStackSlot
    /// No frames for a kernel stack.
    case outOfFrames
}

/// A new ready thread in a fresh slot, with a kernel stack whose first context
/// `makeContext(state, thread, stackTop)` builds (the record's other fields
/// are set by then). A failure throws, the reason printed, and nothing is kept.
func spawn(
    _ k: inout KernelState, _ name: UnsafeRawBufferPointer, priority: Int, body: ThreadBody?, argument: UInt,
    makeContext: (inout KernelState, ThreadID, UInt) -> SavedContext
) throws(SpawnFailure) -> ThreadID {
    guard let t = k.records.firstFree() else {
        kputs("threads: the thread table is full ("); kputDecimal(UInt64(ThreadTable.capacity)); kputs(" threads)\n")
        throw .tableFull
    }
    // A dead thread's stack and address space are released only now: they cannot be in use any more.
    tearDownTask(&k, t)
    if k.records[t].stackSlot >= 0 {
        let old = k.threads.stacks.slot(k.records[t].stackSlot)
        k.threads.stacks.release(old, space: k.space, frames: &k.frames)
    }
    k.records.reset(t)
    let s: StackSlot
    do throws(StackError) {
        s = try k.threads.stacks.allocate(space: k.space, tables: &k.threads.tables, frames: &k.frames)
    } catch {
        kputs("threads: no stack for "); kputRaw(name)
        kputs(error == .noSlot ? ": every stack slot is taken\n" : ": out of physical frames\n")
        throw error == .noSlot ? .noStackSlot : .outOfFrames
    }
    k.records[t].stackSlot = s.index
    k.records[t].stackTop = s.top.raw
    k.records[t].body = body
    k.records[t].argument = argument
    k.records.setName(t, name)
    k.records[t].context = makeContext(&k, t, s.top.raw)
    k.threads.scheduler.admit(t, priority: priority)
    return t
}

/// Where every new thread begins (the backend's initial context returns here).
@_cdecl("kernel_thread_start")
func kernelThreadStart() -> Never {
    let (body, argument) = withKernel { k in
        let t = k.threads.scheduler.current
        return (k.records[t].body, k.records[t].argument)
    }
    body?(argument)
    Platform.schedulerCall(SchedulerRequest.exit.rawValue, 0)
    kernelPanic("a thread ran on after exiting")
}

func currentThread() -> ThreadID { withKernel { $0.threads.scheduler.current } }

/// Timer ticks since the timer started.
func currentTicks() -> UInt64 { withKernel { $0.threads.scheduler.ticks } }

/// The boot flow (the idle thread) waits until `done` holds. It looks on every
/// tick, even while tasks that never block hold the CPU at any priority (the
/// scheduler's idle polling), and halts when nothing else is ready.
func bootFlowWait(until done: (inout KernelState) -> Bool) {
    let wasPolling = withKernel { k -> Bool in
        let on = k.threads.scheduler.idlePolls
        k.threads.scheduler.setIdlePolling(true)
        return on
    }
    while !withKernel(done) {
        Platform.schedulerCall(SchedulerRequest.yield.rawValue, 0)  // the tasks run until the next tick
        if !withKernel({ $0.threads.scheduler.anyReady }) { Platform.waitForInterrupt() }
    }
    if !wasPolling { withKernel { $0.threads.scheduler.setIdlePolling(false) } }
}

/// The running thread sleeps for `n` ticks.
func sleepTicks(_ n: UInt) { Platform.schedulerCall(SchedulerRequest.sleep.rawValue, n) }

/// The running thread waits until another calls wakeThread on it.
func blockThread() { Platform.schedulerCall(SchedulerRequest.block.rawValue, 0) }

/// Make a blocked or sleeping thread ready; false if it was neither.
@discardableResult
func wakeThread(_ t: ThreadID) -> Bool { withKernel { $0.threads.scheduler.wake(t) } }

// MARK: called from kernelTrap, interrupts off, with the state

/// A timer tick: charge the running thread, wake sleepers, preempt when due.
func timerInterrupt(_ k: inout KernelState, _ trap: SavedContext) -> SavedContext {
    let previous = k.threads.scheduler.current
    k.records[previous].cpuTicks &+= 1
    var woke = expireTimers(&k)  // a task's timer that is due signals its notification
    if signalConsoleDriver(&k) { woke = true }  // the kernel's lines since the last tick
    guard k.threads.scheduler.tick() || woke else { return trap }
    let next = k.threads.scheduler.reschedule()
    return resume(&k, from: trap, previous: previous, next: next)
}

/// A kernel thread's request through Platform.schedulerCall: the request and
/// its argument arrive as system-call words 0 and 1.
func schedulerCallTrap(_ k: inout KernelState, _ trap: SavedContext) -> SavedContext {
    let request = Platform.syscallWord(trap, 0), argument = Platform.syscallWord(trap, 1)
    let previous = k.threads.scheduler.current
    let next: ThreadID
    switch SchedulerRequest(rawValue: request) {
    case .yield: next = k.threads.scheduler.yield()
    case .sleep: next = k.threads.scheduler.sleep(ticks: UInt64(argument))
    case .block: next = k.threads.scheduler.block()
    case .exit: next = k.threads.scheduler.exit(); taskEnded(&k, previous, .exited, 0)
    case nil:
        kputs("threads: unknown scheduler request "); kputDecimal(UInt64(request)); kputs("; ignored\n")
        return trap
    }
    return resume(&k, from: trap, previous: previous, next: next)
}

/// A fault the backend has reported (`cause`: its vector or exception class).
/// A thread is killed and another resumed; nil when the boot flow itself
/// faulted (there is nothing to fall back to).
func threadFaulted(_ k: inout KernelState, _ trap: SavedContext, cause: UInt) -> SavedContext? {
    let t = k.threads.scheduler.current
    if t == Scheduler.idle { return nil }
    kputs("threads: killed thread "); kputDecimal(UInt64(t)); kputs(" ("); putName(&k, t)
    kputs("); the others run on\n")
    k.threads.scheduler.kill(t)
    taskEnded(&k, t, .faulted, cause)
    k.threads.killed += 1
    let next = k.threads.scheduler.reschedule()
    return resume(&k, from: trap, previous: t, next: next)
}

/// A line naming the thread whose guard page holds `address`, if one does (fault reports).
func explainStackFault(at address: UInt64) {
    guard let s = stateForReports, let i = s.pointee.threads.stacks.guardSlot(containing: address) else { return }
    for t in 0..<ThreadTable.capacity where s.pointee.records[t].stackSlot == i {
        kputs("stack: "); kputHex(address); kputs(" is in the guard page below thread "); kputDecimal(UInt64(t))
        kputs(" ("); kputRaw(s.pointee.records.name(t)); kputs(")'s stack: a kernel stack overflow, stopped\n")
        return
    }
}

/// Switch from `previous` (interrupted at `trap`) to `next`: keep the old
/// context, enter the new thread's address space and kernel stack.
func resume(_ k: inout KernelState, from trap: SavedContext, previous: ThreadID, next: ThreadID) -> SavedContext {
    if next == previous { return trap }
    if k.threads.scheduler.state(of: previous) != .dead {
        k.records[previous].context = Platform.suspend(trap, area: k.records[previous].area)
    }
    enterAddressSpace(&k, of: next)
    // A task that just died gives its memory back now, off its root: waiting for
    // its slot to be reused kept every frame it held from the tasks after it.
    if k.threads.scheduler.state(of: previous) == .dead { tearDownTask(&k, previous) }
    if k.records[next].stackSlot >= 0 { Platform.willResume(kernelStackTop: k.records[next].stackTop) }
    return k.records[next].context
}
