// Kernel threads: the scheduler's decisions (Sources/Sched) plus, per thread,
// a stack above a guard page, a saved context and an entry point. The table
// is touched only with interrupts off: by the trap handlers below (traps run
// with interrupts off on both arches) and inside withInterruptsOff elsewhere.

typealias ThreadBody = @convention(c) (UInt) -> Void

struct KernelThreads {
    static let stackPages = 4
    var scheduler: Scheduler
    var stacks: KernelStacks<Platform>
    var tables = DirectFromFrames()
    /// Per thread: the handle that resumes it, its stack slot (-1: none), its body and argument.
    let context: UnsafeMutablePointer<SavedContext>
    let slot: UnsafeMutablePointer<Int>
    let body: UnsafeMutablePointer<ThreadBody?>
    let argument: UnsafeMutablePointer<UInt>
    /// Per thread, `nameBytes` bytes: the name's length, then the name.
    let names: UnsafeMutablePointer<UInt8>
    static let nameBytes = 16
    /// Platform.contextBytes per thread, where the backend keeps switched-out contexts.
    let areas: UnsafeMutableRawPointer?
    var killed = 0

    func area(_ t: ThreadID) -> UnsafeMutableRawPointer? { areas.map { $0 + t * Platform.contextBytes } }

    func name(_ t: ThreadID) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: names + t * KernelThreads.nameBytes + 1, count: Int(names[t * KernelThreads.nameBytes]))
    }

    /// Name thread `t` (at most nameBytes - 1 bytes are kept).
    func setName(_ t: ThreadID, _ name: UnsafeRawBufferPointer) {
        let n = min(name.count, KernelThreads.nameBytes - 1)
        names[t * KernelThreads.nameBytes] = UInt8(n)
        for i in 0..<n { names[t * KernelThreads.nameBytes + 1 + i] = name[i] }
    }
}

/// A static string's bytes, as thread names are passed.
func nameBytes(_ s: StaticString) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)
}

/// Print thread `t`'s name.
func kputName(_ t: ThreadID) {
    guard let threads = kernelThreads else { return }
    let name = threads.pointee.name(t)
    for i in 0..<name.count { Platform().putByte(name[i]) }
}

/// Nil until startThreads; then only touched with interrupts off. A pointer,
/// not an Optional struct: `kernelThreads!.pointee.x` works in place, where
/// reading a member through an Optional global copied the whole table (several
/// KiB, with the scheduler) onto the stack on every access: 44 % of an i386
/// IPC round trip's kernel instructions went to such copies in resume.
var kernelThreads: UnsafeMutablePointer<KernelThreads>? = nil
/// Timer ticks each thread has been charged, for threads to read without the table.
var threadCPUTicks: UnsafeMutablePointer<UInt64>? = nil
var timerHz: UInt32 = 0

/// Run `body` with interrupts off, restoring the previous state after.
func withInterruptsOff<T>(_ body: () -> T) -> T {
    let wereOn = Platform.disableInterrupts()
    let result = body()
    if wereOn { Platform.enableInterrupts() }
    return result
}

/// Make the running boot flow thread 0 (the idle thread), start the timer at
/// `hz` and turn interrupts on. False, with the reason printed, if it cannot.
func startThreads(hz: UInt32, quantum: UInt64) -> Bool {
    let n = Scheduler.capacity
    let names = UnsafeMutablePointer<UInt8>.allocate(capacity: n * KernelThreads.nameBytes)
    names.initialize(repeating: 0, count: n * KernelThreads.nameBytes)
    let bytes = Platform.contextBytes * n
    let table = UnsafeMutablePointer<KernelThreads>.allocate(capacity: 1)
    table.initialize(to: KernelThreads(
        scheduler: Scheduler(quantum: quantum),
        stacks: KernelStacks(window: Platform.stackWindow, stackPages: KernelThreads.stackPages),
        context: filled(n, SavedContext.none), slot: filled(n, -1), body: filled(n, nil), argument: filled(n, 0), names: names,
        areas: bytes == 0 ? nil : UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)))
    kernelThreads = table
    table.pointee.setName(Scheduler.idle, nameBytes("idle"))
    var tables = table.pointee.tables
    if table.pointee.stacks.prepareTables(space: kernelGrowth.region!.space, tables: &tables, frames: &kernelGrowth.region!.frames) != nil {
        kputs("threads: no frames for the kernel stacks' page tables\n")
        return false
    }
    table.pointee.tables = tables
    threadCPUTicks = filled(n, 0)
    guard let rate = Platform.startTimer(hz: hz) else { return false }
    timerHz = rate
    Platform.enableInterrupts()
    return true
}

private func filled<T>(_ count: Int, _ value: T) -> UnsafeMutablePointer<T> {
    let p = UnsafeMutablePointer<T>.allocate(capacity: count)
    p.initialize(repeating: value, count: count)
    return p
}

/// A new thread running `body(argument)` on its own stack, or nil (reason printed).
func spawnThread(_ name: StaticString, priority: Int, _ body: ThreadBody, _ argument: UInt = 0) -> ThreadID? {
    spawn(nameBytes(name), priority: priority, body: body, argument: argument) { t, top in
        if tasks != nil { tasks!.pointee.root[t] = 0 }   // a kernel thread, even in a slot a task had
        return Platform.initialContext(area: kernelThreads!.pointee.area(t), stackTop: top)
    }
}

/// A new thread with a kernel stack whose first context `makeContext(thread, stackTop)` builds.
func spawn(_ name: UnsafeRawBufferPointer, priority: Int, body: ThreadBody?, argument: UInt,
           makeContext: (ThreadID, UInt) -> SavedContext) -> ThreadID? {
    withInterruptsOff {
        guard let t = kernelThreads!.pointee.scheduler.add(priority: priority) else {
            kputs("threads: the thread table is full\n"); return nil
        }
        // A dead thread's stack and address space are released only now: they cannot be in use any more.
        tearDownTask(t)
        if kernelThreads!.pointee.slot[t] >= 0 {
            let old = kernelThreads!.pointee.stacks.slot(kernelThreads!.pointee.slot[t])
            kernelThreads!.pointee.stacks.release(old, space: kernelGrowth.region!.space, frames: &kernelGrowth.region!.frames)
            kernelThreads!.pointee.slot[t] = -1
        }
        var tables = kernelThreads!.pointee.tables
        defer { kernelThreads!.pointee.tables = tables }
        switch kernelThreads!.pointee.stacks.allocate(space: kernelGrowth.region!.space, tables: &tables,
                                              frames: &kernelGrowth.region!.frames) {
        case .failure(let e):
            kernelThreads!.pointee.scheduler.kill(t)
            kputs("threads: no stack for "); for i in 0..<name.count { Platform().putByte(name[i]) }
            kputs(e == .noSlot ? ": every stack slot is taken\n" : ": out of physical frames\n")
            return nil
        case .success(let s):
            kernelThreads!.pointee.slot[t] = s.index
            kernelThreads!.pointee.body[t] = body
            kernelThreads!.pointee.argument[t] = argument
            kernelThreads!.pointee.setName(t, name)
            threadCPUTicks![t] = 0
            kernelThreads!.pointee.context[t] = makeContext(t, s.top.raw)
            return t
        }
    }
}

/// Where every new thread begins (the backend's initial context returns here).
@_cdecl("kernel_thread_start")
func kernelThreadStart() -> Never {
    let (body, argument) = withInterruptsOff {
        let t = kernelThreads!.pointee.scheduler.current
        return (kernelThreads!.pointee.body[t], kernelThreads!.pointee.argument[t])
    }
    body?(argument)
    Platform.schedulerCall(SchedulerRequest.exit.rawValue, 0)
    kernelPanic("a thread ran on after exiting")
}

func currentThread() -> ThreadID { withInterruptsOff { kernelThreads?.pointee.scheduler.current ?? Scheduler.idle } }

/// Timer ticks since the timer started.
func currentTicks() -> UInt64 { withInterruptsOff { kernelThreads?.pointee.scheduler.ticks ?? 0 } }

/// The boot flow (the idle thread) waits until `done` holds. It looks on every
/// tick, even while tasks that never block hold the CPU at any priority (the
/// scheduler's idle polling), and halts when nothing else is ready.
/// Polling must already be on when a task that may never block is made ready
/// (see runTaskDemo): else the boot flow could lose the CPU before it got here.
func bootFlowWait(until done: () -> Bool) {
    let wasPolling = withInterruptsOff { () -> Bool in
        let on = kernelThreads!.pointee.scheduler.idlePolls
        kernelThreads!.pointee.scheduler.setIdlePolling(true)
        return on
    }
    while !withInterruptsOff(done) {
        Platform.schedulerCall(SchedulerRequest.yield.rawValue, 0)   // the tasks run until the next tick
        if !withInterruptsOff({ kernelThreads!.pointee.scheduler.anyReady }) { Platform.waitForInterrupt() }
    }
    if !wasPolling { withInterruptsOff { kernelThreads!.pointee.scheduler.setIdlePolling(false) } }
}

/// The running thread sleeps for `n` ticks.
func sleepTicks(_ n: UInt) { Platform.schedulerCall(SchedulerRequest.sleep.rawValue, n) }

/// The running thread waits until another calls wakeThread on it.
func blockThread() { Platform.schedulerCall(SchedulerRequest.block.rawValue, 0) }

/// Make a blocked or sleeping thread ready; false if it was neither.
@discardableResult
func wakeThread(_ t: ThreadID) -> Bool { withInterruptsOff { kernelThreads!.pointee.scheduler.wake(t) } }

// MARK: called by the backends' trap handlers, interrupts off

/// A timer tick: charge the running thread, wake sleepers, preempt when due.
func timerInterrupt(_ trap: SavedContext) -> SavedContext {
    guard kernelThreads != nil else { return trap }
    let previous = kernelThreads!.pointee.scheduler.current
    threadCPUTicks![previous] &+= 1
    guard kernelThreads!.pointee.scheduler.tick() else { return trap }
    return resume(from: trap, previous: previous, next: kernelThreads!.pointee.scheduler.reschedule())
}

/// A kernel thread's request through Platform.schedulerCall: the request and
/// its argument arrive as system-call words 0 and 1.
func schedulerCallTrap(_ trap: SavedContext) -> SavedContext {
    let request = Platform.syscallWord(trap, 0), argument = Platform.syscallWord(trap, 1)
    guard kernelThreads != nil else { return trap }
    let previous = kernelThreads!.pointee.scheduler.current
    let next: ThreadID
    switch SchedulerRequest(rawValue: request) {
    case .yield: next = kernelThreads!.pointee.scheduler.yield()
    case .sleep: next = kernelThreads!.pointee.scheduler.sleep(ticks: UInt64(argument))
    case .block: next = kernelThreads!.pointee.scheduler.block()
    case .exit: next = kernelThreads!.pointee.scheduler.exit(); taskEnded(previous, .exited, 0)
    case nil:
        kputs("threads: unknown scheduler request "); kputDecimal(UInt64(request)); kputs("; ignored\n")
        return trap
    }
    return resume(from: trap, previous: previous, next: next)
}

/// A CPU fault the backend has decoded, with the address of a kernel-mode data
/// access if it was one. A kernel access through a task's stale root entry is
/// repaired and retried; anything else is reported (`report`, the backend's
/// words) and kills the thread that took it, or ends the boot if that was the
/// boot flow. Returns the context to resume.
func faultTrap(_ context: SavedContext, cause: UInt, kernelAccessTo address: UInt64?, report: () -> Void) -> SavedContext {
    if let a = address, repairKernelMapping(at: a) { return context }
    report()
    guard let next = threadFaulted(context, cause: cause) else { kernelFail() }
    return next
}

/// A fault the backend has reported (`cause`: its vector or exception class).
/// A thread is killed and another resumed; nil when the boot flow itself
/// faulted (there is nothing to fall back to).
func threadFaulted(_ trap: SavedContext, cause: UInt) -> SavedContext? {
    guard kernelThreads != nil else { return nil }
    let t = kernelThreads!.pointee.scheduler.current
    if t == Scheduler.idle { return nil }
    kputs("threads: killed thread "); kputDecimal(UInt64(t)); kputs(" ("); kputName(t)
    kputs("); the others run on\n")
    kernelThreads!.pointee.scheduler.kill(t)
    taskEnded(t, .faulted, cause)
    kernelThreads!.pointee.killed += 1
    return resume(from: trap, previous: t, next: kernelThreads!.pointee.scheduler.reschedule())
}

/// End thread `t` for good (interrupts off): it never runs again, and callers
/// waiting on its reply wake with an error.
func killThread(_ t: ThreadID) {
    kernelThreads!.pointee.scheduler.kill(t)
    threadGone(t)
}

/// A line naming the thread whose guard page holds `address`, if one does.
func explainStackFault(at address: UInt64) {
    guard let threads = kernelThreads, let i = threads.pointee.stacks.guardSlot(containing: address) else { return }
    for t in 0..<Scheduler.capacity where threads.pointee.slot[t] == i {
        kputs("stack: "); kputHex(address); kputs(" is in the guard page below thread "); kputDecimal(UInt64(t))
        kputs(" ("); kputName(t); kputs(")'s stack: a kernel stack overflow, stopped\n")
        return
    }
}

/// Switch from `previous` (interrupted at `trap`) to `next`: keep the old
/// context, enter the new thread's address space and kernel stack.
func resume(from trap: SavedContext, previous: ThreadID, next: ThreadID) -> SavedContext {
    if next == previous { return trap }
    if kernelThreads!.pointee.scheduler.state(of: previous) != .dead {
        kernelThreads!.pointee.context[previous] = Platform.suspend(trap, area: kernelThreads!.pointee.area(previous))
    }
    enterAddressSpace(of: next)
    // A task that just died gives its memory back now, off its root: waiting for
    // its slot to be reused kept every frame it held from the tasks after it.
    if kernelThreads!.pointee.scheduler.state(of: previous) == .dead { tearDownTask(previous) }
    if kernelThreads!.pointee.slot[next] >= 0 {
        Platform.willResume(kernelStackTop: kernelThreads!.pointee.stacks.slot(kernelThreads!.pointee.slot[next]).top.raw)
    }
    return kernelThreads!.pointee.context[next]
}
