// What the boot shows about user tasks: a key-value server in user space
// serving three clients over IPC, a ping-pong benchmark of call/reply round
// trips, a task that reads kernel memory and one that writes over its own
// code, each dying alone, and a damaged image that the loader refuses before
// mapping anything.

@_extern(c, "user_images") func userImagesSymbol()

/// The images User/images.S embeds, in its order.
enum UserImage: Int {
    case kvserver = 0, kvclient, pingpong, intruder, hog, sysfuzz

    var bytes: UnsafeRawBufferPointer {
        let table = unsafeBitCast(userImagesSymbol as @convention(c) () -> Void, to: UnsafePointer<UInt>.self)
        let start = table[1 + 2 * rawValue], end = table[2 + 2 * rawValue]
        return UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: start), count: Int(end - start))
    }
}

struct TaskDemoReport {
    var tasks = 0
    var delivered = 0
    var synced = 0
}

let pingPongRounds: UInt = 2000

/// `fuzzSeed`: the system-call fuzzer's seed (`fuzzseed=N` on the command line).
func runTaskDemo(fuzzSeed: UInt) -> TaskDemoReport {
    startTasks()
    // From here on the boot flow looks on every tick, whatever the tasks do:
    // none of them, however busy, can keep it from running.
    withInterruptsOff { kernelThreads!.pointee.scheduler.setIdlePolling(true) }
    defer { withInterruptsOff { kernelThreads!.pointee.scheduler.setIdlePolling(false) } }
    refuseDamagedImage()
    guard let endpoint = withInterruptsOff({ tasks!.pointee.ipc.endpoints.create() }) else { kernelPanic("tasks: no endpoint") }
    kputs("tasks: endpoint "); kputDecimal(UInt64(endpoint)); kputs(" for the key-value server\n")
    var report = TaskDemoReport()
    runMemoryHog()
    report.tasks += 1
    guard let server = startTask("kvserver", UserImage.kvserver.bytes, priority: 3, arguments: (UInt(endpoint), 0)) else {
        kernelPanic("tasks: the server did not start")
    }
    var others = InlineArray<12, ThreadID>(repeating: -1)
    var n = 0
    for i in 1...3 {
        guard let c = startTask("kvclient", UserImage.kvclient.bytes, priority: 2, arguments: (UInt(endpoint), UInt(i))) else {
            kernelPanic("tasks: a client did not start")
        }
        others[n] = c; n += 1
    }
    // Heap growth after the tasks exist: their roots lack the new entries
    // until a kernel access through them faults and repairs them.
    let late = growHeapAfterTasks()
    let kernelAddress = withUnsafeMutablePointer(to: &timerHz) { UInt(bitPattern: $0) }
    guard let ping = startTask("pingpong", UserImage.pingpong.bytes, priority: 2, arguments: (UInt(endpoint), pingPongRounds)),
          let reader = startTask("intruder", UserImage.intruder.bytes, priority: 2, arguments: (kernelAddress, 0)),
          let writer = startTask("scribbler", UserImage.intruder.bytes, priority: 2, arguments: (0, 1)),
          let prober = startTask("prober", UserImage.intruder.bytes, priority: 2, arguments: (0, 3)) else {
        kernelPanic("tasks: the benchmark or the intruders did not start")
    }
    others[n] = ping; others[n + 1] = reader; others[n + 2] = writer; others[n + 3] = prober; n += 4
    // A task that never blocks, above every other: the boot flow still runs.
    guard let spinner = startTask("spinner", UserImage.intruder.bytes, priority: Scheduler.priorities - 1, arguments: (0, 2)) else {
        kernelPanic("tasks: the spinner did not start")
    }
    others[n] = spinner; n += 1
    let spinStart = currentTicks()
    bootFlowWait { kernelThreads!.pointee.scheduler.ticks >= spinStart + 10 }
    withInterruptsOff {
        kputs("tasks: spinner has held the CPU at priority "); kputDecimal(UInt64(Scheduler.priorities - 1))
        kputs(" for 10 ticks without blocking, and the boot flow still runs: stopping it\n")
        killThread(spinner)
        tearDownTask(spinner)
    }
    bootFlowWait {
        for i in 0..<n where kernelThreads!.pointee.scheduler.state(of: others[i]) != .dead { return false }
        return true
    }
    // The server waits forever in replyWait: stop it.
    withInterruptsOff {
        kputs("tasks: clients done; stopping the server\n")
        killThread(server)
        report.delivered = tasks!.pointee.ipc.delivered
        report.synced = tasks!.pointee.ipc.rootEntriesSynced
        syscallCounts = nil
    }
    kputs("tasks: "); kputDecimal(late.map { $0.1.pointee } ?? 0); kputs(" system calls counted in the late heap block\n")
    if let (block, _) = late { kernelFree(block) }
    report.tasks += n + 1
    // Every task is dead and none is active: give the remaining address spaces back
    // (slots reused during the demo gave theirs back then).
    let (spaces, freed, held) = withInterruptsOff { () -> (Int, Int, Int) in
        for i in 0..<n { tearDownTask(others[i]) }
        tearDownTask(server)
        return (tasks!.pointee.tornDown, tasks!.pointee.framesFreed, tasks!.pointee.framesExpected)
    }
    kputs("tasks: "); kputDecimal(UInt64(spaces)); kputs(" address spaces torn down: "); kputDecimal(UInt64(freed))
    kputs(" frames given back of "); kputDecimal(UInt64(held)); kputs(" the tasks held\n")
    if freed != held { kernelPanic("tasks: a torn-down address space lost frames") }
    runSyscallFuzz(seed: fuzzSeed, calls: 1000)
    kputs("tasks: "); kputDecimal(UInt64(report.tasks)); kputs(" tasks ran; "); kputDecimal(UInt64(report.delivered))
    kputs(" messages delivered; "); kputDecimal(UInt64(report.synced)); kputs(" kernel root entries synced on demand\n")
    return report
}

/// A task that sbrks until refused: its limit (1 MiB) stops it, and when it
/// exits every frame it held is free again at once.
private func runMemoryHog() {
    let before = withInterruptsOff { kernelGrowth.region!.frames.freeFrames }
    guard let hog = startTask("hog", UserImage.hog.bytes, priority: 2, arguments: (64 << 10, 0), memoryLimit: 1 << 20) else {
        kernelPanic("tasks: the memory hog did not start")
    }
    bootFlowWait { kernelThreads!.pointee.scheduler.state(of: hog) == .dead }
    let after = withInterruptsOff { kernelGrowth.region!.frames.freeFrames }
    kputs("tasks: hog held up to its 1 MiB limit; free frames "); kputDecimal(UInt64(before)); kputs(" before it, ")
    kputDecimal(UInt64(after)); kputs(" once it died\n")
}

/// A copy of the client image with its machine field changed must be refused by the loader.
private func refuseDamagedImage() {
    let good = UserImage.kvclient.bytes
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: good.count, alignment: 16)
    defer { copy.deallocate() }
    copy.copyMemory(from: good)
    copy.storeBytes(of: 62, toByteOffset: 18, as: UInt16.self)   // EM_X86_64
    kputs("tasks: loading a damaged copy of kvclient (e_machine changed)\n")
    if startTask("damaged", UnsafeRawBufferPointer(copy), priority: 2, arguments: (0, 0)) != nil {
        kernelPanic("tasks: a damaged image was loaded")
    }
}

/// Grow the kernel heap 5 MiB past its free space (on i386 that adds root
/// entries the tasks' roots lack) and put the system-call counter, which every
/// system call touches, in the block's last page. Nil if memory is short.
private func growHeapAfterTasks() -> (UnsafeMutableRawPointer, UnsafeMutablePointer<UInt64>)? {
    let bytes = kernelHeap!.heapBytes - kernelHeap!.usedBytes + (5 << 20)
    guard let p = kernelAllocate(Int(bytes), alignment: 4096) else {
        kputs("tasks: no memory to grow the heap now; the late-growth check is skipped\n")
        return nil
    }
    let counter = (p + Int(bytes) - 4096).bindMemory(to: UInt64.self, capacity: 1)
    counter.pointee = 0
    withInterruptsOff { syscallCounts = counter }
    kputs("tasks: the kernel heap grew to "); kputSize(UInt64(kernelHeap!.heapBytes))
    kputs(" after the tasks were made; system calls are counted at "); kputHex(UInt64(UInt(bitPattern: counter))); kputs("\n")
    return (p, counter)
}
