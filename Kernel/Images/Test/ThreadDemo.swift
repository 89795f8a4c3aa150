// What the boot shows about interrupts and threads: counting threads that
// never yield, so only the timer tick can interleave their output; then
// scratch threads that fault (a write into a guard page, a stack overflow, an
// undefined instruction, a Swift runtime trap), each killed while the kernel runs on.

@_extern(c, "kernel_touch") func touch(_ p: UnsafeMutableRawPointer)

struct ThreadDemoReport {
    var ticks: UInt64 = 0
    var switches: UInt64 = 0
    var killed = 0
}

let demoCounters = 3
let demoCountTo = 10
/// Ticks of its own CPU time a counter spends per count.
let demoTicksPerCount: UInt64 = 2

func runThreadDemo() -> ThreadDemoReport {
    kputs("threads: "); kputDecimal(UInt64(demoCounters)); kputs(" counting threads that never yield\n")
    let (ticks0, switches0) = withKernel { ($0.threads.scheduler.ticks, $0.threads.scheduler.switches) }
    kputs("timer: mark start tick="); kputDecimal(ticks0); kputs("\n")
    guard let sleeper = spawnThread("sleeper", priority: 3, { _ in sleeperThread() }),
        let waiter = spawnThread("waiter", priority: 3, { _ in waiterThread() })
    else {
        kernelPanic("threads: could not start the sleeper and the waiter")
    }
    var ids = InlineArray<8, ThreadID>(repeating: -1)
    for i in 0..<demoCounters {
        guard let t = spawnThread("counter", priority: 2, { letter in countingThread(letter) }, UInt(65 + i)) else {
            kernelPanic("threads: could not start a counting thread")
        }
        ids[i] = t
    }
    waitUntilDead { k in
        for i in 0..<demoCounters where k.threads.scheduler.state(of: ids[i]) != .dead { return false }; return true
    }
    var report = ThreadDemoReport()
    (report.ticks, report.switches) = withKernel {
        ($0.threads.scheduler.ticks - ticks0, $0.threads.scheduler.switches - switches0)
    }
    kputs("timer: mark end tick="); kputDecimal(ticks0 + report.ticks); kputs("\n")
    kputs("threads: counters done after "); kputDecimal(report.ticks); kputs(" ticks and ")
    kputDecimal(report.switches); kputs(" switches\n")
    kputs("threads: waking the waiter ("); kputs(wakeThread(waiter) ? "it was blocked" : "it was NOT blocked"); kputs(")\n")
    waitUntilDead { $0.threads.scheduler.state(of: waiter) == .dead && $0.threads.scheduler.state(of: sleeper) == .dead }

    scratch("guard", { _ in writeBelowStack() })
    scratch("overflow", { _ in _ = descend(0) })
    scratch("undefined", { _ in Platform.undefinedInstruction() })
    scratch("swift-trap", { _ in swiftTrap() })
    report.killed = withKernel { $0.threads.killed }
    if report.killed != 4 { kernelPanic("threads: a scratch thread's fault did not kill it") }
    kputs("threads: 4 faulting threads killed; the kernel runs on\n")
    return report
}

/// Idle (this is the boot flow, thread 0) until `done` holds.
private func waitUntilDead(_ done: (inout KernelState) -> Bool) {
    while !withKernel(done) { Platform.waitForInterrupt() }
}

/// Run one scratch thread that must fault, and wait for it to be gone.
private func scratch(_ name: StaticString, _ body: ThreadBody) {
    kputs("threads: scratch thread "); kputs(name); kputs("\n")
    guard let t = spawnThread(name, priority: 3, body) else { kernelPanic("threads: could not start a scratch thread") }
    waitUntilDead { $0.threads.scheduler.state(of: t) == .dead }
}

/// Sleep a few ticks at a time, reporting how long each sleep really took.
private func sleeperThread() {
    for _ in 0..<3 {
        let before = currentTicks()
        sleepTicks(4)
        let slept = currentTicks() - before
        withInterruptsOff {
            kputs("sleeper: asked for 4 ticks, slept "); kputDecimal(slept); kputs("\n")
        }
    }
}

/// Block until the boot flow wakes this thread.
private func waiterThread() {
    withInterruptsOff { kputs("waiter: blocking until woken\n") }
    blockThread()
    withKernel { k in
        kputs("waiter: woken at tick "); kputDecimal(k.threads.scheduler.ticks); kputs("\n")
    }
}

/// Count to demoCountTo, spending demoTicksPerCount of this thread's own CPU time per count.
private func countingThread(_ letter: UInt) {
    let me = currentThread()
    // The record never moves: its charged ticks are read in place, without the state.
    let records = withKernel { $0.records }
    let charged = withUnsafePointer(to: &records[me].cpuTicks) { $0 }
    var work: UInt32 = UInt32(truncatingIfNeeded: letter)
    for i in 1...demoCountTo {
        let start = volatileLoad(charged)
        while volatileLoad(charged) < start + demoTicksPerCount { work = work &* 1_664_525 &+ 1_013_904_223 }
        withInterruptsOff {
            kputs("thread "); kputByte(UInt8(truncatingIfNeeded: letter)); kputs(": ")
            kputDecimal(UInt64(i)); kputs(" (work "); kputHex(UInt64(work)); kputs(")\n")
        }
    }
}

private func writeBelowStack() {
    let bottom = withKernel { k in k.threads.stacks.slot(k.records[k.threads.scheduler.current].stackSlot).bottom }
    let target = bottom.raw - 16
    kputs("guard: writing 16 bytes below my stack, at "); kputHex(UInt64(target)); kputs("\n")
    UnsafeMutablePointer<UInt8>(bitPattern: target)!.pointee = 0x5A
}

/// Recurse with a 256-byte frame until the stack runs into its guard page.
private func descend(_ depth: UInt) -> UInt {
    if depth == 0 { kputs("overflow: recursing until the stack runs out\n") }
    return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 32) { frame in
        frame[0] = UInt64(depth)
        touch(UnsafeMutableRawPointer(frame.baseAddress!))
        return descend(depth + 1) &+ UInt(truncatingIfNeeded: frame[0])
    }
}

/// An out-of-range array index: Swift's bounds check traps.
private func swiftTrap() {
    kputs("swift-trap: indexing past the end of an array\n")
    var zero: UInt64 = 0
    let index = Int(withUnsafePointer(to: &zero) { volatileLoad($0) }) + 3
    let values = [1, 2, 3]
    kputDecimal(UInt64(values[index]))
}
