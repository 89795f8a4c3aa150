// The system-call fuzzer's referee. User/Programs/sysfuzz.swift makes random
// system calls from a seed; after each one the kernel checks what must hold
// whatever a task asks: the frames it accounts to the task are exactly the
// frames the task's tables hold, within its limit, and no frame appeared or
// vanished elsewhere (the fuzzer runs alone, so the free frames plus the task's
// are constant). A broken invariant ends the boot with the call's number.

/// What the checks compare.
var fuzzBaseline = 0
var fuzzChecked = 0

/// After every system call of the fuzzer (interrupts off).
func checkAfterFuzzedCall(_ k: inout KernelState, _ t: ThreadID) {
    fuzzChecked += 1
    let counted = space(&k, of: t).framesHeld(userWindow: Platform.userWindow)
    let recorded = k.records[t].memory.framesHeld
    let free = k.frames.freeFrames
    if counted != recorded || recorded > k.records[t].memory.frameLimit || free + recorded != fuzzBaseline {
        kputs("sysfuzz: invariant broken after call "); kputDecimal(UInt64(fuzzChecked)); kputs(": tables hold ")
        kputDecimal(UInt64(counted)); kputs(" frames, accounted "); kputDecimal(UInt64(recorded)); kputs(", limit ")
        kputDecimal(UInt64(k.records[t].memory.frameLimit)); kputs(", free "); kputDecimal(UInt64(free)); kputs(" + accounted != ")
        kputDecimal(UInt64(fuzzBaseline)); kputs("\n")
        kernelPanic("the system-call fuzzer broke a kernel invariant")
    }
}

/// Run the fuzzer alone for `calls` calls from the seed on the command line
/// (`fuzzseed=N`, default 1), then check every frame came back at its death.
func runSyscallFuzz(seed: UInt, calls: UInt) {
    let before = withKernel { $0.frames.freeFrames }
    kputs("sysfuzz: "); kputDecimal(UInt64(calls)); kputs(" random system calls from seed "); kputDecimal(UInt64(seed)); kputs("\n")
    // Started with interrupts off and watched from its first call: the load's
    // frames are already counted when it first runs.
    let t: ThreadID? = withKernel { k in
        guard let i = Programs.find("sysfuzz"),
            let f = try? startTask(
                &k, nameBytes("sysfuzz"), Programs.bytes(i), priority: 2, arguments: (seed, calls),
                memoryLimit: 1 << 20)
        else {
            return nil
        }
        watchedThread = f
        afterWatchedCall = { state, t in checkAfterFuzzedCall(&state.assumingMemoryBound(to: KernelState.self).pointee, t) }
        fuzzBaseline = k.frames.freeFrames + k.records[f].memory.framesHeld
        return f
    }
    guard let fuzzer = t else { kernelPanic("sysfuzz: the fuzzer did not start") }
    bootFlowWait { $0.threads.scheduler.state(of: fuzzer) == .dead }
    let after = withKernel { k -> Int in
        watchedThread = -1; return k.frames.freeFrames
    }
    kputs("sysfuzz: "); kputDecimal(UInt64(fuzzChecked)); kputs(" calls checked; free frames "); kputDecimal(UInt64(before))
    kputs(" before, "); kputDecimal(UInt64(after)); kputs(" after\n")
    if after != before { kernelPanic("sysfuzz: frames were lost") }
}
