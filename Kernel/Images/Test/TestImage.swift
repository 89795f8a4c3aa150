// The test image: the kernel plus the checks that must run inside it, at the
// points kernelMain offers (make run-<arch> SYSTEM=test; the boot tests and
// make bench-strategies boot it). After paging: the crash hooks. After the
// heap: bench=grow and the heap self-test. Before init: the thread demo, the
// loader's refusal of a damaged image, the system-call fuzzer, and a kernel
// thread that grows the heap once the tasks exist. Init then starts
// User/test.manifest. The summary line gets the self-test's and the threads' figures.

let kernelImageName: StaticString = "test"

struct TestImageReport {
    var selfTest = SelfTestReport()
    var threads = ThreadDemoReport()
}
var testReport = TestImageReport()

func imageChecksAfterPaging(_ boot: BootInfo) { provokeRequestedFault(boot.commandLine) }

func imageChecksAfterHeap(_ boot: BootInfo) {
    // The self-test may exhaust memory on purpose, and the heap keeps what it
    // grew: set frames aside now for the thread stacks and tasks that follow.
    var aside = InlineArray<512, UInt64>(repeating: 0)
    var asideCount = 0
    withKernel { k in
        while asideCount < aside.count, let f = k.frames.allocate() { aside[asideCount] = f.start.raw; asideCount += 1 }
    }
    if let what = boot.commandLine.value(of: "crash"), what.equals("stray") { provokeStrayHeapWrite() }
    if let what = boot.commandLine.value(of: "crash"), what.equals("badfree") { provokeBadFrees() }
    if let what = boot.commandLine.value(of: "bench"), what.equals("grow") {
        // The benchmark measures the largest heap and ends the boot: it gets every frame.
        withKernel { k in
            for i in 0..<asideCount { try? k.frames.free(Frame(PhysicalAddress(aside[i]))) }
            runGrowthBench(&k)
        }
    }
    testReport.selfTest = runSelfTest(ramBytes: boot.map.usableBytes)
    withKernel { k in for i in 0..<asideCount { try? k.frames.free(Frame(PhysicalAddress(aside[i]))) } }
}

func imageChecksBeforeInit(_ boot: BootInfo) {
    testReport.threads = runThreadDemo()
    refuseDamagedImage()
    refuseSpawnIntoFullTable()
    refuseTearingDownTheActiveSpace()
    checkDeviceLineStorm()
    let fuzzSeed = boot.commandLine.value(of: "fuzzseed")?.decimalValue.map { UInt(truncatingIfNeeded: $0) } ?? 1
    runSyscallFuzz(seed: fuzzSeed, calls: 1000)
    startLateGrowth()
}

/// When init has ended (in its exit call): what the tasks gave back, and what the late heap block counted.
func imageChecksAtEnd(_ k: inout KernelState) {
    kputs("tasks: "); kputDecimal(UInt64(k.tasks.tornDown)); kputs(" address spaces torn down: "); kputDecimal(UInt64(k.tasks.framesFreed))
    kputs(" frames given back of "); kputDecimal(UInt64(k.tasks.framesExpected)); kputs(" the tasks held\n")
    if k.tasks.framesFreed != k.tasks.framesExpected { kernelPanic("tasks: a torn-down address space lost frames") }
    if let count = syscallCounts {
        kputs("tasks: "); kputDecimal(count.pointee); kputs(" system calls counted in the late heap block\n")
    }
}

func imageSummaryFields(_ k: inout KernelState) {
    let r = testReport
    kputs(" objects="); kputDecimal(UInt64(r.selfTest.objects))
    kputs(" blocks="); kputDecimal(UInt64(r.selfTest.rawBlocks))
    kputs(" exhausted="); kputs(r.selfTest.exhausted ? "yes" : "no")
    kputs(" selftest_heap_kib="); kputDecimal(r.selfTest.heapBytes >> 10)
    kputs(" hz="); kputDecimal(UInt64(timerHz))
    kputs(" ticks="); kputDecimal(r.threads.ticks)
    kputs(" switches="); kputDecimal(r.threads.switches)
}

/// With every thread slot taken, a task start fails as a full table
/// (spawn's noResources, not outOfMemory) and keeps none of the frames its
/// load took. The free slots are marked taken for the check and given back.
private func refuseSpawnIntoFullTable() {
    guard let i = Programs.find("hello") else { kernelPanic("tasks: the test system has no hello to start") }
    withKernel { k in
        var unused: UInt64 = 0, dead: UInt64 = 0
        for t in 1..<ThreadTable.capacity where k.records.isFree(t) {
            if k.records[t].state == .unused { unused |= 1 << UInt64(t) } else { dead |= 1 << UInt64(t) }
            k.records[t].state = .blocked
        }
        let before = k.frames.freeFrames
        let outcome = Result { () throws(TaskStartFailure) in
            try startTask(&k, nameBytes("overflow"), Programs.bytes(i), priority: 2, arguments: (1, 0))
        }
        for t in 0..<ThreadTable.capacity {
            if unused & (1 << UInt64(t)) != 0 { k.records[t].state = .unused }
            if dead & (1 << UInt64(t)) != 0 { k.records[t].state = .dead }
        }
        guard case .failure(let e) = outcome, e.syscallError == .noResources else {
            kernelPanic("tasks: a start into a full thread table was not refused with noResources")
        }
        if k.frames.freeFrames != before { kernelPanic("tasks: a start refused for a full table kept frames") }
        kputs("tasks: a start into a full thread table is refused (noResources), its load given back\n")
    }
}

/// A dead task whose root is still the active one keeps its address space:
/// freeing the tables the CPU walks would pull the mappings out from under
/// the running code. Once another root is active, it goes. (The kernel never
/// reaches this itself: it switches away before it tears a space down.)
private func refuseTearingDownTheActiveSpace() {
    guard let i = Programs.find("hello") else { kernelPanic("tasks: the test system has no hello to start") }
    withKernel { k in
        guard let t = try? startTask(&k, nameBytes("active"), Programs.bytes(i), priority: 2, arguments: (1, 0)) else {
            kernelPanic("tasks: could not start the task for the active-space check")
        }
        k.threads.scheduler.kill(t)
        enterAddressSpace(&k, of: t)
        let free = k.frames.freeFrames
        tearDownTask(&k, t)
        let kept = k.records[t].memory.root != 0 && k.frames.freeFrames == free
        enterAddressSpace(&k, of: k.threads.scheduler.current)
        tearDownTask(&k, t)
        guard kept, k.records[t].memory.root == 0, k.frames.freeFrames > free else {
            kernelPanic("tasks: the active address space was torn down, or a left one was not")
        }
        kputs("tasks: an active address space is never torn down; once left, it is\n")
    }
}

/// A copy of the client program with its machine field changed must be refused by the loader.
private func refuseDamagedImage() {
    guard let i = Programs.find("kvclient") else { kernelPanic("tasks: the test system has no kvclient to damage") }
    let good = Programs.bytes(i)
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: good.count, alignment: 16)
    defer { copy.deallocate() }
    copy.copyMemory(from: good)
    copy.storeBytes(of: 62, toByteOffset: 18, as: UInt16.self)  // EM_X86_64
    kputs("tasks: loading a damaged copy of kvclient (e_machine changed)\n")
    let outcome = withKernel { k in
        Result { () throws(TaskStartFailure) in
            try startTask(&k, nameBytes("damaged"), UnsafeRawBufferPointer(copy), priority: 2, arguments: (0, 0))
        }
    }
    guard case .failure(.badImage) = outcome else { kernelPanic("tasks: a damaged image was not refused as one") }
}

/// A kernel thread that waits until init has started four tasks, then grows
/// the kernel heap 5 MiB past its free space (on i386 that adds root entries
/// the tasks' roots lack, repaired on their first kernel access) and puts the
/// system-call counter, which every system call touches, in the block's last page.
private func startLateGrowth() {
    guard spawnThread("late-growth", priority: initPriority - 1, { _ in growHeapAfterTasks() }) != nil else {
        kernelPanic("tasks: could not start the late-growth thread")
    }
}

private func growHeapAfterTasks() {
    while withKernel({ $0.system.started < 4 }) { sleepTicks(1) }
    // Past the largest the heap has been (the self-test's peak; it has trimmed
    // since), so that growth needs tables the tasks' roots have never seen.
    let peak = UInt(testReport.selfTest.heapBytes)
    let bytes = withKernel { max(peak, $0.heap.heapBytes) - $0.heap.usedBytes + (5 << 20) }
    guard let p = kernelAllocate(Int(bytes), alignment: 4096) else {
        kputs("tasks: no memory to grow the heap now; the late-growth check is skipped\n")
        return
    }
    let counter = (p + Int(bytes) - 4096).bindMemory(to: UInt64.self, capacity: 1)
    counter.pointee = 0
    withKernel { k in
        syscallCounts = counter
        kputs("tasks: the kernel heap grew to "); kputSize(UInt64(k.heap.heapBytes))
        kputs(" after the tasks were made; system calls are counted at "); kputHex(UInt64(UInt(bitPattern: counter))); kputs("\n")
    }
    // With the tasks alive, the heap shrinks and grows again, twice: an 8 MiB
    // block at its top is freed, and its pages (and, where the format allows,
    // its emptied tables) go back to the frame allocator.
    for round in 1...2 {
        let (frames0, heap0) = withKernel { ($0.frames.freeFrames, $0.heap.heapBytes) }
        guard let big = kernelAllocate(8 << 20, alignment: 4096) else {
            kputs("heap: no memory for the shrink check; skipped\n")
            return
        }
        let (frames1, heap1) = withKernel { ($0.frames.freeFrames, $0.heap.heapBytes) }
        kernelFree(big)
        let (frames2, heap2, released) = withKernel { ($0.frames.freeFrames, $0.heap.heapBytes, $0.region.tablesReleased) }
        withInterruptsOff {
            kputs("heap: round "); kputDecimal(UInt64(round)); kputs(" with tasks alive: 8 MiB block taken, heap ")
            kputSize(UInt64(heap0)); kputs(" -> "); kputSize(UInt64(heap1)); kputs(" -> "); kputSize(UInt64(heap2))
            kputs(" once freed; free frames "); kputDecimal(UInt64(frames0)); kputs(" -> "); kputDecimal(UInt64(frames1))
            kputs(" -> "); kputDecimal(UInt64(frames2)); kputs("; leaf tables released so far "); kputDecimal(UInt64(released)); kputs("\n")
        }
    }
}
